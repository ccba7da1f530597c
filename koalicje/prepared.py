"""Queries whose SQL text is built by Peewee once per process and database engine.

Peewee builds a query's SQL text anew every time it runs: for the small lookups every page
repeats (the session's user, the memberships, the board navigation's counts) that costs as
much as SQLite running them. A `Prepared` query is built once, with placeholder values
("sentinels") for its parameters; the SQL text and where each parameter goes are kept in
`app.extensions` per engine (SQLite and PostgreSQL write different SQL). Each later call
only binds the parameters, runs the text and wraps the cursor in the query's own row
wrapper, so it returns what the Peewee query returns (models with their joined models,
dicts, tuples).

    @prepared
    def _memberships(user_id: int):
        return Membership.select(Membership, Coalition).join(Coalition) \
            .where(Membership.user == user_id)

    rows = _memberships.rows(user.id)      # a list, like list(query)
    row = _session.first(digest)            # the first row or None (put .limit(1) in the query)

Rules for the builder:
- It must use each parameter only as a value compared or stored in the query, never to
  decide the query's shape (`if since is None: ...`), never transformed (`since - delta`)
  or written into the SQL text (`SQL(str(n))`). The first build checks this: it builds the
  query twice with different sentinels and refuses (TypeError) a builder whose SQL differs,
  or whose parameters do not all reach the SQL's parameters unchanged.
- Parameters are `int`, `str` or `datetime` (not bool, None, models or lists: TypeError).
  Pass `user.id`, not `user`.
- When the shape does depend on something (the number of boards in a UNION), declare the
  builder `@prepared(keyed=True)`: it gets a hashable `key` first, and each key gets its
  own SQL text (`q.rows(*params, key=len(boards))`).

The cached query object is only read afterwards (`_get_cursor_wrapper` reads its model,
selection and joins and makes a fresh wrapper for each cursor), so threads can share it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

from flask import current_app, has_app_context

from models import db

EXTENSION = "koalicje.prepared"
SUPPORTED = (int, str, datetime)
_ARGUMENT = object()  # marks a parameter slot filled from the call's arguments


def _sentinel(kind: type, index: int, variant: int) -> Any:
    """A value of `kind` that no real query parameter is (two variants, far apart)."""
    if kind is int:
        return (1_987_654_301 + 7_919 * index) if variant == 0 else (-1_876_543_207 - 104_729 * index)
    if kind is str:
        return f"\x1fprepared-{index}\x1f" if variant == 0 else f"\x1e{index}-sentinel-value\x1e"
    return (datetime(1901, 2, 3, 4, 5, 6, 100 + index) if variant == 0
            else datetime(2198, 11, 27, 22, 58, 49, 900_000 + index))


def _kind(value: Any) -> type:
    kind = type(value)
    if kind is bool or not isinstance(value, SUPPORTED):
        raise TypeError(f"a prepared query takes int, str or datetime parameters, not {kind.__name__}")
    return datetime if isinstance(value, datetime) else (int if isinstance(value, int) else str)


def _slot(sentinels: dict[tuple[type, Any], int], param: Any) -> tuple[object, Any]:
    """A parameter of the built SQL: which argument it is, or the constant it is."""
    try:
        number = sentinels.get((type(param), param))
    except TypeError:  # an unhashable constant (a JSON value): not a sentinel
        number = None
    return (None, param) if number is None else (_ARGUMENT, number)


# A cursor wrapper's own counters, never shared between cursors.
_PER_CURSOR = frozenset({"cursor", "count", "index", "initialized", "populated", "row_cache"})


@dataclass
class Built:
    """One built query: its SQL text, its parameters (constants or argument numbers), and the
    query object whose cursor wrapper turns rows into what Peewee returns.

    `columns` is what the wrapper's `initialize()` worked out from the first result's column
    description (which column goes to which model and field, with which converter): the
    same text always has the same columns, so later wrappers start from it instead of
    resolving the columns again. Set once, then only read."""

    sql: str
    slots: tuple[tuple[object, Any], ...]  # (_ARGUMENT, argument number) or (None, constant)
    query: Any
    columns: dict[str, Any] | None = None

    def bind(self, params: Sequence[Any]) -> list[Any]:
        return [params[value] if mark is _ARGUMENT else value for mark, value in self.slots]


class Prepared:
    """A query built once per engine (and key) with sentinel parameters; see the module."""

    def __init__(self, build: Callable[..., Any], *, keyed: bool = False) -> None:
        self.build = build
        self.keyed = keyed
        self.name = f"{build.__module__}.{build.__qualname__}"

    def __repr__(self) -> str:
        return f"<Prepared {self.name}>"

    # --- building ---------------------------------------------------------------------

    def _build(self, kinds: tuple[type, ...], key: Hashable) -> Built:
        builds = []
        for variant in (0, 1):
            sentinels = [_sentinel(kind, i, variant) for i, kind in enumerate(kinds)]
            query = self.build(key, *sentinels) if self.keyed else self.build(*sentinels)
            sql, params = db.get_sql_context().sql(query).query()
            where = {(type(s), s): i for i, s in enumerate(sentinels)}
            slots = tuple(_slot(where, p) for p in params)
            builds.append(Built(sql, slots, query))
        first, second = builds
        if first.sql != second.sql or first.slots != second.slots:
            raise TypeError(f"{self.name}: the query's shape depends on its parameter values; "
                            "declare it keyed=True and pass what decides the shape as key")
        used = {value for mark, value in first.slots if mark is _ARGUMENT}
        if used != set(range(len(kinds))):
            raise TypeError(f"{self.name}: parameters {sorted(set(range(len(kinds))) - used)} "
                            "do not reach the SQL unchanged (transformed, inlined or unused)")
        return first

    def built(self, params: Sequence[Any], key: Hashable = None) -> Built:
        """The built query for these parameters' types on the current engine (cached in the
        app's extensions; outside an app context built every time)."""
        if self.keyed == (key is None):
            raise TypeError(f"{self.name}: " + ("needs a key" if self.keyed else "takes no key"))
        if not has_app_context():
            return self._build(tuple(_kind(p) for p in params), key)
        cache = current_app.extensions.setdefault(EXTENSION, {})
        engine = type(db.obj)
        # Parameters of exactly int, str or datetime are their own kinds: found without
        # checking each (a query of ~230 parameters pays ~70 µs for the checks). No other
        # type is ever a kept key, so anything else is checked below.
        entry = cache.get((self, engine, key, tuple(map(type, params))))
        if entry is not None:
            return entry
        kinds = tuple(_kind(p) for p in params)
        entry = cache.get((self, engine, key, kinds))
        if entry is None:
            # Two threads may both build the first time: same result, either one kept.
            entry = cache[(self, engine, key, kinds)] = self._build(kinds, key)
        return entry

    # --- running ----------------------------------------------------------------------

    def execute(self, *params: Any, key: Hashable = None):
        """Run the query; returns the query's own cursor wrapper (iterable, like
        `query.execute()`)."""
        return self._run(self.built(params, key), params)

    def _run(self, built: Built, params: Sequence[Any]):
        cursor = db.execute_sql(built.sql, built.bind(params))
        wrapper = built.query._get_cursor_wrapper(cursor)
        if built.columns is not None:
            wrapper.__dict__.update(built.columns)
            wrapper.initialized = True
        return wrapper

    def fetchall(self, *params: Any, key: Hashable = None) -> list[tuple]:
        """The rows as the database driver gives them, without Peewee's row wrapper (about
        2 µs a row less): for `.tuples()` queries of ints and text, whose values the
        wrapper would give unchanged on both engines."""
        built = self.built(params, key)
        return db.execute_sql(built.sql, built.bind(params)).fetchall()

    def rows(self, *params: Any, key: Hashable = None) -> list[Any]:
        """Every row, as `list(query)` gives them."""
        built = self.built(params, key)
        wrapper = self._run(built, params)
        if built.columns is not None:
            return list(wrapper)
        before = dict(vars(wrapper))
        rows = list(wrapper)
        if wrapper.initialized:  # only once a row came: keep what initialize() worked out
            built.columns = {name: value for name, value in vars(wrapper).items()
                             if name not in _PER_CURSOR and before.get(name, _ARGUMENT) is not value}
        return rows

    def first(self, *params: Any, key: Hashable = None) -> Any | None:
        """The first row or None (the builder should limit the query to one row)."""
        rows = self.rows(*params, key=key)
        return rows[0] if rows else None


@overload
def prepared(build: Callable[..., Any]) -> Prepared: ...
@overload
def prepared(*, keyed: bool = False) -> Callable[[Callable[..., Any]], Prepared]: ...


def prepared(build=None, *, keyed=False):
    """Decorator: `@prepared` or `@prepared(keyed=True)` over a function building the query."""
    if build is not None:
        return Prepared(build)
    return lambda fn: Prepared(fn, keyed=keyed)


def forget(app) -> None:
    """Drop every built query of `app` (tests; a schema change in a running process)."""
    app.extensions.pop(EXTENSION, None)


def padded_ids(ids: list[int]) -> tuple[int, ...]:
    """`ids` with the last repeated up to the next power of two (the same IN condition with
    one of few lengths, so a prepared query has few texts)."""
    if not ids:
        return ()
    size = 1 << (len(ids) - 1).bit_length()
    return (*ids, *[ids[-1]] * (size - len(ids)))
