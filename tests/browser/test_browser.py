"""In a real browser: sign in, switch the language there and back; axe-core checks."""

from __future__ import annotations

import pytest

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
