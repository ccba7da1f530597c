"""Flask CLI: schema upgrade, demo data, user creation, backup and restore."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import ON_POSTGRES, make_coalition, make_user
from test_models import build_version_1

import models
from app import create_app
from koalicje.ops import demo
from models import SCHEMA_VERSION, Coalition, User, current_version, db


def table_counts() -> dict[str, int]:
    with db.connection_context():
        return {model._meta.table_name: model.select().count() for model in models.MODELS}


@pytest.fixture
def fresh_app(tmp_path):
    """An app on a database file that does not exist yet."""
    return create_app({
        "TESTING": True, "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh' / 'koalicje.sqlite3'}",
        "INSTANCE_PATH": str(tmp_path / "instance"), "BACKUP_DIR": str(tmp_path / "backups"),
    })


# --- db upgrade -----------------------------------------------------------------------------


def test_db_upgrade_on_a_fresh_database_and_again(fresh_app):
    runner = fresh_app.test_cli_runner()
    first = runner.invoke(args=["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert f"Created the schema (version {SCHEMA_VERSION})" in first.output
    with db.connection_context():
        for model in models.MODELS:
            assert db.table_exists(model._meta.table_name)
        assert current_version() == SCHEMA_VERSION
    second = runner.invoke(args=["db", "upgrade"])
    assert second.exit_code == 0, second.output
    assert "up to date" in second.output
    with db.connection_context():
        assert models.SchemaVersion.select().count() == 1


def test_db_upgrade_migrates_an_old_schema(tmp_path):
    build_version_1(tmp_path / "old.sqlite3")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "i"),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Applied migrations: 2" in result.output
    with db.connection_context():
        assert current_version() == SCHEMA_VERSION
        assert User.by_email("stara@example.org").name == "Stara Użytkowniczka"


# --- demo load ------------------------------------------------------------------------------


def test_demo_load_twice_changes_nothing_the_second_time(fresh_app):
    runner = fresh_app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    for email, _name, _role in demo.ACCOUNTS_SUMMARY:
        assert email in first.output
    after_first = table_counts()
    assert after_first["coalition"] >= 12
    assert after_first["user"] > len(demo.ACCOUNTS)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert table_counts() == after_first


def test_demo_coalitions_cover_rounds_and_voivodeships_and_keep_a_coordinator(fresh_app):
    assert fresh_app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with db.connection_context():
        coalitions = list(Coalition.select())
        assert {c.round for c in coalitions} == {1, 2, 3}
        assert len({c.voivodeship for c in coalitions}) >= 10
        assert all(c.voivodeship in models.VOIVODESHIPS for c in coalitions)
        for coalition in coalitions:
            roles = [m.role for m in coalition.memberships]
            assert "coordinator" in roles, coalition.slug
            assert len(roles) >= 2, coalition.slug
        # The five listed demo accounts are as documented.
        assert User.by_email("koordynator@example.org").memberships.get().role == "coordinator"
        assert User.by_email("trener@example.org").role == "trainer"
        assert User.by_email("admin@example.org").role == "admin"
        assert User.by_email("czlonek@example.org").check_password(demo.DEMO_PASSWORD)


# --- users create ---------------------------------------------------------------------------


def test_users_create(runner, app):
    result = runner.invoke(args=["users", "create", "--email", " Nowa@Example.org ",
                                 "--name", "Nowa Osoba", "--role", "trainer",
                                 "--password", "dlugie-haslo-1"])
    assert result.exit_code == 0, result.output
    with db.connection_context():
        user = User.by_email("nowa@example.org")
        assert (user.name, user.role) == ("Nowa Osoba", "trainer")
        assert user.check_password("dlugie-haslo-1")


def test_users_create_refuses_a_duplicate_email(runner, app):
    args = ["users", "create", "--email", "ta-sama@example.org", "--name", "Pierwsza",
            "--password", "dlugie-haslo-1"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=["users", "create", "--email", "TA-SAMA@example.org",
                                "--name", "Druga", "--password", "dlugie-haslo-2"])
    assert again.exit_code != 0
    assert "already exists" in again.output
    with db.connection_context():
        assert User.select().where(User.email == "ta-sama@example.org").count() == 1
        assert User.by_email("ta-sama@example.org").name == "Pierwsza"


def test_users_create_refuses_a_short_password(runner, app):
    result = runner.invoke(args=["users", "create", "--email", "krotkie@example.org",
                                 "--name", "Krótkie", "--password", "abc"])
    assert result.exit_code != 0
    assert "at least" in result.output
    with db.connection_context():
        assert User.by_email("krotkie@example.org") is None


def test_users_create_refuses_an_unknown_role(runner, app):
    result = runner.invoke(args=["users", "create", "--email", "rola@example.org", "--name", "R",
                                 "--role", "king", "--password", "dlugie-haslo-1"])
    assert result.exit_code != 0
    with db.connection_context():
        assert User.by_email("rola@example.org") is None


# --- backup and restore ---------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_backup_then_restore_gives_the_old_data_back(runner, app, tmp_path):
    with db.connection_context():
        make_coalition(slug="przed-kopia", name="Przed kopią")
        kept = make_user(email="zostaje@example.org")
    target = tmp_path / "kopia.sqlite3"
    result = runner.invoke(args=["db", "backup", "--output", str(target)])
    assert result.exit_code == 0, result.output
    before = table_counts()
    # Change the data after the backup.
    with db.connection_context():
        make_coalition(slug="po-kopii")
        User.delete().where(User.id == kept.id).execute()
        Coalition.update(name="Zmieniona").where(Coalition.slug == "przed-kopia").execute()
    result = runner.invoke(args=["db", "restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert table_counts() == before
    with db.connection_context():
        assert Coalition.get(Coalition.slug == "przed-kopia").name == "Przed kopią"
        assert not Coalition.select().where(Coalition.slug == "po-kopii").exists()
        assert User.by_email("zostaje@example.org") is not None


@pytest.mark.sqlite_only
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_backup_name_is_stamped_in_the_configured_time_zone(runner, app, zone):
    """Between them, the two zones are on another day than UTC at any hour."""
    from datetime import datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo

    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    assert runner.invoke(args=["db", "backup"]).exit_code == 0
    [file] = Path(app.config["BACKUP_DIR"]).glob("koalicje-*.sqlite3")
    assert file.name.startswith(f"koalicje-{datetime.now(ZoneInfo(zone)):%Y%m%d}-")


@pytest.mark.sqlite_only
def test_backup_goes_to_backup_dir_by_default(runner, app):
    result = runner.invoke(args=["db", "backup"])
    assert result.exit_code == 0, result.output
    from pathlib import Path

    files = list(Path(app.config["BACKUP_DIR"]).glob("koalicje-*.sqlite3"))
    assert len(files) == 1
    check = sqlite3.connect(files[0])
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("content", [
    b"this is not a database at all",
    b"SQLite format 3\x00" + b"\xff" * 200,
    b"",
])
def test_restore_refuses_a_malformed_file_and_keeps_the_data(runner, app, tmp_path, content):
    with db.connection_context():
        make_coalition(slug="obecna")
    before = table_counts()
    bad = tmp_path / "zepsuta.sqlite3"
    bad.write_bytes(content)
    result = runner.invoke(args=["db", "restore", str(bad), "--yes"])
    assert result.exit_code != 0
    assert "Error:" in result.output and "zepsuta.sqlite3" in result.output
    assert "Traceback" not in result.output
    assert table_counts() == before
    with db.connection_context():
        assert Coalition.select().where(Coalition.slug == "obecna").exists()


@pytest.mark.sqlite_only
def test_restore_refuses_a_database_that_is_not_a_koalicje_backup(runner, app, tmp_path):
    other = tmp_path / "inna.sqlite3"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    connection.commit()
    connection.close()
    before = table_counts()
    result = runner.invoke(args=["db", "restore", str(other), "--yes"])
    assert result.exit_code != 0
    assert "not a Koalicje backup" in result.output
    assert table_counts() == before


def test_restore_asks_before_replacing_data(runner, app, tmp_path):
    target = tmp_path / "kopia.sqlite3"
    assert runner.invoke(args=["db", "backup", "--output", str(target)]).exit_code == 0
    with db.connection_context():
        make_coalition(slug="po-kopii")
    result = runner.invoke(args=["db", "restore", str(target)], input="n\n")
    assert result.exit_code != 0
    with db.connection_context():
        assert Coalition.select().where(Coalition.slug == "po-kopii").exists()


def test_restore_of_a_missing_file_is_refused(runner, app, tmp_path):
    result = runner.invoke(args=["db", "restore", str(tmp_path / "nie-ma.sqlite3"), "--yes"])
    assert result.exit_code != 0
    assert "does not exist" in result.output


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL backups: set KOALICJE_TEST_DATABASE_URL")
def test_postgres_backup_is_a_complete_sql_dump(runner, app, tmp_path):
    with db.connection_context():
        make_user(email="kopia@example.org")
    target = tmp_path / "kopia.sql"
    result = runner.invoke(args=["db", "backup", "--output", str(target)])
    assert result.exit_code == 0, result.output
    dump = target.read_text()
    assert 'CREATE TABLE public."user"' in dump
    assert "kopia@example.org" in dump
