"""Board search reads only the searched board's matches (issue 10): the FTS5 index holds each
post's board, kept in step on create, edit, hide and delete, and migration 8 rebuilds an
index made before it. Results are the same on both engines."""

from __future__ import annotations

import pytest
from conftest import captured_sql
from factories import build_board_world

from koalicje.board import posts, search
from models import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Post,
    SchemaVersion,
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
    assert len(reads) == 2  # the top and the stream
    for read in reads:
        assert read == own


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
    SchemaVersion.update(version=7).execute()
    db.close()
    db.connect()
    assert create_or_migrate() == [v for v in sorted(MIGRATIONS) if v >= 8]
    assert "coalition_id" in {c.name for c in db.get_columns("post_search")}
    assert db.execute_sql("SELECT count(*) FROM post_search").fetchone()[0] == 6
    own = {p.id for p in festyn["debowa"]}
    assert _fts_reads(lambda: _search(app, bw.outsider, bw.other, "festyn")) == [own, own]
    assert create_or_migrate() == []
    assert current_version() == SCHEMA_VERSION
    assert db.execute_sql("SELECT count(*) FROM post_search").fetchone()[0] == 6
