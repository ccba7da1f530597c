"""Helpers shared by the trainer views: file responses and the 404-or-403 rule."""

from __future__ import annotations

from flask import Response, abort, current_app

from koalicje.config import local_now
from koalicje.permissions import can


def require_visible(action: str, obj: object, visible: bool) -> None:
    """403 when the user may see `obj` but not do `action`; 404 when they may not see it."""
    if not can(action, obj):
        abort(403 if visible else 404)


def download(body: bytes, mimetype: str, stem: str, extension: str) -> Response:
    filename = f"{stem}-{local_now(current_app.config).date().isoformat()}.{extension}"
    response = Response(body, content_type=mimetype)  # as given: no second charset
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
