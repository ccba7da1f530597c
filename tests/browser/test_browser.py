"""In a real browser: sign in, switch the language there and back; axe-core checks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.support import axe_violations, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_and_switch_language(page, live_server):
    sign_in(page, live_server, "bibliotekarka@example.org")
    heading = page.locator("main h1")
    assert heading.inner_text() == "Dzień dobry, Barbara Bibliotekarka"
    assert page.locator("html").get_attribute("lang") == "pl"

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert heading.inner_text() == "Hello, Barbara Bibliotekarka"
    assert page.get_by_role("link", name="Skip to content").count() == 1

    page.get_by_role("button", name="Polski").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "pl"
    assert heading.inner_text() == "Dzień dobry, Barbara Bibliotekarka"


def test_login_page_has_no_serious_accessibility_violations(new_context, live_server):
    page = new_context(bypass_csp=True).new_page()
    page.goto(f"{live_server}/login")
    assert axe_violations(page) == []


def test_home_page_has_no_serious_accessibility_violations(new_context, live_server):
    page = new_context(bypass_csp=True).new_page()
    sign_in(page, live_server, "koordynator@example.org")
    assert axe_violations(page) == []


def test_invite_link_creates_a_signed_in_account(browser, live_server):
    admin = browser.new_context().new_page()
    sign_in(admin, live_server, "admin@example.org")
    admin.goto(f"{live_server}/invites/")
    admin.fill("#email", "nowa.bibliotekarka@example.org")
    admin.select_option("#coalition", label="Koalicja dla Zalesia (Zalesie)")
    admin.select_option("#sector", "library")
    admin.get_by_role("button", name="Utwórz zaproszenie").click()
    link = admin.locator("#new-invite-url").input_value()
    assert "/invite/" in link

    invitee = browser.new_context().new_page()
    invitee.goto(link)
    invitee.fill("#name", "Nina Nowa")
    invitee.fill("#password", "haslo-z-zaproszenia")
    invitee.fill("#confirm", "haslo-z-zaproszenia")
    invitee.get_by_role("button", name="Załóż konto").click()
    invitee.wait_for_url(f"{live_server}/coalitions/koalicja-zalesie")
    assert invitee.locator("details.dropdown summary").inner_text() == "Nina Nowa"

    # The link works once.
    again = browser.new_context().new_page()
    response = again.goto(link)
    assert response.status == 410


def test_role_change_swaps_the_row_without_reload(page, live_server):
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users?q=czlonek")
    row = page.locator("tbody tr", has_text="czlonek@example.org")
    marker = page.evaluate("() => (window.__notReloaded = true)")
    asked = []

    def confirm(dialog):  # the change asks first (hx-confirm)
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    row.locator("select[name=role]").select_option("trainer")
    with page.expect_response(lambda r: r.url.endswith("/role")) as answer:
        row.get_by_role("button", name="Zmień rolę").click()
    assert answer.value.status == 200
    assert asked and "Czesław Członek" in asked[0]
    row = page.locator("tbody tr", has_text="czlonek@example.org")
    assert row.locator("select[name=role]").input_value() == "trainer"
    assert "ma teraz rolę" in row.locator("[role=status]").inner_text()
    assert page.evaluate("() => window.__notReloaded") is marker  # htmx swapped, no reload
    # Put it back for the other tests.
    row.locator("select[name=role]").select_option("user")
    with page.expect_response(lambda r: r.url.endswith("/role")):
        row.get_by_role("button", name="Zmień rolę").click()


def test_user_search_updates_the_table_as_you_type(page, live_server):
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users")
    assert page.locator("#users-table tbody tr").count() >= 5
    with page.expect_response(lambda r: "q=trener" in r.url):
        page.fill("#user-search", "trener")
    # A locator assertion polls without eval (the strict CSP forbids it in the page).
    expect(page.locator("#users-table tbody tr")).to_have_count(1)
    assert "trener@example.org" in page.locator("#users-table tbody").inner_text()
    assert "q=trener" in page.url  # pushed, so the filtered list can be bookmarked
