"""Phone-first layout: the navigation fits every width for every role, no page overflows.

At 320, 390 and 768 px the menu is one `<details>` ("Menu") that opens below the header; at
1280 and 1440 px it is a single row. At every width each menu entry of the role (its areas,
the board menu, change password, sign out, the language switch) can be reached by opening
the menus, lies inside the window, and the page never scrolls sideways. One sign-in per
role (its cookies are reused), one browser for the whole module.
"""

from __future__ import annotations

import pytest

from browser.support import sign_in

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 768, 1280, 1440)
WIDE = 1200  # from here on the menu is a row (75rem in static/css/app.css)

# The top-level menu entries every role must find: links by href, then account and language.
COMMON = ["/coalitions/", "/stats", "/account/password"]
ROLES = {
    "bibliotekarka@example.org": ["/learning/", "/self-assessment/", *COMMON],
    "czlonek@example.org": ["/learning/", "/self-assessment/", *COMMON],
    "koordynator@example.org": ["/learning/", "/self-assessment/", *COMMON, "/invites/"],
    "trener@example.org": ["/learning/", "/self-assessment/", *COMMON, "/trainer/"],
    "admin@example.org": ["/learning/", "/self-assessment/", *COMMON, "/trainer/",
                          "/invites/", "/admin/users"],
}

# The main pages of each role: none may scroll sideways on a phone.
PAGES = {
    "bibliotekarka@example.org": ["/", "/learning/", "/learning/film-spotkanie-badawcze",
                                  "/quizzes/", "/quizzes/czym-jest-partnerstwo",
                                  "/self-assessment/", "/learning/certificate"],
    "czlonek@example.org": ["/", "/board/", "/coalitions/", "/coalitions/koalicja-zalesie",
                            "/stats"],
    "koordynator@example.org": ["/", "/invites/", "/self-assessment/coalition/koalicja-zalesie",
                                "/coalitions/koalicja-zalesie/goals"],
    "trener@example.org": ["/", "/trainer/", "/trainer/matrix", "/trainer/modules",
                           "/trainer/nudges", "/trainer/visits/koalicja-zalesie",
                           "/trainer/modules/czym-jest-partnerstwo"],
    "admin@example.org": ["/", "/admin/users", "/admin/users/2", "/invites/"],
}

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture(scope="module")
def sessions(browser, live_server) -> dict[str, dict]:
    """Cookies of a signed-in context per role, so each test skips the sign-in."""
    states = {}
    for email in ROLES:
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, live_server, email)
        states[email] = context.storage_state()
        context.close()
    return states


def _inside_window(page, locator) -> bool:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def _open(locator) -> None:
    if locator.evaluate("el => !el.open"):
        locator.locator("> summary").click()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("email", list(ROLES))
def test_navigation_fits_and_every_entry_is_reachable(browser, live_server, sessions,
                                                       email, width):
    context = browser.new_context(storage_state=sessions[email],
                                  viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(live_server + "/")
    assert page.evaluate(OVERFLOW) <= 0, "the page scrolls sideways"

    menu = page.locator("details.site-menu")
    summary = menu.locator("> summary")
    if width >= WIDE:
        # A single row: the toggle is hidden, the entries and the brand share one line.
        assert not summary.is_visible()
        tops = page.eval_on_selector_all(
            ".site-header .brand, .site-menu-items > li",
            "els => els.map(e => Math.round(e.getBoundingClientRect().top"
            " + e.getBoundingClientRect().height / 2))")
        assert max(tops) - min(tops) <= 4, f"the header wraps: {tops}"
    else:
        assert summary.is_visible()
        assert not page.locator(".site-menu-items a[href='/stats']").is_visible()
        summary.click()
        assert _inside_window(page, summary)

    _open(page.locator("details.board-nav"))
    board = page.locator(".board-nav a[data-board]").first
    assert board.is_visible() and _inside_window(page, board)
    for href in ROLES[email]:
        if href == "/account/password":  # last: an open dropdown covers the page (Pico)
            _open(page.locator(".account-menu details"))
        link = page.locator(f".site-menu-items a[href='{href}']").first
        assert link.is_visible(), f"{href} is not reachable at {width}px"
        assert _inside_window(page, link), f"{href} lies outside the window at {width}px"
    for name in ("Wyloguj", "English"):
        button = page.locator(".site-menu-items button", has_text=name)
        assert button.is_visible(), f"{name} is not reachable at {width}px"
        assert _inside_window(page, button)
    assert page.evaluate(OVERFLOW) <= 0, "an open menu makes the page scroll sideways"
    context.close()


@pytest.mark.parametrize("width", (320, 390, 1280))
@pytest.mark.parametrize("email", list(PAGES))
def test_main_pages_do_not_scroll_sideways(browser, live_server, sessions, email, width):
    context = browser.new_context(storage_state=sessions[email],
                                  viewport={"width": width, "height": 800})
    page = context.new_page()
    wide = []
    for path in PAGES[email]:
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, path
        if page.evaluate(OVERFLOW) > 0:
            wide.append((path, page.evaluate("document.documentElement.scrollWidth")))
    context.close()
    assert wide == [], f"pages wider than {width}px"
