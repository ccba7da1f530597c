"""Board search reads only the searched board's matches (issue 10): the FTS5 index holds each
post's board, kept in step on create, edit, hide and delete, and migration 8 rebuilds an
index made before it. Results are the same on both engines."""

from __future__ import annotations

import pytest
from conftest import captured_sql
from factories import build_board_world, migrate_from

from koalicje.board import posts, search
from models import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Post,
    create_or_migrate,
    current_version,
    db,
)


@pytest.fixture
def bw(app):
    return build_board_world()


@pytest.fixture
def festyn(app, bw, database):
    """The same word on both coalitions' boards and on the programme board."""
    made = {
        "lipowa": [posts.create_post(bw.member, bw.coalition, title=f"Festyn {n}", body="Lipowa")
                   for n in "ABC"],
        "debowa": [posts.create_post(bw.outsider, bw.other, title=f"Festyn D{n}", body="Dębowa")
                   for n in "AB"],
        "programme": [posts.create_post(bw.trainer, None, title="Festyn programu", body="Ogólny")],
    }
    return made


def _search(app, user, board, q):
    with app.test_request_context():
        return posts.listing(user, board, q=q)


def _fts_reads(run) -> list[set[int]]:
    """For every FTS5 MATCH the code runs: the rows that MATCH reads from the index."""
    captured = captured_sql(run)
    reads = []
    for sql, params in captured:
        if '"post_search" MATCH ?' not in sql:
            continue
        expressions = [p for p in params if isinstance(p, str) and "title body" in p]
        assert len(expressions) == 1, (sql, params)
        rows = db.execute_sql("SELECT rowid FROM post_search WHERE post_search MATCH ?",
                              (expressions[0],))
        reads.append({row[0] for row in rows})
    return reads


def test_each_board_finds_only_its_posts(app, bw, festyn):
    lipowa = _search(app, bw.member, bw.coalition, "festyn")
    assert [p.title for p in lipowa.posts] == ["Festyn C", "Festyn B", "Festyn A"]
    debowa = _search(app, bw.outsider, bw.other, "festyn")
    assert [p.title for p in debowa.posts] == ["Festyn DB", "Festyn DA"]
    programme = _search(app, bw.member, None, "festyn")
    assert [p.title for p in programme.posts] == ["Festyn programu"]
    assert _search(app, bw.member, None, "lipowa").posts == []


@pytest.mark.sqlite_only
@pytest.mark.parametrize("board", ["lipowa", "programme"])
def test_a_board_search_reads_no_other_boards_matches(app, bw, festyn, board):
    coalition = bw.coalition if board == "lipowa" else None
    own = {p.id for p in festyn[board]}
    reads = _fts_reads(lambda: _search(app, bw.member, coalition, "festyn"))
    assert len(reads) == 1  # the top and the stream share one MATCH
    for read in reads:
        assert read == own
    with app.test_request_context():
        reads = _fts_reads(lambda: posts.listing(bw.member, coalition, q="festyn",
                                                 after=max(own) + 1))
    assert reads == [own]  # a later page: the stream only


def test_search_keeps_the_top_apart_and_in_order(app, bw, database):
    """Pinned and unconfirmed must-read posts that match come first (must-read before
    pinned, newest first), the other matches after them newest first, page by page; the
    same on both engines, checked against the rule computed here from every post."""
    made = []
    for n in range(14):
        author = (bw.member, bw.member2, bw.coordinator)[n % 3]
        made.append(posts.create_post(author, bw.coalition, title=f"Zebranie {n}",
                                      body="Lipowa" if n % 4 else "Inna treść"))
        posts.create_post(author, bw.coalition, title=f"Wpis {n}", body="Bez słowa")
    for n in (1, 4, 6, 9):
        posts.set_pinned(made[n], True)
    for n in (2, 4, 7, 11, 12):
        posts.set_must_read(made[n], True)
    posts.confirm_read(bw.member, made[7])  # confirmed: back in the stream
    posts.hide(made[5], bw.trainer, "spam")  # the member sees it only as its author
    posts.delete_post(made[3], bw.member)
    posts.create_post(bw.outsider, bw.other, title="Zebranie obce", body="x")
    posts.set_pinned(Post.select().where(Post.title == "Zebranie obce").get(), True)

    with app.test_request_context():
        for reader in (bw.member, bw.member2, bw.trainer):
            visible = [p for p in Post.select().where(Post.coalition == bw.coalition)
                       .order_by(Post.id.desc())
                       if p.title.startswith("Zebranie") and p.deleted_at is None
                       and (p.hidden_at is None or p.author_id == reader.id
                            or reader.role == "trainer")]
            confirmed = {made[7].id} if reader.id == bw.member.id else set()
            asks = posts.needs_confirmation(reader, bw.coalition)

            def unconfirmed(p, confirmed=confirmed, asks=asks, reader=reader):
                return asks and p.must_read and p.author_id != reader.id \
                    and p.id not in confirmed

            top = sorted([p for p in visible if p.pinned or unconfirmed(p)],
                         key=lambda p: (not unconfirmed(p), not p.pinned, -p.id))
            stream = [p for p in visible if p not in top]
            page = posts.listing(reader, bw.coalition, q="zebranie", limit=4)
            assert [p.id for p in page.top] == [p.id for p in top], reader.name
            shown, cursor = [p.id for p in page.posts], page.next_cursor
            while cursor is not None:
                more = posts.listing(reader, bw.coalition, q="zebranie", after=cursor, limit=4)
                assert more.top == []
                shown += [p.id for p in more.posts]
                cursor = more.next_cursor
            assert shown == [p.id for p in stream], reader.name
            assert page.posts[0].author.name  # the author came with the post


@pytest.mark.sqlite_only
def test_a_search_of_every_board_still_reads_every_board(app, bw, festyn):
    every = {p.id for made in festyn.values() for p in made}
    found = Post.select(Post.id).where(search.search_condition("festyn"))
    assert {p.id for p in found} == every
    # the board column is never searched as text (no post has a digit in its text)
    for token in ("0", str(bw.coalition.id), str(bw.other.id)):
        assert not Post.select().where(search.search_condition(token)).exists()
        assert _search(app, bw.member, bw.coalition, token).posts == []


@pytest.mark.sqlite_only
def test_the_index_follows_create_edit_hide_and_delete(app, bw, festyn):
    def indexed() -> dict[int, tuple[str, str]]:
        rows = db.execute_sql("SELECT rowid, title, coalition_id FROM post_search")
        return {rowid: (title, board) for rowid, title, board in rows}

    post = festyn["lipowa"][0]
    programme = festyn["programme"][0]
    assert indexed()[post.id] == ("Festyn A", str(bw.coalition.id))
    assert indexed()[programme.id] == ("Festyn programu", "0")
    posts.edit_post(post, title="Piknik", body="Lipowa", category="event")
    assert indexed()[post.id] == ("Piknik", str(bw.coalition.id))
    posts.hide(post, bw.coordinator, "spam")
    assert indexed()[post.id] == ("Piknik", str(bw.coalition.id))  # moderators still find it
    posts.delete_post(post, bw.member)
    assert post.id not in indexed()
    assert len(indexed()) == 5


@pytest.mark.sqlite_only
def test_migration_8_rebuilds_the_index_with_the_board(app, bw, festyn):
    db.execute_sql("DROP TABLE post_search")
    db.execute_sql("CREATE VIRTUAL TABLE post_search USING fts5(title, body, "
                   "tokenize='unicode61 remove_diacritics 2')")
    db.execute_sql("INSERT INTO post_search (rowid, title, body) "
                   "SELECT id, title, body_source FROM post WHERE deleted_at IS NULL")
    assert migrate_from(7) == [v for v in sorted(MIGRATIONS) if v >= 8]
    assert "coalition_id" in {c.name for c in db.get_columns("post_search")}
    assert db.execute_sql("SELECT count(*) FROM post_search").fetchone()[0] == 6
    own = {p.id for p in festyn["debowa"]}
    assert _fts_reads(lambda: _search(app, bw.outsider, bw.other, "festyn")) == [own]
    assert create_or_migrate() == []
    assert current_version() == SCHEMA_VERSION
    assert db.execute_sql("SELECT count(*) FROM post_search").fetchone()[0] == 6


@pytest.mark.sqlite_only
def test_a_search_builds_its_sql_once(app, bw, festyn, monkeypatch):
    """The MATCH expression is a value of prepared queries: after the first search of a
    shape, other words on any board (first pages and later ones) build no SQL."""
    import peewee

    built = []
    original = peewee.Context.sql
    monkeypatch.setattr(peewee.Context, "sql", lambda self, obj: built.append(obj) or original(self, obj))
    with app.test_request_context():
        first = posts.listing(bw.member, bw.coalition, q="festyn", limit=2)
        later = posts.listing(bw.member, bw.coalition, q="festyn", after=first.next_cursor, limit=2)
        assert built  # built the first time
        built.clear()
        again = posts.listing(bw.member, bw.coalition, q="lipowa", limit=2)
        again_later = posts.listing(bw.member, bw.coalition, q="lipowa",
                                    after=again.next_cursor, limit=2)
        assert built == []
    assert [p.title for p in first.posts + later.posts] == ["Festyn C", "Festyn B", "Festyn A"]
    assert [p.title for p in again.posts + again_later.posts] == ["Festyn C", "Festyn B",
                                                                   "Festyn A"]
