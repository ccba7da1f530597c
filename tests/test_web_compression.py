"""Compressed responses: pages and fragments gzipped per response, static files from their
setup-time gzip copies; the first visit stays under 60 KB transferred."""

from __future__ import annotations

import gzip
import os
import re
import time

from bs4 import BeautifulSoup

from koalicje.web import compression

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _without_tokens(html: str) -> str:
    return re.sub(r'(csrf_token" value="|"X-CSRFToken": ")[^"]+', r"\1", html)


def test_pages_are_gzipped_for_browsers_that_accept_it(client):
    plain = client.get("/login")
    packed = client.get("/login", headers=GZIP)

    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    body = gzip.decompress(packed.get_data())
    assert int(packed.headers["Content-Length"]) == len(packed.get_data()) < len(body) / 2
    assert _without_tokens(body.decode()) == _without_tokens(plain.get_data(as_text=True))


def test_small_and_binary_responses_are_left_alone(client):
    small = client.get("/healthz", headers=GZIP)
    assert small.status_code == 200 and "Content-Encoding" not in small.headers
    assert small.get_json()["status"] == "ok"


def test_static_files_come_from_their_precompressed_copy(app, client, tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    source = static / "css" / "x.css"
    source.write_text("body { color: black; }\n" * 100)
    packed = static / compression.PRECOMPRESSED / "css" / "x.css.gz"
    packed.parent.mkdir(parents=True)
    packed.write_bytes(gzip.compress(source.read_bytes()))
    app.static_folder = str(static)

    response = client.get("/static/css/x.css", headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()) == source.read_bytes()
    assert client.get("/static/css/x.css").get_data() == source.read_bytes()

    # The source changed after setup: its stale copy is not served.
    later = time.time() + 10
    os.utime(source, (later, later))
    fresh = client.get("/static/css/x.css", headers=GZIP)
    assert "Content-Encoding" not in fresh.headers
    assert fresh.get_data() == source.read_bytes()


def _first_visit_bytes(client, path: str) -> int:
    page = client.get(path, headers=GZIP)
    assert page.status_code == 200
    total = len(page.get_data())
    html = BeautifulSoup(gzip.decompress(page.get_data()).decode(), "html.parser")
    assets = [link["href"] for link in html.select("link[rel=stylesheet]")
              if link.get("media") != "print"]
    assets += [script["src"] for script in html.select("script[src]")]
    assert assets
    for url in assets:
        response = client.get(url, headers=GZIP)
        assert response.status_code == 200, url
        assert response.headers.get("Content-Encoding") == "gzip", url
        total += len(response.get_data())
    return total


def test_first_visit_is_at_most_60_kb(client, auth, factories):
    assert _first_visit_bytes(client, "/login") <= 60 * 1024
    user = factories.user()
    auth.as_user(user)
    assert _first_visit_bytes(client, "/") <= 60 * 1024
