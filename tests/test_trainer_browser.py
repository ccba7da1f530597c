"""The matrix and the visit log in a real browser: htmx swaps, pushed URLs, back button.

Runs chromium (Debian's) through Playwright against gunicorn on 127.0.0.1; skips where
chromium is absent unless KOALICJE_REQUIRE_BROWSER is set (CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("KOALICJE_REQUIRE_BROWSER"):
        raise RuntimeError("chromium is required for browser tests (KOALICJE_REQUIRE_BROWSER)")
    pytest.skip("chromium is not installed", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "haslo-przegladarki-1"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run"]}


def _seed(database_url: str, instance: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from trainer_helpers import make_module, progress

    import accounts
    import visits
    from app import create_app
    from models import Coalition, Membership, TrainerAssignment, create_or_migrate, db, utcnow

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "browser",
                      "INSTANCE_PATH": str(instance)})
    with app.app_context():
        db.connect(reuse_if_open=True)
        create_or_migrate()
        trainer = accounts.create_user("trener@example.org", "Trener", PASSWORD, role="trainer")
        coalition = Coalition.create(slug="sosny", name="Koalicja Sosny", gmina="Sosny",
                                     voivodeship="lubelskie", library="GBP Sosny", round=1)
        TrainerAssignment.create(trainer=trainer, coalition=coalition)
        modules = [make_module(n) for n in (1, 2)]
        for n, name in enumerate(["Agata Zając", "Bartosz Ryś", "Celina Łoś"]):
            person = accounts.create_user(f"u{n}@example.org", name, PASSWORD)
            Membership.create(user=person, coalition=coalition)
            for module in modules[: n]:
                progress(person, module, "completed")
        visits.record_visit(coalition, trainer, utcnow().date() - timedelta(days=9), "workshop",
                            "", [visits.StepInput("Plakat o spotkaniu", owner_name="sołtys",
                                                  due_date=utcnow().date() - timedelta(days=2))])
        db.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{folder / 'db.sqlite3'}"
    _seed(database_url, folder / "instance")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "browser",
           "SESSION_COOKIE_SECURE": "0", "MAIL_OUTBOX_DIR": str(folder / "outbox")}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--chdir", str(ROOT), "app:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_in(page, base):
    page.goto(base + "/login")
    page.fill("input[name=email]", "trener@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/")


def test_matrix_filters_with_htmx_and_pushes_the_url(page, server):
    sign_in(page, server)
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
    sign_in(page, server)
    page.goto(server + "/trainer/visits/sosny")
    page.evaluate("window.__marker = 1")
    step = page.locator("li.next-step").first
    assert "overdue" in step.get_attribute("class")
    step.locator("button").click()
    page.wait_for_selector("li.next-step.done")
    assert page.evaluate("window.__marker") == 1  # no full page load
    assert "overdue" not in page.locator("li.next-step").first.get_attribute("class")
