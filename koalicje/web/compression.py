"""Brotli or gzip for responses: pages, fragments and feeds compressed per response; static
files served from copies that `scripts/vendor.py` compresses once at setup (.br and .gz).

The encoding is negotiated from Accept-Encoding: the one with the higher q-value, brotli on
a tie, nothing for a client that accepts neither (every answer that could be compressed
carries `Vary: Accept-Encoding`). Brotli at quality 3: on the full data set's pages (a
coalition board 90 KB raw, search 77 KB, the overview 87 KB, ~20 pages in all) quality 3
sent 5 % more bytes than quality 4 (78.3 against 74.6 KB for all of them; a board 10.0
against 9.6 KB) for 56 % of its CPU (1.72 against 3.06 ms for all; a board 0.22 against
0.52 ms), about what gzip -6 sends (76.7 KB) for 40 % of its CPU (4.39 ms). Quality 2
saved little more (1.47 ms, 80.1 KB), quality 1 sent 15 % more, quality 5 cost 50 % more
than 4 for 8 % fewer bytes; under load a page's CPU is what limits the server. Static
copies are brotli 11 and gzip 9, made once.
Binary downloads (XLSX, media) and small bodies are left alone.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli
from flask import Flask, Response, request
from werkzeug.security import safe_join

from koalicje import kept
from koalicje.web.headers import vary_on

MIN_SIZE = 512  # below this, gzip's header costs more than it saves
LEVEL = 6  # gzip
BROTLI_QUALITY = 3
TYPES = ("text/", "application/json", "application/javascript", "application/atom+xml",
         "application/xml", "image/svg+xml")
PRECOMPRESSED = "vendor/precompressed"  # under the static folder, written by scripts/vendor.py
CHOSEN = "koalicje.chosen-encodings"  # app.extensions: Accept-Encoding text -> encoding
CHOSEN_KEPT = 256  # browsers send a few texts; then start again


def compressible(mimetype: str | None) -> bool:
    return bool(mimetype) and mimetype.startswith(TYPES)


def chosen_encoding() -> str | None:
    """"br", "gzip" or None for this request's Accept-Encoding (q=0 refuses), decided once
    per process for each text of the header (browsers send the same few texts; parsing one
    each request took ~6 µs)."""
    text = request.environ.get("HTTP_ACCEPT_ENCODING", "")  # request.headers.get, no KeyError
    chosen = kept.store(CHOSEN)
    if text in chosen:
        return chosen[text]
    accepted = request.accept_encodings
    br, gz = accepted["br"], accepted["gzip"]
    encoding = "br" if br > 0 and br >= gz else "gzip" if gz > 0 else None
    return kept.keep(chosen, text, encoding, CHOSEN_KEPT)


def precompressed_path(static_folder: str | Path, filename: str,
                       encoding: str = "gzip") -> Path | None:
    """The setup-time .br or .gz copy of a static file, if it exists and is not older."""
    suffix = ".br" if encoding == "br" else ".gz"
    source = safe_join(str(static_folder), filename)
    packed = safe_join(str(static_folder), PRECOMPRESSED, filename + suffix)
    if source is None or packed is None:
        return None
    source_path, packed_path = Path(source), Path(packed)
    try:
        if packed_path.stat().st_mtime >= source_path.stat().st_mtime:
            return packed_path
    except OSError:
        return None
    return None


def compress_bytes(data: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(data, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


def compress_response(response: Response, static_folder: str | Path) -> Response:
    if (response.status_code < 200 or response.status_code in (204, 206, 304)
            or "Content-Encoding" in response.headers or not compressible(response.mimetype)
            or (response.is_streamed and not response.direct_passthrough)):
        return response
    vary_on(response, "Accept-Encoding")
    encoding = chosen_encoding()
    if encoding is None:
        return response
    if response.direct_passthrough:  # a file: use its setup-time compressed copy, if any
        filename = (request.view_args or {}).get("filename") if request.endpoint == "static" \
            else None
        packed = precompressed_path(static_folder, filename, encoding) if filename else None
        if packed is None and encoding == "br" and request.accept_encodings["gzip"] > 0:
            encoding = "gzip"  # no brotli copy (yet): the gzip one
            packed = precompressed_path(static_folder, filename, encoding) if filename else None
        if packed is None:
            return response
        response.direct_passthrough = False
        response.set_data(packed.read_bytes())
        if response.get_etag()[0]:
            response.set_etag(f"{response.get_etag()[0]}-{encoding}")
    else:
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        response.set_data(compress_bytes(data, encoding))
    response.headers["Content-Encoding"] = encoding
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def compress(response: Response) -> Response:
        return compress_response(response, app.static_folder)
