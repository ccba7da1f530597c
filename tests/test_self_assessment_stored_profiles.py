"""Each coalition's self-assessment profile is stored at write time (`CoalitionProfile`):
submitting, a member joining (an invite) or leaving store it afresh in their transaction;
database triggers delete it when anything else changes what it summarises (direct updates,
bulk writes, cascades), and a missing one is computed from the answers when read. After
every kind of write, each stored value equals the straightforward computation from the
answers, and the trainer's overview shows the same profiles as the live computation, on
SQLite and PostgreSQL alike. `flask db recount` and migration 15 rebuild the table."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import count_queries
from factories import (
    add_member,
    answers_for,
    instrument,
    instrument_definition,
    make_coalition,
    make_user,
    migrate_from,
    sync_content,
)

from koalicje import coalitions as coalition_rules
from koalicje import invites, self_assessment
from koalicje.invites import InviteRequest
from models import (
    MIGRATIONS,
    Coalition,
    CoalitionProfile,
    Instrument,
    Membership,
    SelfAssessment,
    User,
    create_or_migrate,
    db,
    utcnow,
)


def _stored() -> dict[tuple[int, int], tuple[int, dict]]:
    return {(cid, instrument_id): (respondents, json.loads(text))
            for cid, instrument_id, respondents, text in CoalitionProfile.select(
                CoalitionProfile.coalition, CoalitionProfile.instrument,
                CoalitionProfile.respondents, CoalitionProfile.dimensions).tuples()}


def _straightforward(coalition_id: int, instrument_id: int) -> tuple[int, dict]:
    """Every submission as a model, each current member's latest chosen in Python, and the
    statistics taken plainly: (respondents, {slug: [answers, mean, spread]})."""
    members = {m.user_id for m in Membership.select().where(Membership.coalition == coalition_id)}
    latest: dict[int, SelfAssessment] = {}
    for item in SelfAssessment.select().where(SelfAssessment.coalition == coalition_id):
        if (item.status != "submitted" or item.user_id not in members
                or item.instrument_id != instrument_id):
            continue
        known = latest.get(item.user_id)
        if known is None or (item.submitted_at, item.id) > (known.submitted_at, known.id):
            latest[item.user_id] = item
    values: dict[str, list[float]] = {}
    for item in sorted(latest.values(), key=lambda i: (i.submitted_at, i.id)):
        scores = item.scores or self_assessment.dimension_scores(
            item.instrument_version.definition, item.answers)
        for slug, value in scores.items():
            if value is not None:
                values.setdefault(slug, []).append(value)
    return len(latest), {slug: [len(v), round(sum(v) / len(v), 2), round(max(v) - min(v), 2)]
                         for slug, v in values.items()}


class World:
    def __init__(self, app):
        self.app = app
        sync_content()
        self.definition = instrument_definition()
        self.instrument = instrument()
        self.start = utcnow() - timedelta(days=30)
        self.coalitions = [make_coalition(name=f"Koalicja {n}") for n in range(3)]
        self.people: dict[int, list[User]] = {}
        for number, coalition in enumerate(self.coalitions):
            self.people[coalition.id] = []
            for index in range(4 + number):
                user = make_user()
                add_member(user, coalition, "coordinator" if index == 0 else "member",
                           ("library", "ngo", "business")[index % 3])
                self.people[coalition.id].append(user)
                self.submit(user, coalition, index + number)
        self.admin = make_user(role="admin")
        assert self_assessment.recount_profiles() == 0  # each submission stored its own

    def submit(self, user, coalition, value, when=None):
        item = self_assessment.start(user, self.instrument, coalition)
        per_dimension = {d["slug"]: 1 + (value + i) % 5
                         for i, d in enumerate(self.definition["dimensions"])}
        self_assessment.save_answers(item, answers_for(self.definition, per_dimension))
        self_assessment.submit(item)
        if when is not None:
            SelfAssessment.update(submitted_at=when).where(SelfAssessment.id == item.id).execute()
        return item

    def check(self, kept: list[Coalition] = ()) -> None:
        """Every stored value equals the straightforward one; `kept` coalitions have theirs
        stored (not merely deleted); the overview's profiles equal the live computation."""
        stored = _stored()
        for (cid, instrument_id), value in stored.items():
            assert value == _straightforward(cid, instrument_id), (cid, instrument_id)
        for coalition in kept:
            assert (coalition.id, self.instrument.id) in stored
        alive = list(Coalition.select().where(
            Coalition.id.in_([c.id for c in self.coalitions])).order_by(Coalition.id))
        # in a request of the application: the profiles built from stored rows are kept per
        # process (`self_assessment._kept_profiles`), so each check after a write reads
        # the kept ones where the stored row did not change
        with self.app.test_request_context():
            lean = self_assessment.coalition_profiles(alive, sectors=False)
            full = self_assessment.coalition_profiles(alive)
        for coalition in alive:
            if full[coalition.id] is None:
                assert lean[coalition.id] is None
                continue
            assert lean[coalition.id].dimensions == full[coalition.id].dimensions
            assert lean[coalition.id].respondents == full[coalition.id].respondents


@pytest.fixture
def world(app, database):
    return World(app)


def test_every_coalition_is_stored_and_equals_its_answers(world):
    stored = _stored()
    assert {cid for cid, _ in stored} == {c.id for c in Coalition.select()}
    assert [stored[c.id, world.instrument.id][0] for c in world.coalitions] == [4, 5, 6]
    world.check(kept=world.coalitions)
    assert any(profile is not None and any(d.mean is not None for d in profile.dimensions)
               for profile in self_assessment.coalition_profiles(world.coalitions,
                                                                 sectors=False).values())


def test_after_submitting(world):
    first, second = world.coalitions[:2]
    person = world.people[first.id][1]
    before = _stored()[first.id, world.instrument.id]
    world.submit(person, first, 3)  # a newer submission replaces the member's earlier one
    world.check(kept=world.coalitions)
    assert _stored()[first.id, world.instrument.id] != before
    add_member(person, second)  # a member of two coalitions, answering for the second
    self_assessment.recount_profiles()
    world.submit(person, second, 1)
    world.check(kept=world.coalitions)
    draft = self_assessment.start(person, world.instrument, first)
    self_assessment.save_answers(draft, {})  # an autosave of a draft changes nothing
    world.check(kept=world.coalitions)


def test_after_joining_and_leaving(world):
    coalition = world.coalitions[0]
    newcomer = make_user(email="nowa@example.org")
    # answered for this coalition earlier, while not a member: counts once they join
    SelfAssessment.create(user=newcomer, coalition=coalition, instrument=world.instrument,
                          instrument_version=self_assessment.current_version(world.instrument),
                          answers={}, scores={"wspolny-cel": 1.0}, status="submitted",
                          submitted_at=utcnow())
    self_assessment.recount_profiles()
    before = _stored()[coalition.id, world.instrument.id]
    _invite, token = invites.create_invite(world.admin, InviteRequest(
        email="nowa@example.org", coalition=coalition), days=14)
    invites.accept_existing(token, newcomer)
    world.check(kept=world.coalitions)
    assert _stored()[coalition.id, world.instrument.id][0] == before[0] + 1
    leaving = Membership.get((Membership.user == newcomer) & (Membership.coalition == coalition))
    coalition_rules.remove_membership(leaving)
    world.check(kept=world.coalitions)
    assert _stored()[coalition.id, world.instrument.id] == before
    member = Membership.get(Membership.user == world.people[coalition.id][1])
    coalition_rules.update_membership(member, "member", "business")
    world.check(kept=world.coalitions)


def test_after_direct_and_bulk_writes(world):
    first, second, third = world.coalitions
    item = SelfAssessment.select().where(SelfAssessment.coalition == first).get()
    SelfAssessment.update(scores={}).where(SelfAssessment.id == item.id).execute()
    world.check()
    SelfAssessment.update(submitted_at=world.start).where(
        SelfAssessment.coalition == second).execute()
    world.check()
    SelfAssessment.update(coalition=second.id).where(SelfAssessment.id == item.id).execute()
    world.check()
    SelfAssessment.delete().where(SelfAssessment.coalition == third).execute()
    world.check()
    self_assessment.recount_profiles()
    Membership.delete().where(Membership.user == world.people[first.id][2]).execute()
    world.check()
    Membership.update(coalition=third.id).where(
        Membership.user == world.people[second.id][2]).execute()
    world.check()
    Membership.insert_many([(make_user().id, first.id) for _ in range(3)],
                           fields=[Membership.user, Membership.coalition]).execute()
    world.check()


def test_after_cascades(world):
    first, second, _third = world.coalitions
    User.delete().where(User.id == world.people[first.id][1].id).execute()
    world.check()
    self_assessment.recount_profiles()
    Coalition.delete().where(Coalition.id == second.id).execute()
    assert not CoalitionProfile.select().where(CoalitionProfile.coalition == second.id).exists()
    world.check()


def test_recount_and_the_migration_rebuild_the_table(app, world):
    expected = _stored()
    CoalitionProfile.update(respondents=CoalitionProfile.respondents + 1).where(
        CoalitionProfile.coalition == world.coalitions[0].id).execute()
    CoalitionProfile.delete().where(CoalitionProfile.coalition == world.coalitions[1].id).execute()
    assert self_assessment.recount_profiles() == 2 * Instrument.select().count()
    assert _stored() == expected
    assert self_assessment.recount_profiles() == 0
    CoalitionProfile.delete().execute()
    db.close()
    output = app.test_cli_runner().invoke(args=["db", "recount"]).output
    assert f"Coalition self-assessment profiles: {len(expected)} repaired." in output
    db.connect(reuse_if_open=True)
    assert _stored() == expected
    # An existing database from before the table: migration 15 creates and fills it, and
    # its triggers keep it from then on.
    db.execute_sql('DROP TABLE "coalition_profile"')
    db.execute_sql('DROP INDEX "module_progress_user_id_module_id_status"')
    assert migrate_from(14) == [v for v in sorted(MIGRATIONS) if v >= 15]
    assert _stored() == expected
    # and the index of module progress by (user, module, status) it brings
    assert "module_progress_user_id_module_id_status" in {
        index.name for index in db.get_indexes("module_progress")}
    assert create_or_migrate() == []
    Membership.delete().where(Membership.user == world.people[world.coalitions[2].id][1]).execute()
    assert (world.coalitions[2].id, world.instrument.id) not in _stored()
    world.check()


def test_the_overview_reads_stored_profiles_in_a_fixed_number_of_queries(world):
    few = world.coalitions[:1]
    with count_queries() as small:
        self_assessment.coalition_profiles(few, sectors=False)
    with count_queries() as large:
        self_assessment.coalition_profiles(world.coalitions, sectors=False)
    assert large.count == small.count <= 3
    # one deleted by a trigger: computed from the answers, one query more, the same result
    stored = self_assessment.coalition_profiles(world.coalitions, sectors=False)
    Membership.update(role="member").where(Membership.coalition == world.coalitions[1]).execute()
    CoalitionProfile.delete().where(CoalitionProfile.coalition == world.coalitions[1].id).execute()
    with count_queries() as fallback:
        again = self_assessment.coalition_profiles(world.coalitions, sectors=False)
    assert fallback.count == large.count + 1
    assert again == stored


def _page_profiles(client) -> dict[str, list[tuple[str, str]]]:
    """The overview's profiles as shown: per coalition, each row's (title, mean)."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/trainer/").data, "html.parser")
    return {article["data-coalition"]: [(row.th.get_text(), row.td.get_text())
                                        for row in article.select("tbody tr")]
            for article in page.select("article.coalition-profile")}


def test_kept_profiles_equal_fresh_ones_and_a_changed_row_shows_at_once(app, world, client,
                                                                         auth):
    """The profiles built from stored rows are kept per process (and their rows' markup):
    what is kept equals what is built afresh, and a changed stored row shows at once."""
    with app.app_context():  # (kept in the application's extensions)
        first = self_assessment.coalition_profiles(world.coalitions, sectors=False)
        second = self_assessment.coalition_profiles(world.coalitions, sectors=False)
        version = self_assessment.current_version(world.instrument)
        texts = self_assessment._ProfileTexts(version.definition)
    stored = _stored()
    for coalition in world.coalitions:
        assert second[coalition.id].dimensions is first[coalition.id].dimensions  # kept
        _respondents, stats = stored[coalition.id, world.instrument.id]
        assert second[coalition.id].dimensions == self_assessment._dimensions(
            version.definition, stats, texts)
    auth.as_user(world.admin)
    shown = _page_profiles(client)
    assert _page_profiles(client) == shown  # the kept markup
    app.extensions.pop("koalicje.self_assessment.dimensions")
    app.extensions.pop("koalicje.trainer.profile_rows")
    assert _page_profiles(client) == shown  # equals the markup written afresh
    # a member answers again: the stored row changes, the page shows it at once
    changed = world.coalitions[0]
    world.submit(world.people[changed.id][0], changed, 3)
    world.check(kept=[changed])
    after = _page_profiles(client)
    assert after[changed.slug] != shown[changed.slug]
    assert {slug: rows for slug, rows in after.items() if slug != changed.slug} == {
        slug: rows for slug, rows in shown.items() if slug != changed.slug}
    fresh = self_assessment.coalition_profiles([changed])[changed.id]  # from the answers
    mean_text = {d.title: d.mean for d in fresh.dimensions}
    for title, text in after[changed.slug]:
        mean = mean_text[title]
        assert text == ("—" if mean is None else f"{mean:.2f}".replace(".", ","))


def test_kept_profiles_start_again_past_their_bound_without_losing_the_ones_read(
        app, world, monkeypatch):
    """Past `_KEPT_PROFILES` the kept rows start again: a call that reads some rows kept
    before the reset and some new ones still gets every profile."""
    with app.app_context():
        first = self_assessment.coalition_profiles(world.coalitions[:1], sectors=False)
        monkeypatch.setattr(self_assessment, "_KEPT_PROFILES", 1)
        both = self_assessment.coalition_profiles(world.coalitions, sectors=False)
        assert both[world.coalitions[0].id].dimensions == first[world.coalitions[0].id].dimensions
        assert all(both[c.id] is not None for c in world.coalitions)


def test_kept_profiles_are_kept_per_language(app, world):
    """The kept profile rows and texts are found by the language too: a profile read in
    English after the Polish one was kept shows the English titles, each equal to the rows
    built afresh in that language."""
    from flask_babel import force_locale

    stored = _stored()
    titles = {}
    for locale in ("pl", "en", "pl"):
        with app.test_request_context(), force_locale(locale):
            profiles = self_assessment.coalition_profiles(world.coalitions, sectors=False)
            version = self_assessment.current_version(world.instrument)
            texts = self_assessment._ProfileTexts(version.definition)
            for coalition in world.coalitions:
                _respondents, stats = stored[coalition.id, world.instrument.id]
                assert profiles[coalition.id].dimensions == self_assessment._dimensions(
                    version.definition, stats, texts), (locale, coalition.name)
            titles[locale] = [d.title for d in profiles[world.coalitions[0].id].dimensions]
    assert titles["pl"] != titles["en"]
