"""Static asset URLs with a content hash, so browsers may cache them as immutable.

Third-party files are copied from node_modules to static/vendor/ at setup by
`scripts/vendor.py`, which writes static/vendor/manifest.json (logical name -> hashed name).
Our own files get their hash as a query string.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Flask, has_request_context, request, url_for

IMMUTABLE = "public, max-age=31536000, immutable"


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def init_app(app: Flask) -> None:
    static = Path(app.static_folder)
    manifest_file = static / "vendor" / "manifest.json"
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else {}
    own_hashes: dict[str, str] = {}
    # Every page links the same few files: their URLs are built once per process and
    # application root (the static route and the files' hashes do not change while it runs).
    urls: dict[tuple[str, str, str], str] = {}

    def static_url(filename: str, version: str) -> str:
        if not has_request_context():
            return url_for("static", filename=filename, **({"v": version} if version else {}))
        key = (request.script_root, filename, version)
        url = urls.get(key)
        if url is None:
            url = urls[key] = (url_for("static", filename=filename, v=version) if version
                               else url_for("static", filename=filename))
        return url

    def vendor_url(name: str) -> str:
        """URL of a third-party file, e.g. vendor_url('htmx.min.js')."""
        if name not in manifest:
            raise RuntimeError(
                f"static/vendor/{name} is missing: run `make setup` to copy front-end files"
            )
        return static_url(f"vendor/{manifest[name]}", "")

    def asset_url(filename: str) -> str:
        """URL of one of our own static files, with its content hash."""
        if filename not in own_hashes:
            own_hashes[filename] = _file_hash(static / filename)
        return static_url(filename, own_hashes[filename])

    app.jinja_env.globals.update(vendor_url=vendor_url, asset_url=asset_url)

    @app.after_request
    def cache_static(response):
        hashed = request.path.startswith("/static/vendor/") or (
            request.path.startswith("/static/") and request.args.get("v")
        )
        if hashed and response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response
