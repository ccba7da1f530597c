"""`flask db copy-to-postgres`: a whole SQLite database (demo data plus generated rows) into
an empty PostgreSQL database, with ids, sequences and a row-count and checksum comparison.

Needs a PostgreSQL server: it creates a scratch database next to KOALICJE_TEST_DATABASE_URL
(the PostgreSQL pass of .ci/run sets it) and drops it afterwards.
"""

from __future__ import annotations

import os
import random
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from conftest import csrf_from, soup

from app import create_app
from koalicje.ops import copy_db
from koalicje.ops.demo import DEMO_PASSWORD
from models import MODELS, Comment, Post, QuizAttempt, User, db, init_db, utcnow

SERVER_URL = os.environ.get("KOALICJE_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not SERVER_URL.startswith("postgres"),
    reason="needs a PostgreSQL server: set KOALICJE_TEST_DATABASE_URL (the CI's PostgreSQL pass does)",
)


def _admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(SERVER_URL)
    connection.autocommit = True
    try:
        connection.cursor().execute(sql)
    finally:
        connection.close()


@pytest.fixture
def target_url():
    parts = urlsplit(SERVER_URL)
    name = f"{parts.path.lstrip('/')}_copy_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    if not db.is_closed():
        db.close()
    init_db("sqlite:///:memory:")  # let go of the scratch database before dropping it
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'source.sqlite3'}",
        "INSTANCE_PATH": str(tmp_path / "instance"), "UPLOAD_DIR": str(tmp_path / "uploads"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "SESSION_COOKIE_SECURE": False,
        "PREFERRED_URL_SCHEME": "http", "REMEMBER_COOKIE_SECURE": False,
    })
    runner = app.test_cli_runner()
    for command in (["db", "upgrade"], ["content", "sync"], ["demo", "load"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    return app


def _generate_rows(seed: int = 12) -> None:
    """Rows the demo does not have: many posts and comments with awkward text, attempts
    with fractional scores, gaps in the ids."""
    rng = random.Random(seed)
    users = list(User.select())
    with db.atomic():
        for n in range(300):
            post = Post.create(
                coalition=None, author=rng.choice(users), title=f"Wpis {n} — zażółć 🎉 \"'",
                body_source=f"Treść {n}\n\n* punkt; przecinek, \\ ukośnik", body_html=f"<p>{n}</p>",
                created_at=utcnow() - timedelta(minutes=rng.randrange(100_000)),
                pinned=rng.random() < 0.1,
            )
            for m in range(rng.randrange(3)):
                Comment.create(post=post, author=rng.choice(users), body_source=f"Komentarz {m}",
                               body_html=f"<p>Komentarz {m}</p>")
        gaps = [post.id for post in Post.select(Post.id) if post.id % 7 == 0]
        Post.delete().where(Post.id.in_(gaps)).execute()  # gaps in the ids
        for attempt in QuizAttempt.select():
            QuizAttempt.update(score=rng.random()).where(QuizAttempt.id == attempt.id).execute()


def test_copy_demo_data_and_generated_rows(sqlite_app, target_url):
    with sqlite_app.app_context(), db.connection_context():
        _generate_rows()
        before = {m._meta.table_name: copy_db.table_report(m, db.obj) for m in MODELS}
        max_post = Post.select().order_by(Post.id.desc()).first().id
    assert before["post"].rows > 250 and before["module"].rows > 0

    result = sqlite_app.test_cli_runner().invoke(args=["db", "copy-to-postgres", target_url])
    assert result.exit_code == 0, result.output
    assert "counts and checksums match" in result.output

    # Checked again from outside the command, through a fresh connection to PostgreSQL.
    from models import make_database

    target = make_database(target_url)
    with target.connection_context():
        after = {m._meta.table_name: copy_db.table_report(m, target) for m in MODELS}
    assert after == before

    # The app runs on the copy: sign-in works, and new rows get fresh ids (sequences set).
    pg_app = create_app({**{k: sqlite_app.config[k] for k in (
        "TESTING", "SECRET_KEY", "UPLOAD_DIR", "MAIL_OUTBOX_DIR", "SESSION_COOKIE_SECURE")},
        "INSTANCE_PATH": sqlite_app.instance_path, "DATABASE_URL": target_url,
        "PREFERRED_URL_SCHEME": "http", "REMEMBER_COOKIE_SECURE": False})
    client = pg_app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "admin@example.org",
                                           "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 303, soup(response).select_one("main").get_text(" ", strip=True)
    with pg_app.app_context(), db.connection_context():
        new = Post.create(coalition=None, author=User.select().first(), title="Po przeprowadzce",
                          body_source="x", body_html="x")
        assert new.id == max_post + 1
        from koalicje.board import search

        assert Post.select().where(search.search_condition("przeprowadzce")).count() == 1


def test_refuses_a_target_that_is_not_empty(sqlite_app, target_url):
    runner = sqlite_app.test_cli_runner()
    assert runner.invoke(args=["db", "copy-to-postgres", target_url]).exit_code == 0
    again = runner.invoke(args=["db", "copy-to-postgres", target_url])
    assert again.exit_code != 0 and "not empty" in again.output
