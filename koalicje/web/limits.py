"""Request size: a small limit for every request, the large one only for file uploads.

`MAX_CONTENT_LENGTH` (small) bounds every request, so an anonymous POST with a huge body is
refused (413) before it is read. A view marked `@accepts_uploads` allows
`UPLOAD_MAX_BYTES` plus room for the form's other fields, and only to a signed-in person who
may manage content (who uploads); everyone else keeps the small limit there too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

from flask import Flask, current_app, request
from flask_login import current_user

View = TypeVar("View", bound=Callable)
FORM_FIELDS_ROOM = 1024 * 1024
IN_MEMORY_PART = 500 * 1024  # werkzeug's own threshold for keeping a file part in memory


def accepts_uploads(view: View) -> View:
    """Mark a view that receives files: the large request limit applies to it."""
    view.accepts_uploads = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    """Register the hook; call before CSRFProtect, which reads the form in its own hook."""

    @app.before_request
    def raise_limit_for_uploads() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        if not getattr(view, "accepts_uploads", False) or request.method != "POST":
            return
        from koalicje.permissions import can

        if current_user.is_authenticated and can("manage_content"):
            request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"] + FORM_FIELDS_ROOM


def spool_file() -> IO[bytes]:
    """Where a file part of a form is received: in memory up to 500 KB, then in a temporary
    file under UPLOAD_DIR/incoming, on the disk that will keep the upload, not in /tmp,
    which is often RAM (tmpfs). The file has no name and disappears when closed."""
    folder = Path(current_app.config["UPLOAD_DIR"]) / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    return tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_PART, mode="rb+", dir=folder)
