"""The database doing less per request: one kept connection per worker on SQLite (its
PRAGMAs run once), fresh planner statistics after migrations."""

from __future__ import annotations

import pytest

import models
from models import create_or_migrate, db, is_sqlite


def test_sqlite_keeps_one_connection_across_requests(app, client, monkeypatch):
    connects = []
    original = type(db.obj)._connect

    def counting(self, *args, **kwargs):
        connects.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(db.obj), "_connect", counting)
    for path in ("/login", "/healthz", "/login", "/"):
        assert client.get(path).status_code in (200, 302)
    if is_sqlite():
        assert len(connects) == 1  # and so the PRAGMAs ran once
        assert not db.is_closed()
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    else:  # PostgreSQL: a connection per request, closed afterwards
        assert len(connects) == 4
        assert db.is_closed()


@pytest.mark.sqlite_only
def test_a_replaced_database_file_gets_a_new_connection(app, client, tmp_path):
    assert client.get("/login").status_code == 200
    first = db.connection()
    path = db.obj.database
    # Another process replaces the file (e.g. a restore copied over it by hand).
    import shutil

    shutil.copyfile(path, tmp_path / "copy.sqlite3")
    (tmp_path / "test.sqlite3").unlink()
    shutil.copyfile(tmp_path / "copy.sqlite3", path)
    assert client.get("/login").status_code == 200
    assert db.connection() is not first


def test_migrate_refreshes_planner_statistics(app, factories):
    factories.user()
    create_or_migrate()  # not a fresh database now: statistics are gathered
    if is_sqlite():
        tables = {row[0] for row in db.execute_sql("SELECT tbl FROM sqlite_stat1")}
        assert "user" in tables
    else:
        row = db.execute_sql(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'user'").fetchone()
        assert row and row[0] is not None


def test_a_fresh_database_is_not_analysed(app, database, monkeypatch):
    calls = []
    monkeypatch.setattr(models, "analyze", lambda: calls.append(1))
    create_or_migrate()
    assert calls == [1]  # the fixture's database already has tables: not fresh
    if is_sqlite():
        db.close()
        fresh = app.config["DATABASE_URL"].removeprefix("sqlite:///") + ".fresh"
        models.init_db(f"sqlite:///{fresh}")
        with db.connection_context():
            create_or_migrate()
        assert calls == [1]


def test_hourly_optimize_on_a_kept_connection(app, client, monkeypatch):
    import app as app_module

    calls = []
    monkeypatch.setattr(app_module, "optimize", lambda: calls.append(1))
    client.get("/login")
    assert calls == []
    app.extensions["koalicje.optimized_at"] -= app_module.OPTIMIZE_EVERY_SECONDS + 1
    client.get("/login")
    assert calls == ([1] if is_sqlite() else [])
