"""The noticeboard in a real browser: htmx posts, resets the form, edits in place, expands
comments, filters with the URL following; axe-core finds no serious accessibility problems.
Needs Debian's chromium (skipped without it). Uses pytest-playwright's browser."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM),
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def board_base_url(tmp_path_factory):
    """A demo instance served by gunicorn for this module; stopped by its PID afterwards."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("board-browser")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
           "SECRET_KEY": "browser-test", "SESSION_COOKIE_SECURE": "0",
           "PREFERRED_URL_SCHEME": "http", "UPLOAD_DIR": str(folder / "uploads")}
    bin_dir = Path(sys.executable).parent
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([str(bin_dir / "flask"), "--app", "app", *command], cwd=ROOT, env=env,
                       check=True, capture_output=True, timeout=180)
    port = _free_port()
    process = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "app:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def _sign_in(page, base: str, email: str = "czlonek@example.org") -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "koalicje-demo")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/")


def test_post_edit_comment_and_filter_with_htmx(board_base_url, page):
    base = board_base_url
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text)
            if "Content Security Policy" in m.text else None)
    _sign_in(page, base)
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


@pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core is missing (npm ci)")
def test_board_page_has_no_serious_accessibility_problems(board_base_url, browser):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        _sign_in(page, board_base_url, "trener@example.org")  # sees every control
        page.goto(board_base_url + "/board/koalicja-zalesie")
        page.click(".board-new-post summary")
        page.add_script_tag(path=str(AXE))
        results = page.evaluate("async () => await axe.run()")
        serious = [(v["id"], [n["target"] for n in v["nodes"]][:3])
                   for v in results["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == []
    finally:
        context.close()
