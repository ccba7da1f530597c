"""Faults survived, measured through HTTP under gunicorn with several workers (on SQLite,
and on PostgreSQL in the PostgreSQL pass): bounded concurrent writes all stored with no 5xx
and no "database is locked"; SIGKILL of a worker and then of the master in the middle of
writes leaves an intact database without half-written rows; a backup taken during writes is
intact. Bounded: ~200 writes from 16 clients, a few seconds on two cores."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ON_POSTGRES, add_member, make_coalition, make_user
from factories import (
    definition,
    instrument_definition,
    make_module,
    right_answers,
    statements,
    sync_content,
)

from models import (
    Comment,
    Module,
    ModuleProgress,
    Post,
    QuizAttempt,
    SelfAssessment,
    User,
    db,
    is_sqlite,
)

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
PASSWORD = "haslo-testowe-123"
CLIENTS = 16
WRITES_PER_CLIENT = 6
MODULE = "modul-obciazeniowy"
QUIZ = "czym-jest-partnerstwo"
INSTRUMENT = "partnerstwo"
KINDS = ("post", "comment", "read", "progress", "quiz", "draft")  # requests per round


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A minimal HTTP client with a cookie jar (no redirects followed)."""

    def __init__(self, port: int):
        self.port, self.cookies, self.location = port, {}, ""

    def request(self, method: str, path: str, form: dict | list | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read().decode("utf-8", "replace")
            self.location = response.getheader("Location", "")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, data
        finally:
            connection.close()

    def csrf(self, path: str = "/") -> str:
        _, page = self.request("GET", path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'"X-CSRFToken": "([^"]+)"', page)
        return match.group(1)

    def sign_in(self, email: str) -> None:
        token = self.csrf("/login")
        status, _ = self.request("POST", "/login", {"email": email, "password": PASSWORD,
                                                    "csrf_token": token})
        assert status == 303, status


@contextmanager
def gunicorn(app, tmp_path: Path, workers: int = 3):
    port = _free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test-secret",
           "SESSION_COOKIE_SECURE": "0", "PREFERRED_URL_SCHEME": "http",
           "BOARD_POSTS_PER_MINUTE": "100000", "UPLOAD_DIR": str(tmp_path / "uploads"),
           "BACKUP_DIR": str(tmp_path / "backups"), "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--graceful-timeout", "2", "app:create_app()"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Browser(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process, port, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _workers(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@pytest.fixture
def people(app):
    db.connect(reuse_if_open=True)
    coalition = make_coalition(name="Koalicja Obciążeniowa")
    users = [make_user(email=f"klient{n}@example.org") for n in range(CLIENTS)]
    for user in users:
        add_member(user, coalition)
    from koalicje.board import posts

    post = posts.create_post(users[0], coalition, title="Wątek", body="x")
    module = make_module(slug="modul-obciazeniowy")
    sync_content()
    answers = right_answers(definition(QUIZ))
    statement_ids = [s["id"] for s in statements(instrument_definition(INSTRUMENT))]
    db.close()
    return {"coalition": coalition, "users": users, "post": post, "module": module,
            "answers": answers, "statements": statement_ids}


def _writer(port: int, email: str, slug: str, post_id: int, answers: dict,
            statement_ids: list[str], count: int, results: list,
            stop: threading.Event | None = None) -> None:
    browser = Browser(port)
    try:
        browser.sign_in(email)
        token = browser.csrf(f"/board/{slug}")
        status, _ = browser.request("POST", f"/self-assessment/{INSTRUMENT}/start",
                                    {"csrf_token": token})
        assert status == 303, status
        draft = urllib.parse.urlsplit(browser.location).path  # /self-assessment/answers/<id>
    except (OSError, AssertionError, AttributeError) as error:
        results.append(("setup-failed", email, repr(error)))
        return
    n = 0
    while (stop is None and n < count) or (stop is not None and not stop.is_set()):
        n += 1
        title = f"{email} wpis {n}"
        pending = None
        try:
            status, _ = browser.request("POST", f"/board/{slug}/posts", {
                "title": title, "body": f"Treść {n} " * 20, "category": "announcement",
                "csrf_token": token})
            results.append(("post", title, status))
            body = f"{email} komentarz {n}"
            status, _ = browser.request("POST", f"/board/post/{post_id}/comments",
                                        {f"c{post_id}-body": body, "csrf_token": token})
            results.append(("comment", body, status))
            status, _ = browser.request("GET", f"/board/{slug}")  # writes the last visit
            results.append(("read", slug, status))
            status, _ = browser.request("POST", f"/learning/{MODULE}/watched",
                                        {"watched": "1", "csrf_token": token})
            results.append(("progress", email, status))
            quiz_form = [("csrf_token", token)] + [
                (f"q-{qid}", option) for qid, chosen in answers.items() for option in chosen]
            status, _ = browser.request("POST", f"/quizzes/{QUIZ}", quiz_form)
            results.append(("quiz", email, status))
            # A self-assessment draft autosaved: one statement, a value that changes each round.
            pending = (email, statement_ids[n % len(statement_ids)], 1 + n % 5)
            status, _ = browser.request("POST", f"{draft}/autosave", {
                f"s-{pending[1]}": str(pending[2]), "csrf_token": token})
            results.append(("draft", pending, status))
            pending = None
        except (OSError, http.client.HTTPException) as error:  # killed under us: not accepted
            results.append(("dropped", title, repr(error)))
            if pending:  # cut off while autosaving: stored or not, nobody was told
                results.append(("dropped-draft", pending, repr(error)))


def _run_writers(port, people, count=WRITES_PER_CLIENT, stop=None) -> tuple[list, list]:
    results: list = []
    threads = [threading.Thread(target=_writer, args=(
        port, user.email, people["coalition"].slug, people["post"].id, people["answers"],
        people["statements"], count, results, stop))
        for user in people["users"]]
    for thread in threads:
        thread.start()
    return threads, results


def _assert_accepted_writes_stored(results, drafts_too: bool = True) -> None:
    db.connect(reuse_if_open=True)
    titles = {p.title for p in Post.select(Post.title)}
    bodies = {c.body_source for c in Comment.select(Comment.body_source)}
    db.close()
    accepted_posts = [r[1] for r in results if r[0] == "post" and r[2] == 303]
    accepted_comments = [r[1] for r in results if r[0] == "comment" and r[2] == 303]
    assert accepted_posts and accepted_comments
    assert set(accepted_posts) <= titles
    assert set(accepted_comments) <= bodies
    marked = {r[1] for r in results if r[0] == "progress" and r[2] == 303}
    db.connect(reuse_if_open=True)
    rows = [(p.user.email, p.watched) for p in ModuleProgress.select(ModuleProgress, User)
            .join(User).where(ModuleProgress.module == Module.get(Module.slug == MODULE).id)]
    db.close()
    assert marked <= {email for email, watched in rows if watched}
    assert len(rows) == len({email for email, _ in rows})  # one progress row per learner
    accepted_quizzes = Counter(r[1] for r in results if r[0] == "quiz" and r[2] == 303)
    db.connect(reuse_if_open=True)
    stored = Counter(a.user.email for a in QuizAttempt.select(QuizAttempt, User).join(User))
    db.close()
    for email, count in accepted_quizzes.items():
        assert stored[email] >= count, email  # every accepted attempt is stored
    if not drafts_too:
        return
    # Drafts: the last accepted autosave of each statement is what is stored, unless a later
    # save of it was cut off by a killed server: then it may or may not have been stored, and
    # the statement keeps either that value or the one before it (none, if it had none).
    allowed: dict[tuple[str, str], set[int | None]] = {}
    for kind, answer, status in (r for r in results if r[0] in ("draft", "dropped-draft")):
        email, sid, value = answer
        if kind == "draft" and status == 303:
            allowed[(email, sid)] = {value}
        elif kind == "dropped-draft":
            allowed[(email, sid)] = allowed.get((email, sid), {None}) | {value}
    db.connect(reuse_if_open=True)
    drafts = {(row.user.email, sid): value
              for row in SelfAssessment.select(SelfAssessment, User).join(User)
              for sid, value in (row.answers or {}).items()}
    db.close()
    assert allowed
    for key, values in allowed.items():
        assert drafts.get(key) in values, key


def _assert_nothing_half_written(database_url: str) -> None:
    """Every post and comment row is whole, and the search index matches the posts."""
    db.connect(reuse_if_open=True)
    assert Post.select().where((Post.body_html == "") | Post.title.is_null()).count() == 0
    assert Comment.select().where(Comment.body_html == "").count() == 0
    if is_sqlite():
        path = database_url.removeprefix("sqlite:///")
        check = sqlite3.connect(path)
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        indexed = check.execute("SELECT count(*) FROM post_search").fetchone()[0]
        live = check.execute("SELECT count(*) FROM post WHERE deleted_at IS NULL").fetchone()[0]
        assert indexed == live
        check.close()
    db.close()


def _wait_for_accepted(results: list, count: int, timeout: float = 60) -> None:
    """Wait until `count` posts have been accepted (the writes are really under way)."""
    deadline = time.monotonic() + timeout
    while sum(1 for r in list(results) if r[0] == "post" and r[2] == 303) < count:
        assert time.monotonic() < deadline, f"writes did not get going: {results[-3:]}"
        time.sleep(0.1)


def test_concurrent_writes_under_gunicorn_are_all_stored(app, tmp_path, people):
    with gunicorn(app, tmp_path) as (process, port, log):
        threads, results = _run_writers(port, people)
        for thread in threads:
            thread.join(timeout=120)
        server_log = log.read_text()
    assert [r for r in results if r[0] == "setup-failed"] == []
    statuses = [r[2] for r in results if not r[0].startswith("dropped")]
    assert len(statuses) == CLIENTS * WRITES_PER_CLIENT * len(KINDS)
    assert all(status < 500 for status in statuses), sorted(set(statuses))
    assert {r[2] for r in results if r[0] in ("post", "comment", "progress", "quiz", "draft")} == {303}
    assert "database is locked" not in server_log and "Traceback" not in server_log
    _assert_accepted_writes_stored(results)
    _assert_nothing_half_written(app.config["DATABASE_URL"])


def test_sigkill_of_a_worker_then_the_master_mid_writes(app, tmp_path, people):
    stop = threading.Event()
    with gunicorn(app, tmp_path) as (process, port, log):
        threads, results = _run_writers(port, people, stop=stop)
        _wait_for_accepted(results, 20)
        workers = _workers(process.pid)
        assert workers, "gunicorn has no workers"
        os.kill(workers[0], signal.SIGKILL)  # the master starts a new one
        _wait_for_accepted(results, 40)
        if is_sqlite():  # a backup taken while the writes go on
            backup = tmp_path / "during.sqlite3"
            done = subprocess.run(
                [str(Path(sys.executable).parent / "flask"), "--app", "app", "db", "backup",
                 "--output", str(backup)], cwd=ROOT, capture_output=True, text=True,
                env={**os.environ, "DATABASE_URL": app.config["DATABASE_URL"],
                     "SECRET_KEY": "x"}, timeout=60)
            assert done.returncode == 0, done.stderr
        remaining = _workers(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        for pid in remaining:  # orphaned workers die with their master, as under systemd
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    _assert_accepted_writes_stored(results)
    _assert_nothing_half_written(app.config["DATABASE_URL"])
    if is_sqlite():
        copy = sqlite3.connect(backup)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert (copy.execute("SELECT count(*) FROM post_search").fetchone()[0]
                == copy.execute("SELECT count(*) FROM post WHERE deleted_at IS NULL").fetchone()[0])
        copy.close()
    # Restarted on the same database, it serves and accepts writes again.
    with gunicorn(app, tmp_path, workers=2) as (process, port, log):
        browser = Browser(port)
        browser.sign_in(people["users"][0].email)
        token = browser.csrf(f"/board/{people['coalition'].slug}")
        status, _ = browser.request("POST", f"/board/{people['coalition'].slug}/posts", {
            "title": "Po restarcie", "body": "x", "category": "announcement",
            "csrf_token": token})
        assert status == 303
    assert ON_POSTGRES or Path(app.config["DATABASE_URL"].removeprefix("sqlite:///")).exists()
