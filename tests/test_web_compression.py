"""Compressed responses: pages and fragments compressed per response (brotli when the
browser accepts it, else gzip), static files from their setup-time .br/.gz copies; the first
visit stays under 60 KB transferred."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import time
from pathlib import Path

import brotli
import pytest
from bs4 import BeautifulSoup

from koalicje.web import compression

GZIP = {"Accept-Encoding": "gzip, deflate"}
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}


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
    # No .br copy: a browser that also accepts brotli gets the gzip copy.
    assert client.get("/static/css/x.css", headers=BROWSER).headers["Content-Encoding"] == "gzip"
    packed.with_suffix(".br").write_bytes(brotli.compress(source.read_bytes()))
    response = client.get("/static/css/x.css", headers=BROWSER)
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.get_data()) == source.read_bytes()
    assert response.headers["ETag"].endswith('-br"')
    assert "Accept-Encoding" in response.headers["Vary"]
    only_br = client.get("/static/css/x.css", headers={"Accept-Encoding": "br"})
    assert only_br.headers["Content-Encoding"] == "br"

    # The source changed after setup: its stale copy is not served.
    later = time.time() + 10
    os.utime(source, (later, later))
    fresh = client.get("/static/css/x.css", headers=GZIP)
    assert "Content-Encoding" not in fresh.headers
    assert fresh.get_data() == source.read_bytes()


def _first_visit_bytes(client, path: str, headers=GZIP, encoding="gzip") -> int:
    page = client.get(path, headers=headers)
    assert page.status_code == 200
    assert page.headers.get("Content-Encoding") == encoding
    total = len(page.get_data())
    unpack = brotli.decompress if encoding == "br" else gzip.decompress
    html = BeautifulSoup(unpack(page.get_data()).decode(), "html.parser")
    assets = [link["href"] for link in html.select("link[rel=stylesheet]")
              if link.get("media") != "print"]
    assets += [script["src"] for script in html.select("script[src]")]
    assert assets
    for url in assets:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert response.headers.get("Content-Encoding") == encoding, url
        total += len(response.get_data())
    return total


def test_first_visit_is_at_most_60_kb(client, auth, factories):
    assert _first_visit_bytes(client, "/login") <= 60 * 1024
    user = factories.user()
    auth.as_user(user)
    assert _first_visit_bytes(client, "/") <= 60 * 1024


def test_first_visit_with_brotli_is_smaller_still(client):
    with_gzip = _first_visit_bytes(client, "/login")
    with_brotli = _first_visit_bytes(client, "/login", BROWSER, "br")
    assert with_brotli < with_gzip <= 60 * 1024


# --- brotli ---------------------------------------------------------------------------------


def test_pages_are_brotli_when_the_browser_accepts_it(client):
    plain = client.get("/login")
    packed = client.get("/login", headers=BROWSER)
    assert packed.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in packed.headers["Vary"]
    body = brotli.decompress(packed.get_data())
    assert int(packed.headers["Content-Length"]) == len(packed.get_data()) < len(body) / 2
    assert _without_tokens(body.decode()) == _without_tokens(plain.get_data(as_text=True))
    assert "Accept-Encoding" in plain.headers["Vary"]  # caches keep the variants apart


@pytest.mark.parametrize("accept, expected", [
    ("br", "br"),
    ("gzip, br", "br"),
    ("br;q=0.5, gzip", "gzip"),  # the client prefers gzip
    ("gzip;q=0.5, br;q=0.5", "br"),  # a tie goes to brotli
    ("gzip, br;q=0", "gzip"),  # q=0 refuses
    ("*", "br"),
    ("deflate", None),
    ("identity", None),
    ("", None),
])
def test_negotiation(client, accept, expected):
    response = client.get("/login", headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == expected
    assert "Accept-Encoding" in response.headers["Vary"]
    data = response.get_data()
    text = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[expected](data)
    assert b"<form" in text


def test_tiny_bodies_are_not_brotli_either(client):
    small = client.get("/healthz", headers=BROWSER)
    assert small.status_code == 200 and "Content-Encoding" not in small.headers


def test_vendor_script_writes_brotli_and_gzip_copies(tmp_path):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "vendor", Path(__file__).resolve().parent.parent / "scripts" / "vendor.py")
    vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor)
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    source = static / "js" / "app.js"
    source.write_text("console.log('koalicje');\n" * 200)
    (static / "img.png").write_bytes(b"\x89PNG")
    target = static / "vendor" / "precompressed"
    vendor.precompress(static, target)
    assert brotli.decompress((target / "js" / "app.js.br").read_bytes()) == source.read_bytes()
    assert gzip.decompress((target / "js" / "app.js.gz").read_bytes()) == source.read_bytes()
    assert not (target / "img.png.br").exists()
    assert len((target / "js" / "app.js.br").read_bytes()) <= len(
        (target / "js" / "app.js.gz").read_bytes())


def test_setup_remakes_the_compressed_copies_when_our_own_css_or_js_changes():
    """`make setup` reruns scripts/vendor.py (which also compresses static/css and static/js)
    when one of our own files is newer than its manifest, so a stale .br/.gz is never served."""
    root = Path(__file__).resolve().parent.parent
    for changed in ("static/css/app.css", "static/js/app.js"):
        plan = subprocess.run(["make", "-n", "-W", changed, "static/vendor/manifest.json"],
                              cwd=root, capture_output=True, text=True, check=True).stdout
        assert "scripts/vendor.py" in plan, changed


def test_the_encoding_chosen_once_per_text_is_the_one_negotiated_each_time(app):
    """`chosen_encoding` keeps its choice per Accept-Encoding text: the same choice as
    negotiating each request, asked twice, in any order, for texts kept or not."""
    texts = ["br", "gzip, br", "br;q=0.5, gzip", "gzip;q=0.5, br;q=0.5", "gzip, br;q=0",
             "*", "deflate", "identity", "", "gzip, deflate, br, zstd", "BR", "x-gzip"]

    def negotiated(text: str) -> str | None:
        with app.test_request_context("/", headers={"Accept-Encoding": text}):
            from flask import request

            accepted = request.accept_encodings
            br, gz = accepted["br"], accepted["gzip"]
            return "br" if br > 0 and br >= gz else "gzip" if gz > 0 else None

    with app.app_context():
        for text in texts + texts[::-1]:
            with app.test_request_context("/", headers={"Accept-Encoding": text}):
                assert compression.chosen_encoding() == negotiated(text), text
        with app.test_request_context("/"):  # no header at all
            assert compression.chosen_encoding() is None
    assert app.extensions[compression.CHOSEN][""] is None
