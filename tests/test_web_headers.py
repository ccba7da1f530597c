"""Response headers written without werkzeug's parsed views (koalicje/web/headers.py)."""

from __future__ import annotations

import pytest
from flask import Response

from koalicje.web.headers import vary_on


@pytest.mark.parametrize("vary, expected", [
    (None, "Accept-Encoding"),
    ("HX-Request", "HX-Request, Accept-Encoding"),
    ("Cookie, accept-encoding", "Cookie, accept-encoding"),  # named once, in any case
    ("Cookie,Accept-Encoding ", "Cookie,Accept-Encoding "),
])
def test_vary_names_a_header_once(vary, expected):
    response = Response("x")
    if vary:
        response.headers["Vary"] = vary
    vary_on(response, "Accept-Encoding")
    vary_on(response, "accept-encoding")
    assert response.headers.get_all("Vary") == [expected]
    named = [name.strip().lower() for name in response.vary]
    assert named.count("accept-encoding") == 1
    assert set(named) == {name.strip().lower() for name in expected.split(",")}


def test_vary_on_gives_what_werkzeug_vary_add_gives():
    for vary in (None, "HX-Request", "Cookie, HX-Request", "cookie", "A,B"):
        for name in ("Cookie", "HX-Request", "Accept-Encoding"):
            ours, theirs = Response("x"), Response("x")
            if vary:
                ours.headers["Vary"] = theirs.headers["Vary"] = vary
            vary_on(ours, name)
            theirs.vary.add(name)
            assert {part.strip().lower() for part in ours.headers["Vary"].split(",")} \
                == {part.lower() for part in theirs.vary}, (vary, name)
            assert len(ours.headers["Vary"].split(",")) == len(theirs.vary)
