"""Helpers for the browser tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "koalicje-demo"


def sign_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Run axe-core on the current page (the context needs bypass_csp=True)."""
    if not page.evaluate("typeof axe !== 'undefined'"):  # once per page load, not per swap
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run()")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"] if v["impact"] in impacts
    ]


@contextmanager
def database_context(database: Path, instance: Path, create: bool = False) -> Iterator[None]:
    """An app context with an open connection on the SQLite database at `database` (its schema
    created first with `create`), for seeding data from the test process."""
    from app import create_app
    from models import create_or_migrate, db

    app = create_app({"DATABASE_URL": f"sqlite:///{database}",
                      "SECRET_KEY": "browser-tests-only", "INSTANCE_PATH": str(instance)})
    with app.app_context():
        db.connect(reuse_if_open=True)
        try:
            if create:
                create_or_migrate()
            yield
        finally:
            db.close()


def seeded_instance(folder: Path):
    """A new database in `folder`, for a module that seeds a small world of its own before
    `serve(folder)`."""
    return database_context(folder / "koalicje.sqlite3", folder / "instance", create=True)


# --- journeys: two widths, a page that fits, data seeded into a live instance ---------------

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def assert_fits(page) -> None:
    """The page does not scroll sideways at the context's width."""
    wide, window = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"{page.url} is {wide} px wide in a {window} px window"


def seed(database: Path, build):
    """Run `build()` on a live instance's database from this process; return its result."""
    with database_context(database, database.parent / "seed-instance"):
        return build()


def wait_until(page, expression: str, timeout: float = 15) -> None:
    """Poll an expression (page.wait_for_function would need eval, which our CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.1)
