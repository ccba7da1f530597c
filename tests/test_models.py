"""Database reliability: SQLite settings, migrations that keep data, concurrent writers,
and the health check."""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import time

import pytest
from conftest import PASSWORD, make_coalition, make_user
from peewee import IntegrityError
from werkzeug.security import generate_password_hash

import models
from app import create_app
from models import (
    SCHEMA_VERSION,
    Membership,
    SchemaVersion,
    User,
    create_or_migrate,
    current_version,
    db,
    write_transaction,
)


def bare_app(tmp_path, name: str = "bare.sqlite3"):
    """An app whose database file has no schema yet."""
    return create_app({
        "TESTING": True, "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / name}",
        "INSTANCE_PATH": str(tmp_path / "instance"), "BACKUP_DIR": str(tmp_path / "backups"),
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
        "PREFERRED_URL_SCHEME": "http",
    })


# --- SQLite settings ------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_busy_timeout(database):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_foreign_keys_are_enforced(database):
    coalition = make_coalition()
    with pytest.raises(IntegrityError), write_transaction():
        Membership.create(user=999999, coalition=coalition)
    # Deleting a user removes their memberships (ON DELETE CASCADE).
    user = make_user()
    Membership.create(user=user, coalition=coalition)
    user.delete_instance()
    assert Membership.select().count() == 0


@pytest.mark.sqlite_only
def test_write_transaction_takes_the_write_lock_first(database, app, tmp_path):
    """BEGIN IMMEDIATE: while one connection writes, another cannot even start a write."""
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0.1)
    try:
        with write_transaction():
            User.select().count()  # only a read so far: the lock was taken at BEGIN
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


# --- migrations -----------------------------------------------------------------------------

VERSION_1_SCHEMA = """
CREATE TABLE "user" (
    "id" INTEGER NOT NULL PRIMARY KEY, "email" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL, "password_hash" VARCHAR(255) NOT NULL,
    "role" VARCHAR(255) NOT NULL, "locale" VARCHAR(255) NOT NULL, "active" INTEGER NOT NULL,
    "session_token" VARCHAR(255) NOT NULL, "created_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "user_email" ON "user" ("email");
CREATE UNIQUE INDEX "user_session_token" ON "user" ("session_token");
CREATE INDEX "user_role" ON "user" ("role");
CREATE TABLE "coalition" (
    "id" INTEGER NOT NULL PRIMARY KEY, "slug" VARCHAR(255) NOT NULL, "name" VARCHAR(255) NOT NULL,
    "gmina" VARCHAR(255) NOT NULL, "voivodeship" VARCHAR(255) NOT NULL,
    "library" VARCHAR(255) NOT NULL, "round" INTEGER NOT NULL, "founded" DATE,
    "goals" TEXT NOT NULL, "created_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "coalition_slug" ON "coalition" ("slug");
CREATE TABLE "membership" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "user_id" INTEGER NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    "coalition_id" INTEGER NOT NULL REFERENCES "coalition" ("id") ON DELETE CASCADE,
    "role" VARCHAR(255) NOT NULL, "sector" VARCHAR(255) NOT NULL, "joined_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "membership_user_id_coalition_id" ON "membership" ("user_id", "coalition_id");
"""


def build_version_1(path, with_empty_version_table: bool = False) -> None:
    """The schema as version 0.1 left it, with rows in it, written with plain SQL."""
    connection = sqlite3.connect(path)
    connection.executescript(VERSION_1_SCHEMA)
    if with_empty_version_table:
        connection.execute('CREATE TABLE "schema_version" ("id" INTEGER NOT NULL PRIMARY KEY, '
                           '"version" INTEGER NOT NULL, "applied_at" DATETIME NOT NULL)')
    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    connection.executemany(
        'INSERT INTO "user" (id, email, name, password_hash, role, locale, active, '
        'session_token, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)',
        [(1, "stara@example.org", "Stara Użytkowniczka", hashed, "user", "pl", "tok-1",
          "2013-01-05 10:00:00"),
         (2, "admin-stary@example.org", "Stary Admin", hashed, "admin", "en", "tok-2",
          "2013-01-06 11:00:00")],
    )
    connection.execute(
        'INSERT INTO "coalition" VALUES (1, \'stara-koalicja\', \'Stara Koalicja\', \'Zalesie\', '
        '\'lubelskie\', \'GBP w Zalesiu\', 1, \'2010-11-18\', \'Cele\', \'2013-01-05 10:00:00\')'
    )
    connection.execute('INSERT INTO "membership" VALUES (1, 1, 1, \'coordinator\', '
                       '\'library\', \'2013-01-05 10:00:00\')')
    connection.commit()
    connection.close()


@pytest.mark.parametrize("with_empty_version_table", [False, True])
def test_migration_from_version_1_keeps_rows(tmp_path, with_empty_version_table):
    path = tmp_path / "old.sqlite3"
    build_version_1(path, with_empty_version_table)
    app = bare_app(tmp_path, "old.sqlite3")
    with app.app_context(), db.connection_context():
        # No version table reads as "not known" (None); an empty one as version 1.
        assert current_version() == (1 if with_empty_version_table else None)
        applied = create_or_migrate()
        assert applied == [v for v in sorted(models.MIGRATIONS) if v > 1]
        assert "last_login_at" in {c.name for c in db.get_columns("user")}
        assert current_version() == SCHEMA_VERSION
        users = {u.email: u for u in User.select()}
        assert set(users) == {"stara@example.org", "admin-stary@example.org"}
        assert users["stara@example.org"].name == "Stara Użytkowniczka"
        assert users["stara@example.org"].last_login_at is None
        assert users["admin-stary@example.org"].role == "admin"
        membership = Membership.get_by_id(1)
        assert (membership.user.email, membership.coalition.slug, membership.role) == (
            "stara@example.org", "stara-koalicja", "coordinator")
        # Migration 10: the directory's folded search columns, filled from the rows.
        assert (membership.coalition.gmina_folded, membership.coalition.library_folded) == (
            "zalesie", "gbp w zalesiu")
        # Tables added since version 1 exist now.
        for model in models.MODELS:
            assert db.table_exists(model._meta.table_name), model
        # Running it again changes nothing.
        assert create_or_migrate() == []
        assert SchemaVersion.select().count() == 1
    # The migrated user signs in, which writes the new column.
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    from conftest import csrf_from

    response = client.post("/login", data={"email": "stara@example.org", "password": PASSWORD,
                                           "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    with app.app_context(), db.connection_context():
        assert User.get(User.email == "stara@example.org").last_login_at is not None


def test_fresh_database_gets_current_version(tmp_path):
    app = bare_app(tmp_path)
    with app.app_context(), db.connection_context():
        assert current_version() is None
        assert create_or_migrate() == []
        assert current_version() == SCHEMA_VERSION
        assert create_or_migrate() == []
        assert SchemaVersion.select().count() == 1


# --- concurrent writers ---------------------------------------------------------------------

PROCESSES = 4
INCREMENTS = 40


def _increment(url: str, times: int, start) -> None:
    """A separate process with its own connection: read, pause, write, `times` times."""
    models.init_db(url)
    models.db.connect()
    start.wait(10)
    for _ in range(times):
        with models.write_transaction():
            (value,) = models.db.execute_sql("SELECT value FROM counter WHERE id = 1").fetchone()
            time.sleep(0.001)  # widen the window between read and write
            models.db.execute_sql(
                f"UPDATE counter SET value = {models.db.param} WHERE id = 1", (value + 1,)
            )
    models.db.close()


def test_concurrent_writers_lose_nothing(app, database):
    """Runs on SQLite (BEGIN IMMEDIATE) and on PostgreSQL (advisory write lock) alike."""
    url = app.config["DATABASE_URL"]
    db.execute_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
    db.execute_sql("INSERT INTO counter (id, value) VALUES (1, 0)")
    db.close()
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=_increment, args=(url, INCREMENTS, start))
               for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    db.connect(reuse_if_open=True)
    (total,) = db.execute_sql("SELECT value FROM counter WHERE id = 1").fetchone()
    assert total == PROCESSES * INCREMENTS


# --- health check ---------------------------------------------------------------------------


def test_healthz_is_200_with_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_does_not_load_the_signed_in_user(client, auth):
    make_user(email="h@example.org")
    auth.login("h@example.org")
    assert client.get("/").status_code == 200  # signed in
    with models.count_queries() as queries:
        response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    assert queries.count == 1  # SELECT 1: no session or user lookup


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    app = create_app({
        "TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{folder / 'koalicje.sqlite3'}",
    })
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    # The database file's folder disappears and a folder stands where the file was.
    shutil.rmtree(folder)
    (folder / "koalicje.sqlite3").mkdir(parents=True)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
