"""Moving from SQLite to PostgreSQL: copy every table, keep every id, set the sequences,
rebuild the search index, then prove the copy with row counts and checksums.

`flask db copy-to-postgres postgresql://...` copies the app's SQLite database (DATABASE_URL)
into an empty PostgreSQL database in one transaction: either everything is copied and
verified, or the target is left as it was. Rows are read and written through the models, so
every value (dates, booleans, JSON) arrives as the app would have written it on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from peewee import AutoField, Database, PostgresqlDatabase, SqliteDatabase

from models import MODELS, SCHEMA_VERSION, BaseModel, SchemaVersion, make_database

BATCH = 500


class CopyError(Exception):
    """The copy cannot start or did not verify; nothing was committed to the target."""


@dataclass
class TableReport:
    table: str
    rows: int
    checksum: str


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):
        # peewee's FloatField is REAL on both engines, but REAL is 8 bytes in SQLite and
        # 4 bytes in PostgreSQL: compare at the precision PostgreSQL keeps (6 digits).
        return f"{value:.6g}"
    return value


def _rows(model: type[BaseModel], database: Database) -> Iterator[tuple]:
    query = model.select().order_by(*_order(model)).tuples().bind(database)
    yield from query.iterator()


def _order(model: type[BaseModel]) -> list:
    pk = model._meta.primary_key
    return [pk] if pk is not None and not isinstance(pk, bool) else model._meta.sorted_fields


def table_report(model: type[BaseModel], database: Database) -> TableReport:
    """Row count and a SHA-256 over every row (in primary-key order) as the model reads it."""
    digest, count = hashlib.sha256(), 0
    for row in _rows(model, database):
        digest.update(json.dumps([_canonical(v) for v in row], default=str,
                                 sort_keys=True).encode())
        digest.update(b"\n")
        count += 1
    return TableReport(model._meta.table_name, count, digest.hexdigest())


def _check_source(source: Database) -> None:
    if not isinstance(source, SqliteDatabase):
        raise CopyError("DATABASE_URL is not an SQLite database: nothing to move.")
    if not source.table_exists("user"):
        raise CopyError("The SQLite database has no Koalicje tables.")
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).bind(source).first()
    if row is None or row.version != SCHEMA_VERSION:
        raise CopyError("The SQLite database is not at the current schema version: run "
                        "`flask db upgrade` first.")


def _check_target(target: Database) -> None:
    if not isinstance(target, PostgresqlDatabase):
        raise CopyError("The target must be a postgresql:// database.")
    existing = set(target.get_tables())
    for model in MODELS:
        name = model._meta.table_name
        if name in existing and model.select().bind(target).exists():
            raise CopyError(f"The PostgreSQL database is not empty (table {name} has rows).")


def _reset_sequences(target: Database) -> None:
    for model in MODELS:
        pk = model._meta.primary_key
        if isinstance(pk, AutoField):
            table = model._meta.table_name
            target.execute_sql(
                f'SELECT setval(pg_get_serial_sequence(%s, %s), '
                f'COALESCE((SELECT MAX("{pk.column_name}") FROM "{table}"), 1), '
                f'(SELECT MAX("{pk.column_name}") FROM "{table}") IS NOT NULL)',
                (f'"{table}"', pk.column_name),
            )


def _rebuild_search_index(target: Database) -> None:
    """The board's search index, built from the copied posts by the same function `flask db
    upgrade` uses (on PostgreSQL search reads the post table itself, so it has nothing to do
    unless a deployment's schema adds an index there), and the triggers that keep the
    boards' post tally (copied as a table) from now on."""
    from models import (
        create_board_search_index,
        create_coalition_figures,
        create_post_tally,
        create_profile_triggers,
        db,
    )

    previous = db.obj
    db.initialize(target)
    try:
        create_board_search_index()
        create_post_tally(fill=False)  # the triggers that keep the copied tally
        create_profile_triggers()  # and those that keep the copied profiles right
        create_coalition_figures(fill=False)  # and the copied coalition figures
    finally:
        db.initialize(previous)


def copy_sqlite_to_postgres(source_url: str, target_url: str,
                            echo: Callable[[str], None] = lambda line: None) -> list[TableReport]:
    """Copy every table of the SQLite database into the empty PostgreSQL one and verify it.

    Returns the per-table reports (identical on both sides). Raises CopyError, leaving the
    target untouched, when the source or target is unsuitable or the copy does not verify.
    """
    source, target = make_database(source_url), make_database(target_url)
    source.connect()
    target.connect()
    try:
        _check_source(source)
        _check_target(target)
        with target.atomic():
            with target.bind_ctx(MODELS, bind_refs=False, bind_backrefs=False):
                target.create_tables(MODELS, safe=True)
            for model in MODELS:
                fields = model._meta.sorted_fields
                batch: list[tuple] = []
                for row in _rows(model, source):
                    batch.append(row)
                    if len(batch) >= BATCH:
                        model.insert_many(batch, fields=fields).execute(target)
                        batch = []
                if batch:
                    model.insert_many(batch, fields=fields).execute(target)
            _reset_sequences(target)
            _rebuild_search_index(target)
            reports = []
            for model in MODELS:
                before, after = table_report(model, source), table_report(model, target)
                if before != after:
                    raise CopyError(f"{before.table}: {before.rows} rows in SQLite, "
                                    f"{after.rows} in PostgreSQL, or the contents differ.")
                echo(f"{before.table}: {before.rows} rows, sha256 {before.checksum[:16]}… ok")
                reports.append(before)
        return reports
    finally:
        source.close()
        target.close()
