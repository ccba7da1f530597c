"""The self-assessment start page and the recommendations: rules without a request."""

from __future__ import annotations

import pytest
from conftest import add_member, assign, make_coalition, make_user
from factories import answers_for, instrument, instrument_definition, sync_content

from koalicje import self_assessment
from koalicje.self_assessment import DimensionResult
from models import Instrument


@pytest.fixture
def synced(database):
    sync_content()


def test_overview_lists_drafts_submissions_and_overseen_coalitions(synced):
    alfa, beta, gamma = (make_coalition(name=n) for n in ("Alfa", "Beta", "Gamma"))
    person = make_user(role="trainer")
    add_member(person, beta, "coordinator")
    add_member(person, alfa, "member")
    assign(person, gamma)
    draft = self_assessment.start(person, instrument(), alfa)
    done = self_assessment.start(person, instrument(), beta)
    self_assessment.save_answers(done, answers_for(instrument_definition(), {}))
    self_assessment.submit(done)
    Instrument.create(slug="stare", title="Stare", archived=True)

    page = self_assessment.overview(person)

    slugs = [i.slug for i in page.instruments]
    assert slugs[0] == self_assessment.DEFAULT_INSTRUMENT and "stare" not in slugs
    assert page.titles[page.instruments[0].id]  # the title in the current language
    assert [m.coalition.name for m in page.memberships] == ["Alfa", "Beta"]
    assert [d.id for d in page.drafts] == [draft.id]
    assert [s.id for s in page.submitted] == [done.id]
    assert [c.name for c in page.overseen] == ["Beta", "Gamma"]  # coordinated, assigned


def test_start_page_lists_titles_and_coalitions_of_the_answers(synced, client, auth):
    """The start page reads each answer's instrument title and coalition name only, and the
    instruments' titles from their current versions read with them."""
    from conftest import soup

    from koalicje.web.labels import localized

    alfa = make_coalition(name="Alfa")
    person = make_user()
    add_member(person, alfa, "member")
    alone = self_assessment.start(person, instrument(), None)
    done = self_assessment.start(person, instrument(), alfa)
    self_assessment.save_answers(done, answers_for(instrument_definition(), {}))
    self_assessment.submit(done)
    auth.as_user(person)
    page = soup(client.get("/self-assessment/"))
    title = localized(instrument_definition()["title"], "pl")
    drafts = [" ".join(li.get_text(" ", strip=True).split()) for li in page.select(".sa-drafts li")]
    assert len(drafts) == 1 and drafts[0].startswith(title + " (zapisano") and "Alfa" not in drafts[0]
    assert page.select_one(".sa-drafts a")["href"] == f"/self-assessment/answers/{alone.id}"
    submitted = page.select_one(".sa-submitted li").get_text(" ", strip=True)
    assert submitted.startswith(f"{title} — Alfa,")
    assert title in [h.get_text(strip=True) for h in page.select("h2")]


def test_a_member_oversees_nothing(synced):
    person = make_user()
    add_member(person, make_coalition(), "member")
    assert self_assessment.overview(person).overseen == []


def _dimension(slug, band, recommend):
    return DimensionResult(slug=slug, title=slug, mean=None, band=band, band_label="",
                           recommend=recommend)


def test_recommendations_attention_first_then_discuss_once_each():
    dimensions = [
        _dimension("a", "discuss", ["film", "lektura"]),
        _dimension("b", "attention", ["webinar", "film"]),
        _dimension("c", "strong", ["nie-tutaj"]),
        _dimension("d", "attention", ["webinar"]),
    ]
    assert self_assessment.recommendations(dimensions) == ["webinar", "film", "lektura"]
