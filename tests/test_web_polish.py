"""Small promises of a finished product (issue 11): an icon, formats, rendered notes."""

from __future__ import annotations

from conftest import soup


def test_every_page_names_its_icon_so_browsers_do_not_ask_for_favicon_ico(client):
    icon = soup(client.get("/login")).select_one("link[rel=icon]")
    assert icon is not None and icon["type"] == "image/svg+xml"
    response = client.get(icon["href"])
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
