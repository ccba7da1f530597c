"""koalicje/web/htmx.py on top of htmx-flask: page or fragment, and HX-* response headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from htmx_flask.requests import HtmxAwareRequest

from koalicje.web import htmx

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("headers", "fragment"), [
    ({}, False),
    ({"HX-Request": "true"}, True),
    ({"HX-Request": "true", "HX-Boosted": "true"}, False),
    ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
    ({"HX-Request": "false"}, False),
])
def test_fragment_only_for_plain_htmx_requests(app, headers, fragment):
    assert issubclass(app.request_class, HtmxAwareRequest)  # CleanRequest extends it
    with app.test_request_context("/", headers=headers):
        assert htmx.is_fragment_request() is fragment


def test_response_headers_are_written_by_htmx_flask(app):
    with app.test_request_context("/", headers={"HX-Request": "true"}):
        response = htmx.with_headers(app.make_response("x"), retarget="#post-form",
                                     reswap="outerHTML", push_url="/coalitions/?q=a")
        assert response.headers["HX-Retarget"] == "#post-form"
        assert response.headers["HX-Reswap"] == "outerHTML"
        assert response.headers["HX-Push-Url"] == "/coalitions/?q=a"
        assert "HX-Retarget" not in htmx.with_headers(app.make_response("y")).headers
        redirect = htmx.hx_redirect("/login")
        assert (redirect.status_code, redirect.headers["HX-Redirect"]) == (200, "/login")


def test_no_view_reads_or_sets_hx_headers_by_hand():
    by_hand = re.compile(r"""headers(\.get)?\s*[\[(]\s*["']HX-""")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [*ROOT.glob("blueprints/**/*.py"), *ROOT.glob("koalicje/**/*.py"), ROOT / "app.py"]
        # the one place that may; bench.py is an HTTP client that sends HX-Request itself
        if path not in (ROOT / "koalicje/web/htmx.py", ROOT / "koalicje/ops/bench.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line)
    ]
    assert found == []
