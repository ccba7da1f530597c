"""The matrix and the visit log in a real browser: htmx swaps, pushed URLs, back button."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser.conftest import serve
from browser.support import seeded_instance, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "haslo-przegladarki-1"


def _seed(folder: Path) -> None:
    """A small world of its own: one trainer, one coalition, three learners, an overdue step."""
    from factories import make_module, progress

    from koalicje import accounts
    from koalicje.trainer import visits
    from models import Coalition, Membership, TrainerAssignment, utcnow

    with seeded_instance(folder):
        trainer = accounts.create_user("trener@example.org", "Trener", PASSWORD, role="trainer")
        coalition = Coalition.create(slug="sosny", name="Koalicja Sosny", gmina="Sosny",
                                     voivodeship="lubelskie", library="GBP Sosny", round=1)
        TrainerAssignment.create(trainer=trainer, coalition=coalition)
        modules = [make_module(n, quiz=True) for n in (1, 2)]
        for n, name in enumerate(["Agata Zając", "Bartosz Ryś", "Celina Łoś"]):
            person = accounts.create_user(f"u{n}@example.org", name, PASSWORD)
            Membership.create(user=person, coalition=coalition)
            for module in modules[: n]:
                progress(person, module, "completed")
        visits.record_visit(coalition, trainer, utcnow().date() - timedelta(days=9), "workshop",
                            "", [visits.StepInput("Plakat o spotkaniu", owner_name="sołtys",
                                                  due_date=utcnow().date() - timedelta(days=2))])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trainer-browser")
    _seed(folder)
    with serve(folder) as url:
        yield url


def test_matrix_filters_with_htmx_and_pushes_the_url(page, server):
    sign_in(page, server, "trener@example.org", PASSWORD)
    page.goto(server + "/trainer/matrix")
    rows = page.locator("table.progress-matrix tbody tr")
    assert rows.count() == 3
    page.fill("#filter-q", "ryś")
    page.wait_for_url("**q=ry%C5%9B**")
    expect(rows).to_have_count(1)
    assert "Bartosz Ryś" in rows.first.inner_text()
    page.fill("#filter-q", "")
    expect(rows).to_have_count(3)
    page.click("th a:has-text('Ukończone')")
    page.wait_for_url("**sort=completed**")
    page.click("th a:has-text('Ukończone')")
    page.wait_for_url("**dir=desc**")
    expect(rows.first.locator("[data-col=name]")).to_have_text("Celina Łoś")
    page.go_back()
    page.wait_for_url(lambda url: "dir=desc" not in url)
    expect(page.locator("table.progress-matrix tbody tr").first.locator(
        "[data-col=name]")).to_have_text("Agata Zając")


def test_marking_a_next_step_done_swaps_only_that_step(page, server):
    sign_in(page, server, "trener@example.org", PASSWORD)
    page.goto(server + "/trainer/visits/sosny")
    page.evaluate("window.__marker = 1")
    step = page.locator("li.next-step").first
    assert "overdue" in step.get_attribute("class")
    step.locator("button").click()
    page.wait_for_selector("li.next-step.done")
    assert page.evaluate("window.__marker") == 1  # no full page load
    assert "overdue" not in page.locator("li.next-step").first.get_attribute("class")
