"""The coalition workshop in a real browser: at phone width without JavaScript (plain forms
all the way), and dot voting with htmx (no page load, the count moves)."""

from __future__ import annotations

import pytest

from browser.support import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WORKSHOP = "/coalitions/koalicja-zalesie/workshop"


# The page's own content (the site header is the layout's business, checked elsewhere).
WIDER_THAN_SCREEN = """() => [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map(e => `${e.tagName}.${e.className}#${e.id}`)"""


def _fits(page) -> bool:
    """Nothing in the page sticks out of a phone's screen (the assertion names it)."""
    wider = page.evaluate(WIDER_THAN_SCREEN)
    assert not wider, wider
    return True


def test_workshop_journey_on_a_phone_without_javascript(live_server, browser):
    base = live_server
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        # the coordinator plans a meeting: a plain form, then a redirect to its page
        sign_in(page, base, "koordynator@example.org")
        page.goto(base + WORKSHOP + "/")
        assert page.locator(".workshop-steps li").count() == 4 and _fits(page)
        page.goto(base + WORKSHOP + "/meetings")
        page.fill("#meeting-title", "Drugie spotkanie badawcze")
        page.fill("#meeting-place", "Remiza OSP")
        page.fill("#meeting-starts-at", "2027-04-15T17:00")
        page.click("form[action$='/meetings'] button[type=submit]")
        page.locator("h1", has_text="Drugie spotkanie badawcze").wait_for()
        meeting_url = page.url
        assert page.locator("#meeting-event").count() == 1  # the board event
        assert page.locator("#missing-invited").count() == 1 and _fits(page)
        context.clear_cookies()  # sign out (the vote stays open for the member)

        # a member maps a partner and notes a need, then votes: every step a page load
        sign_in(page, base, "czlonek@example.org")
        page.goto(base + WORKSHOP + "/partners")
        assert "Mieszkańcy" in page.inner_text("#missing-sectors")
        page.fill("#partner-name", "Ochotnicza Straż Pożarna")
        page.select_option("#partner-sector", "resident")
        page.select_option("#partner-status", "partner")
        page.check("#resource-premises")
        page.click("#partners-map form[action$='/partners'] button[type=submit]")
        page.locator(".partner-name", has_text="Ochotnicza Straż Pożarna").wait_for()
        assert page.locator("#missing-sectors").count() == 0 or \
            "Mieszkańcy" not in page.inner_text("#missing-sectors")
        assert _fits(page)

        page.goto(meeting_url)
        page.fill("#need-theme", "Bezpieczeństwo")
        page.fill("#need-text", "Brak chodnika przy szkole")
        page.click("#needs form[action$='/needs'] button[type=submit]")
        need = page.locator(".need", has_text="Brak chodnika przy szkole")
        need.wait_for()
        need.get_by_role("button", name="Głosuj").click()
        need = page.locator(".need", has_text="Brak chodnika przy szkole")
        need.locator(".need-votes", has_text="● 1").wait_for()
        assert "Zostały ci 2 głosy." in page.inner_text("#votes-left")
        assert _fits(page)

        page.goto(base + WORKSHOP + "/plan")
        assert page.locator("li.action.overdue").count() == 1 and _fits(page)
    finally:
        context.close()


def test_dot_voting_with_htmx_swaps_the_needs_without_a_page_load(live_server, browser):
    base = live_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, base, "bibliotekarka@example.org")
        page.goto(base + WORKSHOP + "/meetings")
        page.get_by_role("link", name="Drugie spotkanie badawcze").click()
        need = page.locator(".need", has_text="Brak chodnika przy szkole")
        need.wait_for()
        before = need.locator(".need-votes").inner_text()
        loads = []
        page.on("load", lambda: loads.append(page.url))
        need.get_by_role("button", name="Głosuj").click()
        page.locator(".need", has_text="Brak chodnika przy szkole").get_by_role(
            "button", name="Zabierz głos").wait_for()
        after = page.locator(".need", has_text="Brak chodnika przy szkole").locator(
            ".need-votes").inner_text()
        assert int(after.split()[-1]) == int(before.split()[-1]) + 1
        assert loads == []
    finally:
        context.close()


def test_workshop_pages_have_no_serious_accessibility_problems(live_server, browser,
                                                              monkeypatch):
    import os
    from pathlib import Path

    from browser import support
    from browser.support import axe_violations

    # KOALICJE_AXE: axe.min.js from elsewhere when node_modules lacks it
    axe = Path(os.environ.get("KOALICJE_AXE", support.AXE))
    if not axe.exists():
        pytest.skip(f"{axe} is missing: run `npm ci` (make setup does)")
    monkeypatch.setattr(support, "AXE", axe)
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, "koordynator@example.org")
        for path in ("/partners", "/meetings", "/plan"):
            page.goto(live_server + WORKSHOP + path)
            assert axe_violations(page) == [], path
        page.goto(live_server + WORKSHOP + "/meetings")
        page.get_by_role("link", name="Partnerskie spotkanie badawcze w Zalesiu").click()
        assert axe_violations(page) == []
    finally:
        context.close()
