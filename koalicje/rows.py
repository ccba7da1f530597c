"""Models made from rows as the database driver gives them, as Peewee's cursor wrapper makes
them (its per-row column resolution and dict building cost more than the few rows every
page reads): for `Model.select()` columns, all of a model's fields in their order; and the
one converter of a driver's timestamps (`to_datetime`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from peewee import DateTimeField, format_date_time

_PARSE = datetime.fromisoformat
_FORMATS = DateTimeField.formats


def field_count(model: type) -> int:
    return len(model._meta.sorted_fields)


def model_from_row(model: type, row: Sequence[Any], start: int = 0) -> Any:
    """The `model` instance of `row[start:start + field_count(model)]` (each field's value
    converted by its `python_value`, as Peewee does), with nothing marked changed."""
    fields = model._meta.sorted_fields
    if len(row) < start + len(fields):
        raise TypeError(f"a row of {len(row)} columns holds no {model.__name__} from {start}")
    instance = model(__no_default__=1, **{
        field.name: field.python_value(value)
        for field, value in zip(fields, row[start:start + len(fields)], strict=True)})
    instance._dirty.clear()
    return instance


def to_datetime(value: Any) -> Any:
    """A timestamp as a model holds it, from what a database driver gives for a DATETIME
    column or an expression over one (SQLite: text; PostgreSQL: a datetime): text by
    `datetime.fromisoformat` (what Peewee's DateTimeField tries first, after rewrites
    Python 3.11's parser needs no more) and, if it refuses, by Peewee's own formats (text
    none of them reads stays as it is, as in a Peewee model); a datetime as it is; a date
    at midnight; None, and SQLite's empty text, as None. Every reader of rows made without
    Peewee's wrapper converts through it (the board's listings, the trainer's pages)."""
    if value.__class__ is str:
        try:
            return _PARSE(value)
        except ValueError:
            return format_date_time(value, _FORMATS) if value else None
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value
