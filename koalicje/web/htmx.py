"""Page or fragment: one rule for every view that htmx enhances.

htmx-flask (`Htmx` in koalicje.web.extensions) reads the request headers (`request.htmx`)
and writes the HX-* response headers; this module adds the project's one rule on top:
a fragment for an htmx request that is neither boosted nor a history restore, the whole
page otherwise, and `Vary: HX-Request` on both.
"""

from __future__ import annotations

from typing import Any

import htmx_flask
from flask import Response, render_template, request

from koalicje.web.headers import vary_on


def is_fragment_request() -> bool:
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(page: str, fragment: str, status: int = 200, **context: Any) -> Response:
    """Render the fragment for htmx, the whole page otherwise; both vary on HX-Request."""
    template = fragment if is_fragment_request() else page
    response = htmx_flask.make_response(render_template(template, **context), status)
    vary_on(response, "HX-Request")
    return response


def with_headers(response: Response, *, retarget: str | None = None,
                 reswap: str | None = None, push_url: str | None = None,
                 trigger: str | None = None) -> Response:
    """Add HX-Retarget / HX-Reswap / HX-Push-Url / HX-Trigger to a response (htmx-flask
    writes them).

    htmx-flask 0.1.0 refuses "beforebegin", "afterbegin" and swap modifiers (a missing
    comma in its list): set `response.headers["HX-Reswap"]` directly for those.
    """
    return htmx_flask.make_response(response, retarget=retarget, reswap=reswap,
                                    push_url=push_url, trigger=trigger)


def hx_redirect(url: str) -> Response:
    """Tell htmx to load a whole new page (e.g. the sign-in page)."""
    return htmx_flask.make_response("", 200, redirect=url)
