"""What a worker process keeps between requests: bounded dicts on the app object.

Texts, rows and HTML that are the same for every request with the same key (a language, a
stored row's values, what decides a fragment's shape) are made once per process and kept
in `app.extensions[name]`, never in a module global. Every store is bounded: past its
limit it starts again (cleared, not evicted one by one: the keys of each store are far
fewer than its limit in use, so the limit only guards against unbounded growth).

Where the values differ much in size (a post's texts and HTML: a line, or 20,000
characters), a store is a `Sized` one instead (`sized(name, entries, size)`): least
recently used first out, bounded by its entries and by the size they hold together.

Outside an application context nothing is kept: `store()` gives a fresh dict, `value()`
makes the value each time and `sized()` a store that keeps nothing, so domain functions
that keep what they build stay plain functions tests can call without an app.

What is kept is shared by the requests of the process: read it, never change it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from threading import Lock
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


class Sized:
    """Values by key, least recently used dropped first once the store holds more than
    `entries` values or more than `size` together (each value's size is what its `put`
    says: characters, bytes). A value bigger than `size` alone is not kept.

    Threads share it: `get` is one lookup and one move to the end, each atomic; `put`
    changes the order and the count under a lock."""

    def __init__(self, entries: int, size: int) -> None:
        self.entries, self.size = entries, size  # the limits
        self.held = 0  # the size of the values kept
        self._values: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[Hashable]:
        """The keys, least recently used first (as they were when asked)."""
        return iter(list(self._values))

    def keys(self) -> list[Hashable]:
        """The keys, least recently used first."""
        return list(self._values)

    def items(self) -> list[tuple[Hashable, Any, int]]:
        """(key, value, size) of each value kept, least recently used first."""
        return [(key, value, size) for key, (value, size) in self._values.items()]

    def get(self, key: Hashable) -> Any | None:
        """The value kept for `key` (now the most recently used), or None."""
        found = self._values.get(key)
        if found is None:
            return None
        try:  # noqa: SIM105  (contextlib.suppress costs more than the lookup)
            self._values.move_to_end(key)
        except KeyError:  # dropped by another thread meanwhile: the value is still right
            pass
        return found[0]

    def put(self, key: Hashable, value: T, size: int) -> T:
        """Keep `value` (of `size`) for `key`, replacing what was kept for it, then drop the
        least recently used values while over a limit; gives `value`."""
        with self._lock:
            earlier = self._values.pop(key, None)
            if earlier is not None:  # another thread made it meanwhile: counted once
                self.held -= earlier[1]
            if size > self.size:  # never kept: it would only push out all the others
                return value
            self._values[key] = (value, size)
            self.held += size
            while self._values and (len(self._values) > self.entries or self.held > self.size):
                self.held -= self._values.popitem(last=False)[1][1]
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self.held = 0


def sized(name: str, entries: int, size: int) -> Sized:
    """The `Sized` store kept as `app.extensions[name]`, with these limits (a changed
    setting applies from the next `put`); outside an application context a new one that
    keeps nothing."""
    if not has_app_context():
        return Sized(0, 0)
    found = current_app.extensions.get(name)
    if found is None:
        found = current_app.extensions[name] = Sized(entries, size)
    else:
        found.entries, found.size = entries, size
    return found
