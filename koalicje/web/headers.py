"""Response headers every answer touches, written without werkzeug's parsed views."""

from __future__ import annotations

from werkzeug.wrappers import Response


def vary_on(response: Response, name: str) -> None:
    """Add `name` to the response's Vary header once (in any case), keeping what it names:
    what `response.vary.add(name)` does, without parsing the header into a HeaderSet and
    writing it back through its callback (~8 µs each; every page adds two or three)."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = name
    elif name.lower() not in [part.strip().lower() for part in vary.split(",")]:
        response.headers["Vary"] = f"{vary}, {name}"
