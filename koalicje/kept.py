"""What a worker process keeps between requests: bounded dicts on the app object.

Texts, rows and HTML that are the same for every request with the same key (a language, a
stored row's values, what decides a fragment's shape) are made once per process and kept
in `app.extensions[name]`, never in a module global. Every store is bounded: past its
limit it starts again (cleared, not evicted one by one: the keys of each store are far
fewer than its limit in use, so the limit only guards against unbounded growth).

Outside an application context nothing is kept: `store()` gives a fresh dict and
`value()` makes the value each time, so domain functions that keep what they build stay
plain functions tests can call without an app.

What is kept is shared by the requests of the process: read it, never change it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, has_app_context

T = TypeVar("T")

BY_LANGUAGE = 16  # the limit of a store keyed by language (or a few other settings)


def store(name: str, make: Callable[[], Any] = dict) -> Any:
    """The dict kept as `app.extensions[name]` (made by `make` on first use: `dict`, or a
    dict subclass with limits of its own); outside an application context a new one of
    its own, which keeps nothing."""
    if not has_app_context():
        return make()
    found = current_app.extensions.get(name)
    if found is None:
        found = current_app.extensions[name] = make()
    return found


def keep(kept: dict[Any, Any], key: Hashable, value: T, limit: int) -> T:
    """Store `value` under `key` in `kept`, which starts again once it holds `limit`
    entries; gives `value`."""
    if len(kept) >= limit:
        kept.clear()
    kept[key] = value
    return value


def value(name: str, key: Hashable, make: Callable[[], T], limit: int) -> T:
    """The value kept for `key` in the store `name`, made by `make()` on first use (and
    kept under the store's `limit`)."""
    kept = store(name)
    found = kept.get(key)
    if found is None:
        found = keep(kept, key, make(), limit)
    return found
