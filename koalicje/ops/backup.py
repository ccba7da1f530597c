"""Consistent online backups and restores of the database."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from koalicje.config import local_now
from models import db, is_sqlite


class BackupError(Exception):
    pass


def _sqlite_path(config: dict[str, Any]) -> Path:
    return Path(config["DATABASE_URL"].removeprefix("sqlite:///"))


def backup(config: dict[str, Any], output: str | None = None) -> Path:
    """Copy the live database without stopping the app (SQLite backup API or pg_dump)."""
    stamp = local_now(config).strftime("%Y%m%d-%H%M%S")
    directory = Path(config["BACKUP_DIR"])
    if is_sqlite():
        target = Path(output) if output else directory / f"koalicje-{stamp}.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        destination = sqlite3.connect(target)
        try:
            db.connection().backup(destination)
        finally:
            destination.close()
        return target
    target = Path(output) if output else directory / f"koalicje-{stamp}.sql"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        subprocess.run(["pg_dump", "--no-owner", config["DATABASE_URL"]], stdout=out, check=True)
    return target


def restore(config: dict[str, Any], source: str) -> None:
    """Replace the SQLite database with a backup after checking the backup's integrity."""
    if not config["DATABASE_URL"].startswith("sqlite"):
        raise BackupError("Restore PostgreSQL backups with psql: psql DATABASE_URL < file.sql")
    try:
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
        has_users = check.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='user'"
        ).fetchone()[0]
        check.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} is not a readable SQLite database: {error}") from error
    if result != "ok" or not has_users:
        raise BackupError(f"{source} is not a Koalicje backup (integrity: {result}).")
    target = _sqlite_path(config)
    if not db.is_closed():
        db.close()
    source_db = sqlite3.connect(source)
    target_db = sqlite3.connect(target)
    try:
        source_db.backup(target_db)
    finally:
        source_db.close()
        target_db.close()
