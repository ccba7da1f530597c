"""Who needs a nudge: the two rules at their boundaries (exactly N days), and the page."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from conftest import add_member, assign, make_coalition, make_user, soup
from factories import attempt, board_post, make_module, progress

from koalicje.trainer import nudges
from koalicje.trainer.scope import local_date
from koalicje.web import exports
from models import Membership, db, utcnow

NOW = utcnow().replace(microsecond=0)
SECOND = timedelta(seconds=1)


@pytest.fixture
def setting(database):
    trainer = make_user(role="trainer")
    coalition = make_coalition(name="Koalicja Żółwia")
    assign(trainer, coalition)
    modules = [make_module(1, quiz=True), make_module(2, quiz=True)]
    return trainer, coalition, modules


def learner(coalition, name="Zofia Żak", joined=None):
    person = make_user(name=name)
    add_member(person, coalition)
    if joined is not None:
        Membership.update(joined_at=joined).where(Membership.user == person).execute()
    return person


def local(app, when):
    with app.app_context():
        return local_date(when).isoformat()


def found(trainer, days=14):
    return {n.user.name: n for n in nudges.needing_nudge(trainer, days=days, now=NOW)}


def test_inactive_at_exactly_n_days_needs_a_nudge(setting):
    trainer, coalition, (m1, _m2) = setting
    person = learner(coalition, joined=NOW - timedelta(days=60))
    progress(person, m1, "completed", NOW - timedelta(days=20), NOW - timedelta(days=14))
    result = found(trainer)
    assert result["Zofia Żak"].inactive
    assert result["Zofia Żak"].last_step == NOW - timedelta(days=14)
    assert result["Zofia Żak"].stuck_modules == []


def test_inactive_one_second_short_of_n_days_does_not(setting):
    trainer, coalition, (m1, _m2) = setting
    person = learner(coalition, joined=NOW - timedelta(days=60))
    progress(person, m1, "completed", NOW - timedelta(days=20), NOW - timedelta(days=14) + SECOND)
    assert found(trainer) == {}


@pytest.mark.parametrize("source", ["attempt", "post"])
def test_quiz_attempts_and_posts_count_as_activity(setting, source):
    trainer, coalition, (m1, _m2) = setting
    person = learner(coalition, joined=NOW - timedelta(days=60))
    progress(person, m1, "completed", NOW - timedelta(days=40), NOW - timedelta(days=40))
    if source == "attempt":
        attempt(person, m1, {"q1": True}, at=NOW - timedelta(days=3))
    else:
        board_post(person, coalition, title="Zebranie", created_at=NOW - timedelta(days=3))
    assert found(trainer) == {}


def test_deleted_posts_do_not_count(setting):
    trainer, coalition, _modules = setting
    person = learner(coalition, joined=NOW - timedelta(days=60))
    board_post(person, coalition, created_at=NOW - timedelta(days=3), deleted_at=NOW)
    assert "Zofia Żak" in found(trainer)


def test_never_active_counts_from_joining(setting):
    trainer, coalition, (m1, _m2) = setting
    learner(coalition, name="Stara Członkini", joined=NOW - timedelta(days=14))
    learner(coalition, name="Nowa Członkini", joined=NOW - timedelta(days=14) + SECOND)
    result = found(trainer)
    assert set(result) == {"Stara Członkini"}
    assert result["Stara Członkini"].last_step is None
    assert result["Stara Członkini"].stopped.kind == "next"
    assert result["Stara Członkini"].stopped.module.id == m1.id


def test_stuck_at_exactly_n_days_in_one_module(setting):
    trainer, coalition, (m1, m2) = setting
    person = learner(coalition, joined=NOW - timedelta(days=60))
    progress(person, m1, "completed", NOW - timedelta(days=30), NOW - timedelta(days=1))
    progress(person, m2, "in_progress", NOW - timedelta(days=14), NOW - timedelta(days=1))
    result = found(trainer)["Zofia Żak"]
    assert not result.inactive
    assert [m.id for m in result.stuck_modules] == [m2.id]
    assert result.stopped.kind == "in_progress" and result.stopped.module.id == m2.id


def test_in_progress_for_less_than_n_days_is_not_stuck(setting):
    trainer, coalition, (_m1, m2) = setting
    person = learner(coalition, joined=NOW - timedelta(days=60))
    progress(person, m2, "in_progress", NOW - timedelta(days=14) + SECOND, NOW - timedelta(days=1))
    assert found(trainer) == {}


def test_days_are_configurable(setting):
    trainer, coalition, (m1, _m2) = setting
    person = learner(coalition, joined=NOW - timedelta(days=60))
    progress(person, m1, "completed", NOW - timedelta(days=8), NOW - timedelta(days=7))
    assert found(trainer, days=14) == {}
    assert "Zofia Żak" in found(trainer, days=7)


def test_other_coalitions_and_inactive_accounts_are_left_out(setting):
    trainer, _coalition, _modules = setting
    elsewhere = make_coalition()
    learner(elsewhere, name="Spoza", joined=NOW - timedelta(days=60))
    gone = learner(setting[1], name="Konto wyłączone", joined=NOW - timedelta(days=60))
    gone.active = False
    gone.save()
    assert found(trainer) == {}


def test_nudge_page_and_exports_agree(client, auth, app):
    db.connect(reuse_if_open=True)
    trainer = make_user(role="trainer")
    coalition = make_coalition(name="Koalicja Żółwia")
    assign(trainer, coalition)
    m1 = make_module(1, quiz=True)
    person = learner(coalition, name="=Ćma Ślęczek", joined=NOW - timedelta(days=60))
    progress(person, m1, "in_progress", NOW - timedelta(days=20), NOW - timedelta(days=20))
    db.close()
    auth.as_user(trainer)
    page = soup(client.get("/trainer/nudges"))
    shown = [[td.time["datetime"] if td.time else td.get_text(" ", strip=True)
              for td in tr.select("th, td")]
             for tr in page.select("table.nudge-list tbody tr")]
    date_cell = page.select_one("table.nudge-list tbody tr time")
    assert "-" not in date_cell.get_text()  # shown in the locale's words, not ISO
    assert shown == [["=Ćma Ślęczek", "Koalicja Żółwia",
                      local(app, NOW - timedelta(days=20)),
                      "brak aktywności; bez postępu w: Moduł 1", "w trakcie: Moduł 1"]]
    body = client.get("/trainer/nudges.csv").data
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "Osoba;Koalicja;Ostatni krok;Powód;Na czym stanęło"
    assert next(csv.reader(lines[1:], delimiter=";")) == ["'" + shown[0][0], *shown[0][1:]]
    from io import BytesIO

    from openpyxl import load_workbook
    sheet = load_workbook(BytesIO(client.get("/trainer/nudges.xlsx").data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[1][0] == "'=Ćma Ślęczek"
    assert values[1][2].date().isoformat() == shown[0][2]
    assert values[1][3:] == [shown[0][3], shown[0][4]]
    assert exports.safe_text("-1") == "'-1"


def test_overview_summary_counts_what_the_full_list_finds(setting):
    """The overview's counts (in SQL) and first few nudges agree with `needing_nudge`."""
    trainer, coalition, (m1, m2) = setting
    second = make_coalition(name="Koalicja Ślimaka")
    assign(trainer, second)
    quiet = learner(coalition, name="Anna Cicha", joined=NOW - timedelta(days=60))
    progress(quiet, m1, "completed", NOW - timedelta(days=40), NOW - timedelta(days=30))
    add_member(quiet, second)  # in both coalitions: counted once in total, once in each
    stuck = learner(second, name="Beata Utknięta", joined=NOW - timedelta(days=60))
    progress(stuck, m2, "in_progress", NOW - timedelta(days=20), NOW - timedelta(days=1))
    learner(coalition, name="Celina Nowa", joined=NOW - timedelta(days=30))  # never active
    busy = learner(coalition, name="Dorota Czynna", joined=NOW - timedelta(days=60))
    attempt(busy, m1, {"q1": True}, at=NOW - timedelta(days=1))
    full = nudges.needing_nudge(trainer, days=14, now=NOW)
    summary = nudges.summary(trainer, [coalition.id, second.id], days=14, now=NOW, first=2)
    assert summary.total == len(full) == 3
    assert summary.by_coalition == {coalition.id: 2, second.id: 2}
    assert [n.user.name for n in summary.first] == [n.user.name for n in full[:2]] == [
        "Celina Nowa", "Anna Cicha"]
    assert summary.first[1].stopped.module.id == m2.id

    def shown(nudge):  # what the overview shows and reads of a nudge
        return (nudge.user.id, nudge.user.name, nudge.user.last_active_at,
                [(c.id, c.name) for c in nudge.coalitions], nudge.coalition_names,
                nudge.last_step, nudge.last_date, nudge.inactive,
                [m.id for m in nudge.stuck_modules], nudge.stopped)

    assert [shown(n) for n in summary.first] == [shown(n) for n in full[:2]]
    assert [shown(n) for n in nudges.summary(trainer, [], days=14, now=NOW, first=5).first] == [
        shown(n) for n in full]


def test_summary_counts_the_enabled_learners_in_scope_once(setting):
    """`Summary.learners` (read with the rules, the overview's "learners in these
    coalitions") is the number of distinct enabled learners in what the viewer oversees,
    needing a nudge or not; an admin's scope is every coalition."""
    from peewee import fn

    from koalicje.trainer.scope import memberships_in, scope_condition
    from models import User

    trainer, coalition, (m1, _m2) = setting
    second = make_coalition(name="Koalicja Ślimaka")
    assign(trainer, second)
    elsewhere = make_coalition(name="Nie moja")
    both = learner(coalition, name="Anna W Dwóch", joined=NOW - timedelta(days=60))
    add_member(both, second)
    busy = learner(second, name="Dorota Czynna", joined=NOW - timedelta(days=60))
    attempt(busy, m1, {"q1": True}, at=NOW - timedelta(days=1))
    off = learner(coalition, name="Wyłączona", joined=NOW - timedelta(days=60))
    User.update(active=False).where(User.id == off.id).execute()
    learner(elsewhere, name="Obca")

    def counted(viewer):
        key, args = ("admin", ()) if viewer.role == "admin" else ("trainer", (viewer.id,))
        return (memberships_in(scope_condition(key, args))
                .select(fn.COUNT(fn.DISTINCT(User.id))).scalar())

    summary = nudges.summary(trainer, [coalition.id], days=14, now=NOW)
    assert summary.learners == counted(trainer) == 2  # not the disabled one, nor the other
    assert summary.total == 1  # Dorota was active yesterday
    admin = make_user(role="admin")
    assert nudges.summary(admin, [], days=14, now=NOW).learners == counted(admin) == 3
    assert nudges.summary(make_user(), [], days=14, now=NOW).learners == 0


def test_a_learner_without_a_stamp_counts_from_the_first_joining_in_scope(setting):
    """Without a stamp, the inactive rule counts from the learner's first joining of a
    coalition in scope (not of one elsewhere): the overview's SQL agrees with the list."""
    trainer, coalition, _modules = setting
    elsewhere = make_coalition(name="Nie moja")
    recent = learner(coalition, name="Nowa Tutaj")
    add_member(recent, elsewhere)
    Membership.update(joined_at=NOW - timedelta(days=3)).where(
        (Membership.user == recent) & (Membership.coalition == coalition)).execute()
    Membership.update(joined_at=NOW - timedelta(days=60)).where(
        (Membership.user == recent) & (Membership.coalition == elsewhere)).execute()
    old = learner(coalition, name="Dawna Tutaj", joined=NOW - timedelta(days=30))
    second = make_coalition(name="Też moja")
    assign(trainer, second)
    add_member(old, second)  # the later joining does not move the first one
    Membership.update(joined_at=NOW - timedelta(days=1)).where(
        (Membership.user == old) & (Membership.coalition == second)).execute()
    full = nudges.needing_nudge(trainer, days=14, now=NOW)
    summary = nudges.summary(trainer, [coalition.id, second.id], days=14, now=NOW)
    assert [n.user.name for n in full] == [n.user.name for n in summary.first] == ["Dawna Tutaj"]
    assert summary.total == 1 and summary.learners == 2
    assert summary.by_coalition == {coalition.id: 1, second.id: 1}


def test_the_overviews_counts_per_coalition_are_the_summarys(setting, app):
    """The overview's count of each coalition's members who need a nudge is what
    `summary` finds, for a trainer and an admin, with inactive, stuck, never active,
    lately joined, active and disabled learners, one in two coalitions."""
    from koalicje.trainer import overview
    from models import User

    trainer, coalition, (m1, m2) = setting
    second = make_coalition(name="Koalicja Ślimaka")
    assign(trainer, second)
    quiet = learner(coalition, name="Anna Cicha", joined=NOW - timedelta(days=60))
    progress(quiet, m1, "completed", NOW - timedelta(days=40), NOW - timedelta(days=30))
    add_member(quiet, second)
    stuck = learner(second, name="Beata Utknięta", joined=NOW - timedelta(days=60))
    progress(stuck, m2, "in_progress", NOW - timedelta(days=20), NOW - timedelta(days=1))
    learner(coalition, name="Celina Nowa", joined=NOW - timedelta(days=30))
    learner(second, name="Ewa Świeża", joined=NOW - timedelta(days=2))  # joined lately
    busy = learner(coalition, name="Dorota Czynna", joined=NOW - timedelta(days=60))
    attempt(busy, m1, {"q1": True}, at=NOW - timedelta(days=1))
    off = learner(second, name="Wyłączona", joined=NOW - timedelta(days=60))
    User.update(active=False).where(User.id == off.id).execute()
    summary = nudges.summary(trainer, [coalition.id, second.id], days=14, now=NOW)
    assert summary.by_coalition == {coalition.id: 2, second.id: 2}
    with app.app_context():
        built = overview.build(trainer, now=NOW, with_profiles=False)
        admin = overview.build(make_user(role="admin"), now=NOW, with_profiles=False)
    for page in (built, admin):
        assert {s.coalition.id: s.nudges for s in page.summaries} == {
            coalition.id: 2, second.id: 2}
        assert page.nudge_count == summary.total == 3
