"""The noticeboard in a real browser: htmx posting, editing, comments, filters; axe-core."""

from __future__ import annotations

import pytest

from browser.support import axe_violations, sign_in

pytestmark = pytest.mark.browser


def test_post_edit_comment_and_filter_with_htmx(live_server, page):
    base = live_server
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text)
            if "Content Security Policy" in m.text else None)
    sign_in(page, base, "czlonek@example.org")
    page.goto(base + "/board/koalicja-zalesie")
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.click(".board-new-post summary")
    page.fill("#title", "Pożyczę namiot")
    page.fill("#body", "Namiot **6×3 m** na festyn.")
    page.select_option("#category", "offer")
    page.click("#post-form button[type=submit]")
    first = page.locator("#board-stream > article").first
    first.locator(".post-title", has_text="Pożyczę namiot").wait_for()
    assert page.input_value("#title") == "" and page.input_value("#body") == ""
    assert first.locator(".post-body strong").inner_text() == "6×3 m"

    post_id = first.get_attribute("id")
    first.get_by_role("link", name="Edytuj").click()
    title = page.locator(f"#{post_id} input[name$='-title']")
    title.fill("Pożyczę duży namiot")
    page.click(f"#{post_id} button[type=submit]")
    page.locator(f"#{post_id} .post-edited").wait_for()
    assert page.locator(f"#{post_id} .post-title").inner_text() == "Pożyczę duży namiot"

    page.click(f"#{post_id} details.post-comments summary")
    page.locator(f"#{post_id} .comment-form textarea").fill("Biorę w sobotę!")
    page.click(f"#{post_id} .comment-form button")
    page.locator(f"#{post_id} .comment-body", has_text="Biorę w sobotę!").wait_for()
    assert page.input_value(f"#{post_id} .comment-form textarea") == ""
    assert page.inner_text(f"#comments-count-{post_id.removeprefix('post-')}") == "Komentarze (1)"

    page.select_option(".board-filters select", "need")
    page.wait_for_url("**category=need**")
    assert page.locator(".post-title").all_inner_texts() == [
        "Potrzebny rzutnik na wieczór filmowy"]
    page.locator(".board-filters input[type=search]").press_sequentially("namiot")
    page.wait_for_url("**q=namiot**")
    page.locator(".board-empty").wait_for()
    assert loads == []  # all of it without a page load
    assert csp_errors == []


def test_board_page_has_no_serious_accessibility_problems(live_server, browser):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, "trener@example.org")  # sees every control
        page.goto(live_server + "/board/koalicja-zalesie")
        page.click(".board-new-post summary")
        assert axe_violations(page) == []
    finally:
        context.close()
