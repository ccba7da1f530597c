"""Coalition profiles read only what they need: the same result as a straightforward
computation from the full submissions, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import add_member, count_queries, make_coalition, make_user
from factories import answers_for, instrument, instrument_definition, sync_content
from flask_babel import force_locale

from koalicje import self_assessment
from koalicje.web.labels import localized
from models import Membership, SelfAssessment, utcnow

SECTOR_CYCLE = ("library", "library", "library", "ngo", "ngo", "ngo", "business")


@pytest.fixture
def definition(database):
    sync_content()
    return instrument_definition()


def _submit(user, coalition, definition, value, sector, when):
    item = self_assessment.start(user, instrument(), coalition)
    per_dimension = {d["slug"]: 1 + (value + i) % 5 for i, d in enumerate(definition["dimensions"])}
    self_assessment.save_answers(item, answers_for(definition, per_dimension), sector)
    self_assessment.submit(item)
    SelfAssessment.update(submitted_at=when).where(SelfAssessment.id == item.id).execute()
    return item


def _data(definition, coalitions: int = 3, members: int = 7):
    """Coalitions whose members answered several times (some at the same moment), with
    drafts, answers of people who left, of outsiders, and submissions stored without scores."""
    start = utcnow() - timedelta(days=30)
    made = [make_coalition(name=f"Koalicja {n}") for n in range(coalitions)]
    shared = make_user()
    for number, coalition in enumerate(made):
        add_member(shared, coalition, "member", "ngo")
        _submit(shared, coalition, definition, number, "ngo", start + timedelta(days=number))
        for index in range(members):
            user = make_user()
            sector = SECTOR_CYCLE[(index + number) % len(SECTOR_CYCLE)]
            add_member(user, coalition, "member", sector)
            _submit(user, coalition, definition, index, sector, start)
            # a later one (or one at the same moment: the higher id is the latest)
            later = start if index % 3 == 0 else start + timedelta(days=index)
            latest = _submit(user, coalition, definition, index + number + 2, sector, later)
            if index % 4 == 1:
                SelfAssessment.update(scores={}).where(SelfAssessment.id == latest.id).execute()
            if index == members - 1:
                self_assessment.start(user, instrument(), coalition)  # a draft
        leaver = make_user()
        add_member(leaver, coalition, "member", "library")
        _submit(leaver, coalition, definition, 4, "library", start)
        Membership.delete().where(Membership.user == leaver).execute()
        _submit(make_user(), coalition, definition, 0, "business", start)  # never a member
    return made


def _straightforward(coalition) -> list[self_assessment.ScoredResponse]:
    """Every submission as a model, the latest per member chosen in Python."""
    members = {m.user_id for m in Membership.select().where(Membership.coalition == coalition)}
    latest: dict[int, SelfAssessment] = {}
    for item in SelfAssessment.select().where(SelfAssessment.coalition == coalition):
        if item.status != "submitted" or item.user_id not in members:
            continue
        if item.instrument_id != instrument().id:
            continue
        known = latest.get(item.user_id)
        if known is None or (item.submitted_at, item.id) > (known.submitted_at, known.id):
            latest[item.user_id] = item
    ordered = sorted(latest.values(), key=lambda i: (i.submitted_at, i.id))
    return [
        self_assessment.ScoredResponse(
            i.sector, i.scores or self_assessment.dimension_scores(i.instrument_version.definition, i.answers))
        for i in ordered
    ]


def test_profiles_equal_a_straightforward_computation(definition):
    coalitions = _data(definition)
    fast = self_assessment.latest_scores_by_coalition([c.id for c in coalitions], instrument())
    profiles = self_assessment.coalition_profiles(coalitions)
    for coalition in coalitions:
        expected = _straightforward(coalition)
        assert len(expected) == 8  # seven members and the shared one
        assert any(not i.scores for i in SelfAssessment.select().where(
            (SelfAssessment.coalition == coalition) & (SelfAssessment.status == "submitted")))
        assert fast[coalition.id] == expected
        reference = self_assessment._profile(instrument(), definition, expected)
        assert profiles[coalition.id] == reference
        assert len(reference.sectors) >= 2
        assert any(d.mean is not None for d in reference.dimensions)
        # titles and band labels as the per-dimension functions give them
        for shown, dimension in zip(profiles[coalition.id].dimensions, definition["dimensions"],
                                    strict=True):
            assert shown.title == localized(dimension["title"])
            assert shown.band == self_assessment.band_key(definition, shown.mean)
            if shown.mean is not None:
                assert shown.band_label == self_assessment.band_label(definition, shown.mean)
            else:
                assert shown.band_label == ""
        assert len({d.band for d in profiles[coalition.id].dimensions} - {None}) >= 2


def test_profiles_take_the_same_number_of_queries_for_more_coalitions(definition):
    few = _data(definition, coalitions=2, members=3)
    many = few + _data(definition, coalitions=6, members=6)
    with count_queries() as small:
        self_assessment.coalition_profiles(few)
    with count_queries() as large:
        profiles = self_assessment.coalition_profiles(many)
    assert all(profiles[c.id] is not None for c in many)
    assert large.count == small.count <= 4


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_profile_texts_follow_the_language(app, definition, locale):
    coalitions = _data(definition, coalitions=1, members=4)
    with app.test_request_context(), force_locale(locale):
        profile = self_assessment.coalition_profiles(coalitions)[coalitions[0].id]
        for shown, dimension in zip(profile.dimensions, definition["dimensions"], strict=True):
            assert shown.title == dimension["title"][locale]
            if shown.mean is not None:
                assert shown.band_label == self_assessment.band_label(definition, shown.mean)
        assert any(shown.band_label for shown in profile.dimensions)


def test_profiles_without_sectors_have_the_same_dimensions(definition):
    coalitions = _data(definition, coalitions=2, members=7)
    full = self_assessment.coalition_profiles(coalitions)
    lean = self_assessment.coalition_profiles(coalitions, sectors=False)
    assert any(full[c.id].sectors for c in coalitions)  # a breakdown to leave out
    for c in coalitions:
        assert lean[c.id].dimensions == full[c.id].dimensions
        assert lean[c.id].respondents == full[c.id].respondents
        assert lean[c.id].sectors == []
