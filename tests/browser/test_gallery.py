"""The gallery: screenshots of the main pages at phone (390 px) and desktop (1280 px) width.

The suite saves them in its temporary folder; `make screenshots` sets
KOALICJE_SCREENSHOTS_DIR=docs/screenshots to regenerate the PNGs the README shows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from browser.support import sign_in

pytestmark = pytest.mark.browser

# (file name, who, path)
PAGES = [
    ("learning-path", "bibliotekarka@example.org", "/learning/"),
    ("module", "bibliotekarka@example.org", "/learning/film-spotkanie-badawcze"),
    ("board", "czlonek@example.org", "/board/koalicja-zalesie"),
    ("trainer-matrix", "trener@example.org", "/trainer/matrix"),
]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}


@pytest.fixture(scope="module")
def gallery_dir(tmp_path_factory) -> Path:
    folder = os.environ.get("KOALICJE_SCREENSHOTS_DIR")
    path = Path(folder) if folder else tmp_path_factory.mktemp("gallery")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize(("name", "email", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_gallery_screenshots(browser, live_server, gallery_dir, name, email, path):
    for label, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server, email)
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200
        target = gallery_dir / f"{name}-{label}.png"
        page.screenshot(path=str(target))  # the first screen, as a person sees it
        context.close()
        assert target.stat().st_size > 5_000
