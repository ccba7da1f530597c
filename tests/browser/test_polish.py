"""Feedback a person sees in a real browser (issue 11): upload progress, quiet consoles."""

from __future__ import annotations

import os
import time

import pytest

from browser.support import sign_in
from browser.test_player import FILM, wait_until

pytestmark = pytest.mark.browser

FILES = "/learning/materialy-do-pobrania/files"
PDF_HEAD = b"%PDF-1.4\n"
# Records what the page's CSP refuses; runs in every document before its own scripts.
RECORD_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def console_problems(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def send_file(page, role: str, path, title: str | None = None) -> None:
    """Fill in the upload form and send it."""
    page.select_option("select[name=role]", role)
    if title is not None:
        page.fill("input[name=title]", title)
    page.set_input_files("input[name=file]", str(path))
    page.click("form[data-upload-progress] button[type=submit]")


def remove_upload(page, title: str) -> None:
    """Leave the shared demo instance as it was: delete the file this test added."""
    row = page.locator("tr", has_text=title)
    row.get_by_role("button", name="Usuń").click()
    page.locator(".flash-success", has_text="usunięty").wait_for()


def test_large_upload_shows_its_progress_and_lands_on_the_files_page(live_server, page,
                                                                     tmp_path):
    problems = console_problems(page)
    sign_in(page, live_server, "trener@example.org")
    page.goto(live_server + FILES)
    big = tmp_path / "poradnik-duzy.pdf"
    big.write_bytes(PDF_HEAD + os.urandom(12 * 1024 * 1024))
    # A slow uplink (about 3 MB/s): the upload takes a few seconds, so progress is reported.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 50, "downloadThroughput": 4 * 1024 * 1024,
        "uploadThroughput": 3 * 1024 * 1024})
    page.evaluate("""() => {
      window.__progress = [];
      const bar = document.querySelector("form[data-upload-progress] progress");
      const text = document.querySelector(".upload-progress-text");
      new MutationObserver(() => window.__progress.push([bar.value, text.textContent]))
        .observe(text, {childList: true, characterData: true, subtree: true});
    }""")
    loads = []
    page.on("load", lambda: loads.append(page.url))
    assert page.locator(".upload-progress").is_hidden()
    send_file(page, "material", big, "Duży poradnik z postępem")
    page.locator(".upload-progress").wait_for(state="visible")
    assert page.locator("form[data-upload-progress] button[type=submit]").is_disabled()
    page.locator(".flash-success", has_text="Plik został dodany").wait_for(timeout=60_000)
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})

    progress = page.evaluate("window.__progress")  # the page was swapped, not reloaded
    assert loads == []
    midway = [(value, text) for value, text in progress if 0 < value < 100]
    assert len(midway) >= 2, progress
    assert all(text.startswith("Wysłano ") and text.endswith("% pliku.") for _, text in midway)
    assert [value for value, _ in midway] == sorted(value for value, _ in midway)
    assert progress[-1] == [100, "Plik wysłany, serwer go sprawdza…"]
    row = page.locator("tr", has_text="Duży poradnik z postępem")
    assert "12 MB" in row.inner_text()
    assert problems == []
    remove_upload(page, "Duży poradnik z postępem")


def test_a_file_over_the_limit_is_refused_before_it_is_sent(live_server, page, tmp_path):
    sign_in(page, live_server, "trener@example.org")
    page.goto(live_server + FILES)
    huge = tmp_path / "nagranie.mp4"
    with open(huge, "wb") as out:  # sparse: 301 MB on paper, nothing on disk
        out.truncate(301 * 1024 * 1024)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    send_file(page, "recording", huge)
    message = page.locator(".upload-progress-text.field-error")
    message.wait_for()
    assert "Plik jest za duży. Największy dopuszczalny rozmiar to 300 MB." in message.inner_text()
    assert page.locator("form[data-upload-progress] progress").is_hidden()
    assert posts == []
    assert page.url == live_server + FILES


def test_upload_form_works_without_javascript(live_server, browser, tmp_path):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, "trener@example.org")
        page.goto(live_server + FILES)
        small = tmp_path / "notatka.pdf"
        small.write_bytes(PDF_HEAD + b"x" * 2048)
        assert page.locator(".upload-progress").is_hidden()
        send_file(page, "material", small, "Notatka bez skryptów")
        page.locator(".flash-success", has_text="Plik został dodany").wait_for()
        assert page.url == live_server + FILES
        assert page.locator("tr", has_text="Notatka bez skryptów").count() == 1
        remove_upload(page, "Notatka bez skryptów")
    finally:
        context.close()


def test_a_422_swap_breaks_no_content_security_rule(live_server, page):
    """htmx's own indicator <style> is switched off (htmx-config), so swapping a form with
    errors (422) logs no CSP violation and no console error."""
    problems = console_problems(page)
    page.add_init_script(RECORD_CSP)
    sign_in(page, live_server, "czlonek@example.org")
    page.goto(live_server + "/board/koalicja-zalesie")
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.click(".board-new-post summary")
    page.fill("#title", "Bez treści")
    page.fill("#body", "   ")  # passes the browser's `required`, not the server's check
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#post-form button[type=submit]")
    assert answer.value.status == 422
    page.locator("#post-form .field-error").first.wait_for()
    assert loads == []  # swapped in place
    assert page.evaluate("window.__cspViolations") == []
    # Chromium logs every 4xx answer as a failed resource; that line is the 422 itself.
    assert [p for p in problems if "status of 422" not in p] == []


def test_a_refused_file_type_shows_the_message_in_place(live_server, page, tmp_path):
    """The 415 page (a program posing as a PDF) replaces the form, as a 422 would."""
    sign_in(page, live_server, "trener@example.org")
    page.goto(live_server + FILES)
    fake = tmp_path / "poradnik.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 4096)
    loads = []
    page.on("load", lambda: loads.append(page.url))
    send_file(page, "material", fake)
    error = page.locator("#file-error")
    error.wait_for()
    assert "nie pasuje do wybranego rodzaju pliku" in error.inner_text()
    assert page.locator("#flashes .flash-error").count() == 0  # not the generic error line
    assert loads == []


def test_played_share_and_status_follow_the_recording(live_server, page):
    """While the recording plays, the text says how much was played (not "Odtworzono 0%")
    and the status stops saying "Nierozpoczęty", without a reload."""
    sign_in(page, live_server, "trener@example.org")  # staff preview: the film is open
    page.goto(live_server + FILM)
    assert page.get_attribute("#module-progress", "data-status") == "not_started"
    assert page.inner_text("#watch-percent") == "0%"
    assert page.inner_text("#module-progress .status-label") == "Nierozpoczęty"
    page.evaluate("window.notReloaded = true")
    wait_until(page, "document.getElementById('module-player').readyState >= 1")
    page.evaluate("document.getElementById('module-player').muted = true")
    page.evaluate("document.getElementById('module-player').play()")
    time.sleep(3)
    page.evaluate("document.getElementById('module-player').pause()")
    wait_until(page, "document.getElementById('module-progress').dataset.status !== 'not_started'")
    wait_until(page, "document.getElementById('watch-share').value > 0")
    share = page.evaluate("document.getElementById('watch-share').value")
    assert page.inner_text("#watch-percent") == f"{share}%"
    assert page.inner_text("#module-progress .status-label") == "W trakcie"
    # Later reports (no region reload any more) move the text with the bar too.
    page.evaluate("document.getElementById('module-player').play()")
    time.sleep(2.5)
    page.evaluate("document.getElementById('module-player').pause()")
    wait_until(page, f"document.getElementById('watch-share').value > {share}")
    later = page.evaluate("document.getElementById('watch-share').value")
    assert page.inner_text("#watch-percent") == f"{later}%"
    assert page.evaluate("window.notReloaded === true")


def test_search_as_you_type_shows_the_loading_bar(live_server, page):
    """On a slow link the bar at the top lights up while an htmx request is on its way."""
    sign_in(page, live_server, "czlonek@example.org")
    page.goto(live_server + "/board/koalicja-zalesie")
    loading = page.locator("#loading")
    assert "htmx-request" not in (loading.get_attribute("class") or "")
    assert loading.evaluate("e => getComputedStyle(e).opacity") == "0"
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 1500, "downloadThroughput": -1, "uploadThroughput": -1})
    page.locator(".board-filters input[type=search]").press_sequentially("namiot")
    page.wait_for_selector("#loading.htmx-request")
    assert loading.evaluate("e => getComputedStyle(e).animationName") == "loading-slide"
    page.wait_for_url("**q=namiot**")
    page.wait_for_selector("#loading:not(.htmx-request)", state="attached")


def test_posting_the_board_task_updates_the_module_progress_in_place(live_server, page):
    """After the task is posted, the module no longer says it waits for the post."""
    sign_in(page, live_server, "trener@example.org")
    page.goto(live_server + FILM)
    checklist = page.locator("#module-progress .checklist")
    assert "czeka na Twój wpis" in checklist.inner_text()
    page.evaluate("window.notReloaded = true")
    task = page.locator("#module-task form")
    task.locator("select[name=task-board]").select_option("programme")
    task.locator("input[name=task-title]").fill("Spotkanie badawcze w Zalesiu — plan")
    task.locator("textarea[name=task-body]").fill("Termin: marzec, miejsce: biblioteka.")
    task.locator("button[type=submit]").click()
    page.locator("#module-task .module-task-done").wait_for()
    page.locator("#module-progress .checklist", has_text="wykonane").wait_for()
    assert "czeka na Twój wpis" not in checklist.inner_text()
    assert page.evaluate("window.notReloaded === true")
    # Leave the shared demo instance as it was: delete the post again.
    post = page.get_attribute("#module-task .module-task-done a", "href")
    page.goto(live_server + post + "/delete")
    page.get_by_role("button", name="Tak, usuń").click()
    page.wait_for_load_state()
