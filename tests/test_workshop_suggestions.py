"""Weak self-assessment areas suggest workshop steps (weak membership → missing sectors)."""

from __future__ import annotations

from conftest import add_member, make_coalition, make_user, soup
from factories import answers_for, instrument, instrument_definition, sync_content

from koalicje import self_assessment
from koalicje.workshop import suggestions
from models import db


def test_weak_membership_points_to_missing_sectors(client, auth, database):
    sync_content()
    definition = instrument_definition()
    coalition = make_coalition(slug="zalesie")
    coordinator = make_user()
    add_member(coordinator, coalition, "coordinator", "library")
    people = [coordinator]
    for _ in range(2):
        person = make_user()
        add_member(person, coalition, "member", "library")
        people.append(person)
    for person in people:
        item = self_assessment.start(person, instrument(), coalition)
        self_assessment.save_answers(
            item, answers_for(definition, {"sklad": 1, "plan-i-zasoby": 1, "zaufanie": 1,
                                           "wspolny-cel": 5}), "library")
        self_assessment.submit(item)
    profile = self_assessment.coalition_profile(coalition)
    found = suggestions.for_profile(coalition, profile.dimensions)
    by_step = {s.step: s for s in found}
    assert set(by_step) >= {"partners", "plan"} and "meeting" not in by_step
    assert "business" in by_step["partners"].missing_sectors
    assert "library" not in by_step["partners"].missing_sectors
    db.close()
    auth.as_user(coordinator)
    page = soup(client.get("/self-assessment/coalition/zalesie"))
    section = page.select_one("#workshop-suggestions")
    partners_item = section.select_one("li.step-partners")
    assert "Biznes" in partners_item.get_text()
    assert partners_item.select_one("a")["href"] == "/coalitions/zalesie/workshop/partners"


def test_film_module_links_to_the_meeting_step(client, auth, database):
    from factories import make_module

    make_module(1, "film-spotkanie-badawcze", kind="film")
    make_module(2, "czym-jest-partnerstwo")
    coalition = make_coalition(slug="zalesie", name="Koalicja dla Zalesia")
    learner = make_user()
    add_member(learner, coalition, "member", "library")
    db.close()
    auth.as_user(learner)
    page = soup(client.get("/learning/film-spotkanie-badawcze"))
    link = page.select_one(".workshop-link a")
    assert link["href"] == "/coalitions/zalesie/workshop/meetings"
    other = soup(client.get("/learning/czym-jest-partnerstwo"))
    assert other.select_one(".workshop-link") is None
