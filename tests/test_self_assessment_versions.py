"""Instrument versions: answers given to version 1 of the partnership self-assessment stay
readable and comparable after version 2 (twelve areas, split double-barrelled items)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import add_member, make_coalition, make_user, soup
from factories import answers_for, copy_content, instrument, sync_content

from koalicje import self_assessment
from models import SelfAssessment

V1 = Path(__file__).parent / "data" / "partnerstwo-v1.yaml"
OLD_AREAS = ["wspolny-cel", "sklad", "samorzad", "zaufanie", "przywodztwo", "komunikacja",
             "plan-i-zasoby", "ewaluacja"]
NEW_AREAS = ["roznice-zdan", "zaangazowanie", "korzysci-i-koszty", "synergia"]


@pytest.fixture
def content(tmp_path, database):
    """Content with version 1 of the instrument synced; returns the folder."""
    folder = copy_content(tmp_path)
    shutil.copy(V1, folder / "self_assessment" / "partnerstwo.yaml")
    sync_content(folder)
    return folder


def submit(user, coalition, per_area: dict[str, int]) -> SelfAssessment:
    item = instrument()
    draft = self_assessment.start(user, item, coalition)
    definition = draft.instrument_version.definition
    self_assessment.save_answers(draft, answers_for(definition, per_area), "ngo")
    return self_assessment.submit(draft)


def upgrade() -> None:
    sync_content()  # the shipped files: version 2


def test_version_two_adds_areas_and_splits_double_barrelled_items(content):
    old = instrument().versions.get().definition
    upgrade()
    item = instrument()
    assert item.version == 2
    new = self_assessment.current_version(item).definition
    assert [d["slug"] for d in new["dimensions"]] == OLD_AREAS + NEW_AREAS
    ids_old = {s["id"]: s for d in old["dimensions"] for s in d["statements"]}
    ids_new = {s["id"]: s for d in new["dimensions"] for s in d["statements"]}
    assert "cel-1" in ids_old and "plan-1" in ids_old
    assert "cel-1" not in ids_new and "plan-1" not in ids_new
    # An id kept from version 1 means the same statement: answers stay comparable.
    for statement_id in set(ids_old) & set(ids_new):
        assert ids_old[statement_id]["text"] == ids_new[statement_id]["text"], statement_id
    # No double-barrelled item: one claim per statement (no " i " joining two conditions
    # about goals and diagnosis, or a plan and the people responsible).
    assert "wspólnie rozpoznaliśmy" not in ids_new["cel-potrzeby"]["text"]["pl"]
    assert "osobami odpowiedzialnymi" not in ids_new["plan-spisany"]["text"]["pl"]


def test_an_old_submission_still_renders_with_its_own_statements(client, auth, content):
    coalition = make_coalition(name="Koalicja Lipowa")
    user = make_user(name="Respondentka")
    add_member(user, coalition, "member", "ngo")
    old = submit(user, coalition, {"wspolny-cel": 2, "sklad": 4})
    upgrade()
    new = submit(user, coalition, {"wspolny-cel": 4, "sklad": 4, "synergia": 5})
    assert old.instrument_version.number == 1 and new.instrument_version.number == 2

    auth.as_user(user)
    page = soup(client.get(f"/self-assessment/answers/{old.id}"))
    rows = {tr["data-dimension"]: tr for tr in page.select("table.sa-dimensions tbody tr")}
    assert list(rows) == OLD_AREAS  # version 1's eight areas, not version 2's twelve
    assert rows["wspolny-cel"]["data-mean"] == "2.0"

    page = soup(client.get(f"/self-assessment/answers/{new.id}"))
    rows = {tr["data-dimension"]: tr for tr in page.select("table.sa-dimensions tbody tr")}
    assert list(rows) == OLD_AREAS + NEW_AREAS
    assert rows["synergia"]["data-mean"] == "5.0"
    # Compared with the version 1 answer area by area (the slugs did not change).
    items = self_assessment.history(user, instrument())
    result = self_assessment.read_result(new, self_assessment.previous_of(new, items))
    change = {d.slug: d.change for d in result}
    assert change["wspolny-cel"] == 2.0 and change["sklad"] == 0.0
    assert change["synergia"] is None  # nothing to compare with


def test_coalition_profile_mixes_versions_by_area(content):
    coalition = make_coalition(name="Koalicja Lipowa")
    members = [make_user(name=f"Osoba {n}") for n in range(3)]
    for user in members:
        add_member(user, coalition, "member", "ngo")
    submit(members[0], coalition, {"komunikacja": 2})
    submit(members[1], coalition, {"komunikacja": 4})
    upgrade()
    submit(members[2], coalition, {"komunikacja": 3, "synergia": 5})
    profile = self_assessment.coalition_profile(coalition)
    areas = {d.slug: d for d in profile.dimensions}
    assert list(areas) == OLD_AREAS + NEW_AREAS
    assert areas["komunikacja"].mean == 3.0 and areas["komunikacja"].respondents == 3
    assert areas["komunikacja"].disagreement  # 2 vs 4: a spread of two points
    # Only one member answered version 2: too few to show the new areas.
    assert areas["synergia"].mean is None and areas["synergia"].respondents == 1


def test_the_current_definition_is_kept_per_process_and_version(app, content):
    """`current_definition` gives what the current version's row holds, decodes it once
    per process and version, and a new current version (a content sync) at once."""
    with app.app_context():
        item = instrument()
        first = self_assessment.current_definition(item)
        version = self_assessment.current_version(item)
        assert first == (version.id, version.content_hash, version.definition)
        again = self_assessment.current_definition(item)
        assert again[2] is first[2]  # decoded once
        upgrade()
        item = instrument()
        second = self_assessment.current_definition(item)
        version = self_assessment.current_version(item)
        assert second == (version.id, version.content_hash, version.definition)
        assert second[0] != first[0] and second[2] != first[2]
    # outside an application: decoded every time, the same values
    outside = self_assessment.current_definition(item)
    assert outside == second and outside[2] is not second[2]
