"""Models made from rows as the database driver gives them, as Peewee's cursor wrapper makes
them (its per-row column resolution and dict building cost more than the few rows every
page reads): for `Model.select()` columns, all of a model's fields in their order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


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
