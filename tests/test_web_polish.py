"""Small promises of a finished product (issue 11): an icon, formats, rendered notes."""

from __future__ import annotations

from pathlib import Path

from conftest import soup


def test_every_page_names_its_icon_so_browsers_do_not_ask_for_favicon_ico(client):
    icon = soup(client.get("/login")).select_one("link[rel=icon]")
    assert icon is not None and icon["type"] == "image/svg+xml"
    response = client.get(icon["href"])
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_every_htmx_request_has_a_loading_indicator_without_inline_styles(client):
    """htmx's injected indicator style is off (CSP): the page carries its own indicator,
    which every request lights up (hx-indicator on <body> is inherited)."""
    page = soup(client.get("/login"))
    indicator = page.select_one(page.body["hx-indicator"])
    assert indicator is not None and "htmx-indicator" in indicator["class"]
    config = page.select_one("meta[name=htmx-config]")["content"]
    assert '"includeIndicatorStyles": false' in config
    css = (Path(__file__).resolve().parents[1] / "static/css/app.css").read_text()
    assert ".loading-bar.htmx-request" in css and ".htmx-request .htmx-indicator" in css
    assert page.select("[style]") == []
