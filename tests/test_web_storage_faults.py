"""A read-only or full disk: writes get a clear 503 page, reads keep working, nothing is
half-written and the database stays intact."""

from __future__ import annotations

import errno
import io
import sqlite3

import pytest
from conftest import soup
from factories import build_board_world, with_db

from koalicje.web.errors import is_storage_failure
from models import Post, db


@pytest.fixture
def bw(app):
    return build_board_world()


def _new_post(client, auth, slug, title="Zapis próbny", htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/board/{slug}/posts", headers=headers, data={
        "title": title, "body": "Treść", "category": "announcement", "csrf_token": auth.csrf()})


def _assert_clear_503(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    page = soup(response)
    assert "Zapis chwilowo niemożliwy" in page.get_text()
    assert "Nic nie zostało zmienione" in page.get_text()


@pytest.mark.sqlite_only
def test_read_only_database_refuses_writes_clearly_and_keeps_reads(app, client, auth, bw):
    auth.as_user(bw.member)
    assert _new_post(client, auth, bw.coalition.slug, "Przed awarią").status_code == 303
    token = auth.csrf()
    db.obj._pragmas = [*db.obj._pragmas, ("query_only", 1)]  # the database turns read-only
    if not db.is_closed():
        db.close()  # the worker's kept connection reopens with the new pragma
    try:
        response = client.post(f"/board/{bw.coalition.slug}/posts", data={
            "title": "Po awarii", "body": "x", "category": "announcement", "csrf_token": token})
        _assert_clear_503(response)
        fragment = client.post(f"/board/{bw.coalition.slug}/posts",
                               headers={"HX-Request": "true"},
                               data={"title": "Po awarii", "body": "x",
                                     "category": "announcement", "csrf_token": token})
        assert fragment.status_code == 503 and soup(fragment).find("html") is None
        page = client.get(f"/board/{bw.coalition.slug}")
        assert page.status_code == 200 and "Przed awarią" in page.get_data(as_text=True)
        for url in ("/", "/board/", "/coalitions/", f"/coalitions/{bw.coalition.slug}",
                    "/learning/", "/quizzes/", "/self-assessment/", "/stats", "/digest/settings"):
            assert client.get(url).status_code == 200, url
    finally:
        db.obj._pragmas = [p for p in db.obj._pragmas if p[0] != "query_only"]
        if not db.is_closed():
            db.close()
    titles = with_db(lambda: [p.title for p in Post.select()])
    assert titles == ["Przed awarią"]
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()
    assert _new_post(client, auth, bw.coalition.slug, "Po naprawie").status_code == 303


def test_full_disk_during_a_database_write(app, client, auth, bw, monkeypatch):
    from peewee import OperationalError

    auth.as_user(bw.member)
    token = auth.csrf()

    def disk_full(*args, **kwargs):
        raise OperationalError("database or disk is full")

    monkeypatch.setattr("koalicje.board.posts.search.index_post", disk_full)
    response = client.post(f"/board/{bw.coalition.slug}/posts", data={
        "title": "Bez miejsca", "body": "x", "category": "announcement", "csrf_token": token})
    _assert_clear_503(response)
    assert with_db(lambda: Post.select().count()) == 0  # the post row was rolled back too
    assert client.get(f"/board/{bw.coalition.slug}").status_code == 200


def test_full_disk_during_an_upload(app, client, auth, database, monkeypatch):
    from pathlib import Path

    from conftest import make_user
    from factories import make_module

    make_module(slug="z-plikami", kind="webinar")
    auth.as_user(make_user(role="trainer"))
    real_open = open

    class FullFile(io.RawIOBase):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    def opener(path, mode="r", *args, **kwargs):
        if "w" in mode and ".incoming-" in str(path):
            real_open(path, mode).close()  # the file exists, like a real partial write
            return FullFile()
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", opener)
    response = client.post("/learning/z-plikami/files", data={
        "role": "material", "title": "Plik", "csrf_token": auth.csrf(),
        "file": (io.BytesIO(b"%PDF-1.4\n" + b"x" * 200), "a.pdf")},
        content_type="multipart/form-data")
    monkeypatch.undo()
    _assert_clear_503(response)
    folder = Path(app.config["UPLOAD_DIR"]) / "files"
    assert list(folder.iterdir()) == []  # no partial file left behind


def test_only_storage_failures_are_503():
    from peewee import IntegrityError, OperationalError

    assert is_storage_failure(OSError(errno.ENOSPC, "full"))
    assert is_storage_failure(OSError(errno.EROFS, "read-only file system"))
    assert is_storage_failure(OperationalError("attempt to write a readonly database"))
    assert is_storage_failure(OperationalError(
        "could not extend file \"base/1/2\": No space left on device"))
    assert is_storage_failure(OperationalError("cannot execute INSERT in a read-only transaction"))
    assert not is_storage_failure(OperationalError("no such table: post"))
    assert not is_storage_failure(IntegrityError("UNIQUE constraint failed"))
    assert not is_storage_failure(OSError(errno.ENOENT, "missing"))
