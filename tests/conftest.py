"""Fixtures: an app with a fresh database per test, clients, data factories.

The database is a temporary SQLite file; with KOALICJE_TEST_DATABASE_URL set to an empty
PostgreSQL database (postgresql://...), every test runs there instead, on a fresh schema.
Tests of SQLite-only behaviour carry `@pytest.mark.sqlite_only` and are skipped then.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from factories import PASSWORD, add_member, assign, make_coalition, make_user

from app import create_app
from models import (  # noqa: F401 - count_queries is the tests' import point
    Coalition,
    Membership,
    TrainerAssignment,
    User,
    count_queries,
    create_or_migrate,
    db,
)

__all__ = ["PASSWORD", "add_member", "assign", "make_coalition", "make_user"]  # re-exported
TEST_DATABASE_URL = os.environ.get("KOALICJE_TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgres")


def pytest_collection_modifyitems(config, items):
    if not ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="SQLite-only behaviour; this run uses PostgreSQL")
    for item in items:
        if "sqlite_only" in item.keywords or "browser" in item.keywords:
            item.add_marker(skip)


def _reset_postgres_schema() -> None:
    db.execute_sql("DROP SCHEMA public CASCADE")
    db.execute_sql("CREATE SCHEMA public")


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": TEST_DATABASE_URL if ON_POSTGRES
            else f"sqlite:///{tmp_path / 'test.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "BACKUP_DIR": str(tmp_path / "backups"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            "SESSION_COOKIE_SECURE": False,
            "PREFERRED_URL_SCHEME": "http",
            "REMEMBER_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        db.connect(reuse_if_open=True)
        if ON_POSTGRES:
            _reset_postgres_schema()
        create_or_migrate()
        db.close()
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture(autouse=True)
def _fast_password_hash(monkeypatch):
    """scrypt costs ~0.1 s a hash; tests use a cheap pbkdf2 round instead."""
    import werkzeug.security

    original = werkzeug.security.generate_password_hash

    def cheap(password: str, method: str = "pbkdf2:sha256:1000", salt_length: int = 8) -> str:
        return original(password, method="pbkdf2:sha256:1000", salt_length=salt_length)

    monkeypatch.setattr("models.generate_password_hash", cheap)
    monkeypatch.setattr("koalicje.accounts.generate_password_hash", cheap)


@pytest.fixture
def database(app) -> Iterator[None]:
    """An open connection for tests that call domain functions directly."""
    db.connect(reuse_if_open=True)
    yield
    if not db.is_closed():
        db.close()


class HtmxClient:
    """Wraps a test client: sends HX-Request and the CSRF token like htmx in the browser."""

    def __init__(self, client):
        self.client = client

    def _headers(self, headers):
        return {"HX-Request": "true", **(headers or {})}

    def get(self, url, headers=None, **kwargs):
        return self.client.get(url, headers=self._headers(headers), **kwargs)

    def post(self, url, headers=None, **kwargs):
        return self.client.post(url, headers=self._headers(headers), **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def htmx(client):
    return HtmxClient(client)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories -----------------------------------------------------------------------------


@pytest.fixture
def factories(database):
    """Access to the data factories with an open connection."""

    class F:
        user = staticmethod(make_user)
        coalition = staticmethod(make_coalition)
        member = staticmethod(add_member)
        assign_trainer = staticmethod(assign)

    return F


# --- signing in ----------------------------------------------------------------------------


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        match = re.search(r'"X-CSRFToken": "([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, follow: bool = False):
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=follow,
        )

    def as_user(self, user: User):
        response = self.login(user.email)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return user

    def logout(self):
        token = self.csrf()
        return self.client.post("/logout", data={"csrf_token": token})

    def csrf(self) -> str:
        """A valid CSRF token for the current session (read from the home page)."""
        return csrf_from(self.client.get("/").get_data(as_text=True))


@pytest.fixture
def auth(client):
    return Auth(client)


def cookie_contents(app, client) -> str:
    """What the signed (not encrypted) session cookie carries, as anyone holding it reads it."""
    serializer = app.session_interface.get_signing_serializer(app)
    return repr(serializer.loads(client.get_cookie("session").value))


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def captured_sql(run) -> list[tuple[str, tuple]]:
    """Every SQL statement `run()` executes, with its parameters (to explain or replay)."""
    captured: list[tuple[str, tuple]] = []
    original = db.obj.execute_sql

    def capture(sql, params=None, *args, **kwargs):
        captured.append((sql, params))
        return original(sql, params, *args, **kwargs)

    db.obj.execute_sql = capture
    try:
        run()
    finally:
        db.obj.execute_sql = original
    return captured


@pytest.fixture(scope="session")
def smtp_cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, for the SMTP servers in tests/smtp_server.py."""
    from smtp_server import make_certificate

    return make_certificate(tmp_path_factory.mktemp("smtp"))
