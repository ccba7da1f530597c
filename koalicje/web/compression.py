"""gzip for responses: pages, fragments and feeds compressed per response; static files
served from copies that `scripts/vendor.py` compresses once at setup.

Python's own gzip (zlib) is enough here: text compresses 4-10x at level 6 for well under a
millisecond on a 50 KB page, with no extra dependency. Binary downloads (XLSX, media) and
small bodies are left alone.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.security import safe_join

MIN_SIZE = 512  # below this, gzip's header costs more than it saves
LEVEL = 6
TYPES = ("text/", "application/json", "application/javascript", "application/atom+xml",
         "application/xml", "image/svg+xml")
PRECOMPRESSED = "vendor/precompressed"  # under the static folder, written by scripts/vendor.py


def compressible(mimetype: str | None) -> bool:
    return bool(mimetype) and mimetype.startswith(TYPES)


def accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def precompressed_path(static_folder: str | Path, filename: str) -> Path | None:
    """The setup-time .gz copy of a static file, if it exists and is not older than it."""
    source = safe_join(str(static_folder), filename)
    packed = safe_join(str(static_folder), PRECOMPRESSED, filename + ".gz")
    if source is None or packed is None:
        return None
    source_path, packed_path = Path(source), Path(packed)
    try:
        if packed_path.stat().st_mtime >= source_path.stat().st_mtime:
            return packed_path
    except OSError:
        return None
    return None


def compress_response(response: Response, static_folder: str | Path) -> Response:
    if (response.status_code < 200 or response.status_code in (204, 206, 304)
            or "Content-Encoding" in response.headers or not compressible(response.mimetype)
            or (response.is_streamed and not response.direct_passthrough)):
        return response
    response.vary.add("Accept-Encoding")
    if not accepts_gzip():
        return response
    if response.direct_passthrough:  # a file: use its setup-time compressed copy, if any
        filename = (request.view_args or {}).get("filename") if request.endpoint == "static" \
            else None
        packed = precompressed_path(static_folder, filename) if filename else None
        if packed is None:
            return response
        response.direct_passthrough = False
        response.set_data(packed.read_bytes())
        if response.get_etag()[0]:
            response.set_etag(response.get_etag()[0] + "-gzip")
    else:
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        response.set_data(gzip.compress(data, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def compress(response: Response) -> Response:
        return compress_response(response, app.static_folder)
