"""Page or fragment: one rule for every view that htmx enhances."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request


def is_fragment_request() -> bool:
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, fragment: str, status: int = 200, **context: Any) -> Response:
    """Render the fragment for htmx, the whole page otherwise; both vary on HX-Request."""
    template = fragment if is_fragment_request() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def hx_redirect(url: str) -> Response:
    """Tell htmx to load a whole new page (e.g. the sign-in page)."""
    response = make_response("", 200)
    response.headers["HX-Redirect"] = url
    return response
