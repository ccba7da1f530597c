"""The noticeboard in a real browser: htmx posts, resets the form, edits in place, expands
comments, filters with the URL following. Needs Debian's chromium; skipped without it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    base = tmp_path_factory.mktemp("board-browser")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{base / 'db.sqlite3'}",
           "SECRET_KEY": "browser-test", "SESSION_COOKIE_SECURE": "0",
           "PREFERRED_URL_SCHEME": "http", "CONTENT_DIR": str(base / "content")}
    bin_dir = Path(sys.executable).parent
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([str(bin_dir / "flask"), "--app", "app", *command], cwd=ROOT, env=env,
                       check=True, capture_output=True)
    port = _free_port()
    process = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "app:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def board_page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page()
        page.csp_errors = []
        page.on("console", lambda m: page.csp_errors.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.goto(server + "/login")
        page.fill("input[name=email]", "czlonek@example.org")
        page.fill("input[name=password]", "koalicje-demo")
        page.click("main form button[type=submit]")
        page.wait_for_url(server + "/")
        yield page
        browser.close()


def test_post_edit_comment_and_filter_with_htmx(server, board_page):
    page = board_page
    page.goto(server + "/board/koalicja-zalesie")
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
    assert page.csp_errors == []
