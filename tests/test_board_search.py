"""Board search reads only the searched board's matches (issue 10): the FTS5 index stores each
word with its post's board in front of it, kept in step on create, edit, hide and delete, and
migrations 8 and 14 rebuild an index made before them. Results are the same on both
engines."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from conftest import captured_sql
from factories import build_board_world, migrate_from
from hypothesis import given, settings
from hypothesis import strategies as st

from koalicje.board import posts, search
from koalicje.web.text import clean_text
from models import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SEARCH_WORD,
    Coalition,
    Post,
    board_words,
    create_or_migrate,
    current_version,
    db,
    is_sqlite,
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
        expressions = {p for p in params if isinstance(p, str) and p.endswith('"*')}
        assert len(expressions) == 1, (sql, params)
        rows = db.execute_sql("SELECT rowid FROM post_search WHERE post_search MATCH ?",
                              (expressions.pop(),))
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
    assert len(reads) == 1  # the top and the stream in one statement
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


def test_a_search_first_page_takes_as_many_queries_however_many_posts_are_on_top(app, bw, database):
    """A search's first page with many pinned and must-read posts, most of them matching:
    as many statements on both engines as with none on top, and the top and the
    stream as the rule gives them. (SQLite: the posts' texts read once, then kept.)"""
    from conftest import count_queries

    def first_page():
        counts = []
        for _ in range(2):  # the first may read texts not kept yet; the second reads none
            with app.test_request_context(), count_queries() as q:
                page = posts.listing(bw.member2, bw.coalition, q="zebranie", limit=3)
            counts.append(len(q.statements))
        assert counts[0] - counts[1] in ((0, 1) if is_sqlite() else (0,))
        assert not any("body_html" in sql for sql in q.statements) or not is_sqlite()
        return page, counts[1]

    made = [posts.create_post(bw.member, bw.coalition, title=f"Zebranie {n}",
                              body="Lipowa" if n % 3 else "Inna") for n in range(12)]
    posts.create_post(bw.member, bw.coalition, title="Inny wpis", body="bez słowa")
    _, without_top = first_page()
    for n in range(0, 12, 2):
        posts.set_pinned(made[n], True)
    for n in (3, 5, 9):
        posts.set_must_read(made[n], True)
    other = posts.create_post(bw.member, bw.coalition, title="Przypięty bez słowa", body="x")
    posts.set_pinned(other, True)  # on top, but no match
    page, with_top = first_page()
    # The reader's memberships, then the listing's (SQLite: the top's posts and the
    # stream's in one statement; PostgreSQL: the top, then the stream).
    assert with_top == without_top == (2 if is_sqlite() else 3)
    asks = posts.needs_confirmation(bw.member2, bw.coalition)
    must = [made[n].id for n in (9, 5, 3)] if asks else []
    assert [p.id for p in page.top] == must + [made[n].id for n in (10, 8, 6, 4, 2, 0)]
    rest = [p.id for p in reversed(made) if p.id not in {p.id for p in page.top}]
    assert [p.id for p in page.posts] == rest[:3]


@pytest.mark.sqlite_only
def test_a_search_lists_the_top_candidates_once(app, bw, festyn):
    """The first page's statement reads the board's pinned and must-read posts by their
    indexes once (the matches checked against that list), not once more to find them."""
    with app.test_request_context():
        captured = captured_sql(lambda: posts.listing(bw.coordinator, bw.coalition, q="festyn"))
    [(sql, params)] = [(s, p) for s, p in captured if '"post_search" MATCH ?' in s]
    plan = [row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
    assert sum("post_pinned_coalition_id" in step for step in plan) == 1, plan
    # the top's, the stream's from the newest posts' index and from the whole one
    assert sum("VIRTUAL TABLE" in step for step in plan) == 3, plan


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
        rows = db.execute_sql("SELECT rowid, title_words, body_words FROM post_search")
        return {rowid: (title, body) for rowid, title, body in rows}

    post = festyn["lipowa"][0]
    programme = festyn["programme"][0]
    lipowa = f"b{bw.coalition.id}x"
    assert indexed()[post.id] == (f"{lipowa}Festyn {lipowa}A", f"{lipowa}Lipowa")
    assert indexed()[programme.id] == ("b0xFestyn b0xprogramu", "b0xOgólny")
    posts.edit_post(post, title="Piknik", body="Lipowa", category="event")
    assert indexed()[post.id] == (f"{lipowa}Piknik", f"{lipowa}Lipowa")
    posts.hide(post, bw.coordinator, "spam")
    assert indexed()[post.id] == (f"{lipowa}Piknik", f"{lipowa}Lipowa")  # moderators find it
    posts.delete_post(post, bw.member)
    assert post.id not in indexed()
    assert len(indexed()) == 5


def test_a_post_is_found_after_each_kind_of_write(app, bw, festyn):
    """Edited: found by its new words only; hidden: by moderators and its author only;
    restored: by everyone again; deleted: by no one (the same on both engines)."""
    post = festyn["lipowa"][0]

    def found(user, q):
        return [p.id for p in _search(app, user, bw.coalition, q).posts]

    posts.edit_post(post, title="Piknik nad rzeką", body="Ławki", category="event")
    assert found(bw.member2, "piknik") == [post.id]
    assert found(bw.member2, "ławk") == [post.id]  # a prefix
    assert post.id not in found(bw.member2, "festyn")
    posts.hide(post, bw.coordinator, "spam")
    assert found(bw.member2, "piknik") == []
    assert found(bw.member, "piknik") == [post.id]  # its author
    assert found(bw.trainer, "piknik") == [post.id]  # a moderator
    posts.restore(post, bw.trainer)
    assert found(bw.member2, "piknik") == [post.id]
    posts.delete_post(post, bw.member)
    assert found(bw.trainer, "piknik") == []
    assert found(bw.trainer, "festyn") == [p.id for p in reversed(festyn["lipowa"][1:])]


@pytest.mark.sqlite_only
def test_a_post_moved_to_another_board_is_found_there_only(app, bw, festyn):
    """The board is part of every indexed word: indexing a post again after its board
    changed moves its words to the new board."""
    post = festyn["lipowa"][0]
    Post.update(coalition=bw.other).where(Post.id == post.id).execute()
    search.index_post(Post.get_by_id(post.id))
    assert post.id not in [p.id for p in _search(app, bw.member, bw.coalition, "festyn").posts]
    assert post.id in [p.id for p in _search(app, bw.outsider, bw.other, "festyn").posts]
    assert _fts_reads(lambda: _search(app, bw.outsider, bw.other, "festyn")) == [
        {post.id} | {p.id for p in festyn["debowa"]}]


@pytest.mark.sqlite_only
def test_no_board_reads_another_boards_words(app, bw, database):
    """Board 1's words never match a search of board 12 or 11 (their prefixes "b1x", "b12x",
    "b11x" are no prefix of each other), even for words that start with digits."""
    from factories import make_coalition

    while (coalition := make_coalition()).id < 12:
        pass
    eleven_board = Coalition.get_by_id(coalition.id - 1)
    twelve = posts.create_post(bw.member, coalition, title="x1 Festyn", body="")
    eleven = posts.create_post(bw.member, eleven_board, title="2x1 festyn", body="")
    one = posts.create_post(bw.member, Coalition.get_by_id(1), title="2x1 festyn",
                            body="12 festyn")

    def reads(board, q):
        expression = search.match_expression(q, board)
        rows = db.execute_sql("SELECT rowid FROM post_search WHERE post_search MATCH ?",
                              (expression,))
        return {row[0] for row in rows}

    assert reads(12, "festyn") == {twelve.id}
    assert reads(11, "festyn") == {eleven.id}
    assert reads(1, "festyn") == {one.id}
    assert reads(1, "2x") == {one.id}
    assert reads(1, "12") == {one.id}
    assert reads(12, "x1") == {twelve.id}
    assert reads(11, "x1") == set()
    assert reads(None, "festyn") == set()


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("written", "typed", "found"), [
    ("Zażółć gęślą jaźń", "zazoł gesla", True),  # diacritics ignored both ways (not ł's)
    ("Zazołc gesla jazn", "ZAŻÓŁĆ", True),
    ("Zazolc", "zażółć", False),
    ("Za\u017co\u0301\u0142c\u0301", "zażółć", True),  # decomposed (NFD) text
    # a decomposed query (its marks used to split its words: not found before migration 14)
    ("zażółć", "zaz\u0307o\u0301\u0142c\u0301", True),
    ("Spotkanie_robocze w bibliotece", "spotkanie_rob", True),  # a phrase, its last word a prefix
    ("Robocze spotkanie", "spotkanie_robocze", False),  # not in that order
    ("Spotkanie robocze", "robocze spotkanie", True),  # every word, in any order
    ("Spotkanie", "spotkanie robocze", False),
    ("Festyn2026 w Lipowej", "festyn20", True),
    ("Festyn", "estyn", False),  # a word's prefix, not any part
    ("Festyn", "_", False),
])
def test_words_match_as_the_index_had_them(app, bw, database, written, typed, found):
    post = posts.create_post(bw.member, bw.coalition, title=written, body="")
    other = posts.create_post(bw.member, bw.other, title=written, body="")
    hits = Post.select(Post.id).where(search.search_condition(typed, bw.coalition.id))
    assert [p.id for p in hits] == ([post.id] if found else [])
    every = Post.select(Post.id).where(search.search_condition(typed))
    assert {p.id for p in every} == ({post.id, other.id} if found else set())


@pytest.mark.sqlite_only
def test_migration_8_rebuilds_the_index_with_the_board(app, bw, festyn):
    db.execute_sql("DROP TABLE post_search")
    db.execute_sql("CREATE VIRTUAL TABLE post_search USING fts5(title, body, "
                   "tokenize='unicode61 remove_diacritics 2')")
    db.execute_sql("INSERT INTO post_search (rowid, title, body) "
                   "SELECT id, title, body_source FROM post WHERE deleted_at IS NULL")
    assert migrate_from(7) == [v for v in sorted(MIGRATIONS) if v >= 8]
    assert {c.name for c in db.get_columns("post_search")} == {"title_words", "body_words"}
    assert db.execute_sql("SELECT count(*) FROM post_search").fetchone()[0] == 6
    own = {p.id for p in festyn["debowa"]}
    assert _fts_reads(lambda: _search(app, bw.outsider, bw.other, "festyn")) == [own]
    assert create_or_migrate() == []
    assert current_version() == SCHEMA_VERSION
    assert db.execute_sql("SELECT count(*) FROM post_search").fetchone()[0] == 6


@pytest.mark.sqlite_only
def test_migration_14_reindexes_with_the_board_in_every_word(app, bw, festyn):
    """An index of migration 8's form (the board in a column of its own) is rebuilt from
    the posts, deleted ones left out; running the migration again changes nothing."""
    posts.delete_post(festyn["lipowa"][2], bw.member)
    db.execute_sql("DROP TABLE post_search")
    db.execute_sql("CREATE VIRTUAL TABLE post_search USING fts5(title, body, coalition_id, "
                   "tokenize='unicode61 remove_diacritics 2')")
    db.execute_sql("INSERT INTO post_search (rowid, title, body, coalition_id) "
                   "SELECT id, title, body_source, CAST(COALESCE(coalition_id, 0) AS TEXT) "
                   "FROM post")
    assert migrate_from(13) == [v for v in sorted(MIGRATIONS) if v >= 14]
    rows = db.execute_sql("SELECT rowid, title_words, body_words FROM post_search").fetchall()
    expected = [(p.id, board_words(p.title, p.coalition_id),
                 board_words(p.body_source, p.coalition_id))
                for p in Post.select().where(Post.deleted_at.is_null()).order_by(Post.id)]
    assert sorted(rows) == expected and len(expected) == 5
    for board, user in ((bw.coalition, bw.member), (bw.other, bw.outsider), (None, bw.member)):
        key = "programme" if board is None else ("lipowa" if board == bw.coalition else "debowa")
        own = {p.id for p in festyn[key] if p.id != festyn["lipowa"][2].id}
        assert _fts_reads(lambda b=board, u=user: _search(app, u, b, "festyn")) == [own]
    db.execute_sql("INSERT INTO post_search (rowid, title_words, body_words) "
                   "VALUES (999, 'b0xkept', '')")  # a rebuild would drop this row
    assert MIGRATIONS[14](None) == []
    assert create_or_migrate() == []
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


ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=300)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(written=ANY_TEXT, typed=ANY_TEXT, board=st.sampled_from([None, 1, 12]))
def test_any_query_is_valid_fts5_and_finds_a_post_by_its_own_words(written, typed, board):
    """Whatever is typed, the board's MATCH expression is valid FTS5; and a post is always
    found by any of its own words, or their start (the index and the query split text into
    words the same way)."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(title_words, body_words, "
                       "tokenize='unicode61 remove_diacritics 2')")
    connection.execute("INSERT INTO t VALUES (?, '')", (board_words(written, board),))
    expression = search.board_fts_query(clean_text(typed), board)
    if expression is not None:
        connection.execute("SELECT count(*) FROM t WHERE t MATCH ?", (expression,)).fetchone()
    for word in SEARCH_WORD.findall(written)[:3]:
        for typed_word in (word, word[: max(1, len(word) // 2)]):
            expression = search.board_fts_query(typed_word, board)
            assert connection.execute("SELECT count(*) FROM t WHERE t MATCH ?",
                                      (expression,)).fetchone()[0] == 1, (written, typed_word)
            other = search.board_fts_query(typed_word, 2)
            assert connection.execute("SELECT count(*) FROM t WHERE t MATCH ?",
                                      (other,)).fetchone()[0] == 0
    connection.close()


# --- the index of the posts that may go on top ---------------------------------------------


def _top_indexed() -> dict[int, tuple[str, str]]:
    rows = db.execute_sql("SELECT rowid, title_words, body_words FROM post_top_search")
    return {rowid: (title, body) for rowid, title, body in rows}


def _top_expected() -> dict[int, tuple[str, str]]:
    """The rule: every post not deleted that is pinned or must-read, with its words as the
    whole index holds them."""
    return {p.id: (board_words(p.title, p.coalition_id),
                   board_words(p.body_source, p.coalition_id))
            for p in Post.select().where(Post.deleted_at.is_null()
                                         & (Post.pinned | Post.must_read))}


@pytest.mark.sqlite_only
def test_the_top_index_follows_every_kind_of_write(app, bw, festyn):
    """Pinned or must-read, unpinned, unmarked, edited, hidden, restored, deleted: after
    each write the top's index holds exactly the posts that may go on top, with their
    current words."""
    first, second, third = festyn["lipowa"]
    programme = festyn["programme"][0]
    assert _top_indexed() == {}
    writes = [
        lambda: posts.set_pinned(first, True),
        lambda: posts.set_must_read(second, True),
        lambda: posts.set_must_read(first, True),
        lambda: posts.set_pinned(programme, True),
        lambda: posts.set_pinned(first, False),  # still must-read
        lambda: posts.edit_post(first, title="Piknik", body="Ławki", category="event"),
        lambda: posts.hide(second, bw.trainer, "spam"),  # moderators still find it
        lambda: posts.restore(second, bw.trainer),
        lambda: posts.set_must_read(first, False),
        lambda: posts.delete_post(second, bw.member),
        lambda: posts.edit_post(third, title="Festyn zmieniony", body="x", category="need"),
    ]
    seen = []
    for write in writes:
        write()
        assert _top_indexed() == _top_expected()
        _assert_indexes_intact()
        seen.append(set(_top_indexed()))
    assert seen[3] == {first.id, second.id, programme.id}
    assert seen[-1] == {programme.id}


@pytest.mark.sqlite_only
def test_the_tops_match_reads_only_the_posts_that_may_go_on_top(app, bw, festyn):
    """The first page's top reads the matches of the board's pinned and must-read posts
    only; the whole index is read once at most (the stream, when the index of the newest
    posts does not fill the page)."""
    first, second, third = festyn["lipowa"]
    posts.set_pinned(second, True)
    posts.set_must_read(third, True)
    posts.set_pinned(festyn["debowa"][0], True)  # another board's: never read here
    with app.test_request_context():
        captured = captured_sql(lambda: posts.listing(bw.member2, bw.coalition, q="festyn"))
        page = posts.listing(bw.member2, bw.coalition, q="festyn")
    [(sql, params)] = [(s, p) for s, p in captured if '"post_search" MATCH ?' in s]
    assert sql.count("MATCH ?") == 3
    assert sql.count('"post_search" MATCH ?') == 1
    [expression] = {p for p in params if isinstance(p, str) and p.endswith('"*')}
    top_reads = {row[0] for row in db.execute_sql(
        "SELECT rowid FROM post_top_search WHERE post_top_search MATCH ?", (expression,))}
    assert top_reads == {second.id, third.id}
    assert [p.id for p in page.top] == [third.id, second.id]  # must-read, then pinned
    assert [p.id for p in page.posts] == [first.id]


@pytest.mark.sqlite_only
def test_a_database_without_the_top_index_gets_it_filled(app, bw, festyn):
    """A database made before the top's index (a deployment upgrading) gets it created and
    filled from the posts when the app starts; a second start changes nothing."""
    posts.set_pinned(festyn["lipowa"][0], True)
    posts.set_must_read(festyn["programme"][0], True)
    posts.set_pinned(festyn["debowa"][1], True)
    posts.delete_post(festyn["debowa"][1], bw.outsider)
    db.execute_sql("DROP TABLE post_top_search")
    assert create_or_migrate() == []
    assert set(_top_indexed()) == {festyn["lipowa"][0].id, festyn["programme"][0].id}
    assert _top_indexed() == _top_expected()
    db.execute_sql("INSERT INTO post_top_search (rowid, title_words, body_words) "
                   "VALUES (999, 'b0xkept', '')")  # a refill would drop this row
    assert create_or_migrate() == []
    assert 999 in _top_indexed()
    page = _search(app, bw.member, bw.coalition, "festyn")
    assert [p.id for p in page.top] == [festyn["lipowa"][0].id]


@pytest.mark.sqlite_only
def test_a_search_page_has_peewees_posts(app, bw, festyn):
    """A search's first page comes in one statement (the top's rows and the stream's, each
    led by its part): the same Post objects (fields, author, nothing marked changed) as
    Peewee's row wrapper builds for the same posts, dates and flags converted."""
    from conftest import count_queries

    from models import User

    first, second, third = festyn["lipowa"]
    posts.set_pinned(first, True)
    posts.set_must_read(second, True)
    posts.hide(third, bw.trainer, "powód")
    posts.edit_post(second, title="Festyn zmieniony", body="y", category="event")
    for reader in (bw.member, bw.trainer, bw.member2):
        with app.test_request_context(), count_queries() as q:
            page = posts.listing(reader, bw.coalition, q="festyn")
        # The reader's memberships (and a trainer's assignments), then the page, then
        # the texts of its posts not kept yet (the page reads none: `posts._fill_texts`).
        page_reads = [s for s in q.statements if '"post"' in s]
        assert page_reads == q.statements[-len(page_reads):] and len(page_reads) in (1, 2)
        assert page_reads[0].startswith('WITH "recent_rows"') and "body_html" not in page_reads[0]
        assert all("body_html" in s and "MATCH" not in s for s in page_reads[1:])
        shown = page.top + page.posts
        assert shown
        peewees = {p.id: p for p in Post.select(Post, User.id, User.name)
                   .join(User, on=(Post.author == User.id))
                   .where(Post.id.in_([p.id for p in shown]))}
        for mine in shown:
            theirs = peewees[mine.id]
            assert mine.__data__ == theirs.__data__
            assert {k: type(v) for k, v in mine.__data__.items()} == {
                k: type(v) for k, v in theirs.__data__.items()}
            assert mine._dirty == set() and mine.__rel__.keys() == {"author"}
            assert mine.author.__data__ == {"id": theirs.author.id, "name": theirs.author.name}
        hidden_shown = third.id in {p.id for p in shown}
        assert hidden_shown == (reader in (bw.member, bw.trainer))  # its author, a moderator


# --- the index of each board's newest posts -------------------------------------------------


def _assert_indexes_intact() -> None:
    """FTS5's own check of each index: its words are those of its rows (an INSERT OR
    REPLACE took the replaced row's words out)."""
    for table in ("post_search", "post_top_search", "post_recent_search"):
        db.execute_sql(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")


def _recent_indexed() -> dict[int, tuple[str, str]]:
    rows = db.execute_sql("SELECT rowid, title_words, body_words FROM post_recent_search")
    return {rowid: (title, body) for rowid, title, body in rows}


def _recent_expected(kept: int) -> dict[int, tuple[str, str]]:
    """The rule: the posts not deleted among each board's `kept` newest (deleted or not),
    with their words as the whole index holds them."""
    newest: dict[int | None, list[Post]] = {}
    for post in Post.select().order_by(Post.id.desc()):
        newest.setdefault(post.coalition_id, []).append(post)
    return {p.id: (board_words(p.title, p.coalition_id), board_words(p.body_source, p.coalition_id))
            for board in newest.values() for p in board[:kept] if p.deleted_at is None}


@pytest.mark.sqlite_only
def test_the_recent_index_follows_every_kind_of_write(app, bw, festyn, monkeypatch):
    """New posts (on a board with fewer and with more than it keeps), edits (of a post it
    holds and of an older one), hiding, restoring, pinning, must-read and deleting (the
    newest, an older one, every one it holds): after each write the index of each board's
    newest posts holds exactly those by the rule, with their current words."""
    assert _recent_indexed() == _recent_expected(200)
    monkeypatch.setattr(search, "RECENT_SEARCH_POSTS", 3)
    db.execute_sql("DELETE FROM post_recent_search")
    db.execute_sql("INSERT INTO post_recent_search (rowid, title_words, body_words) "
                   "SELECT rowid, title_words, body_words FROM post_search")
    assert _recent_indexed() == _recent_expected(3)  # 3 posts at most on each board
    made = festyn["lipowa"][:]
    writes = [
        lambda: made.append(posts.create_post(bw.member, bw.coalition, title="Nowy",
                                              body="Lipowa")),
        lambda: made.append(posts.create_post(bw.member, bw.coalition, title="Drugi",
                                              body="Lipowa")),
        lambda: posts.create_post(bw.trainer, None, title="Program", body="Nowy"),
        lambda: posts.create_post(bw.outsider, bw.other, title="Dębowa", body="x"),
        lambda: posts.edit_post(made[-1], title="Piknik", body="Ławki", category="event"),
        lambda: posts.edit_post(made[0], title="Stary", body="x", category="need"),  # not held
        lambda: posts.hide(made[-2], bw.trainer, "spam"),
        lambda: posts.restore(made[-2], bw.trainer),
        lambda: posts.set_pinned(made[-1], True),
        lambda: posts.set_must_read(made[-2], True),
        lambda: posts.delete_post(made[-1], bw.member),  # the newest
        lambda: posts.edit_post(made[-2], title="Zmieniony", body="y", category="need"),
        lambda: made.append(posts.create_post(bw.member, bw.coalition, title="Po",
                                              body="usunięciu")),
        lambda: posts.delete_post(made[-3], bw.member),  # an older one
        lambda: posts.delete_post(made[-1], bw.member),
        lambda: posts.edit_post(made[2], title="Starszy", body="z", category="need"),
        lambda: made.append(posts.create_post(bw.member, bw.coalition, title="Ostatni",
                                              body="Lipowa")),
    ]
    for write in writes:
        write()
        assert _recent_indexed() == _recent_expected(3)
        _assert_indexes_intact()
    assert made[-1].id in _recent_indexed() and made[0].id not in _recent_indexed()
    for post in made:
        if post.id in _recent_indexed():
            posts.delete_post(post, bw.member)
            assert _recent_indexed() == _recent_expected(3)
    assert not set(_recent_indexed()) & {p.id for p in made}


@pytest.mark.parametrize("q", ["lipowa", "rzadkie", "zebr", "nic"])
def test_a_search_finds_the_same_pages_whichever_index_answers(app, bw, database, monkeypatch, q):
    """Pages of 2 with 3 newest posts per board in the small index: a word in most posts
    fills the first page from it, a word only in older posts is read from the whole index;
    either way the pages, the top and the continuation are those of the search without
    the small index (the listing's conditions with the matches added, as on PostgreSQL),
    for a reader and for a moderator (who sees the hidden post)."""
    monkeypatch.setattr(search, "RECENT_SEARCH_POSTS", 6)
    made = []
    for n in range(12):
        body = "Lipowa" + (" rzadkie" if n in (1, 4) else "")
        made.append(posts.create_post(bw.member, bw.coalition, title=f"Zebranie {n}", body=body))
    posts.create_post(bw.outsider, bw.other, title="Zebranie", body="Lipowa rzadkie")
    posts.set_pinned(made[9], True)
    posts.set_must_read(made[4], True)
    posts.hide(made[8], bw.trainer, "spam")
    posts.delete_post(made[11], bw.member)  # the small index keeps 5: posts 6 to 10
    parts = []
    read = posts._search_page.fetchall

    def reading(*args, **kwargs):
        rows = read(*args, **kwargs)
        parts.append([row[0] for row in rows])
        return rows

    monkeypatch.setattr(posts._search_page, "fetchall", reading)

    def pages(reader) -> tuple[list[int], list[list[int]]]:
        top, shown, after = [], [], None
        with app.test_request_context():
            while True:
                page = posts.listing(reader, bw.coalition, q=q, after=after, limit=2)
                top = [p.id for p in page.top] if after is None else top
                shown.append([p.id for p in page.posts])
                after = page.next_cursor
                if after is None:
                    return top, shown

    for reader in (bw.member2, bw.trainer):
        parts.clear()
        found = pages(reader)
        if is_sqlite():  # (PostgreSQL searches with LIKE: no parts)
            [first_page] = parts  # later pages read the whole index after their cursor
            if q in ("lipowa", "zebr"):  # 3 rows (a page and one more) among posts 6 to 10
                assert first_page.count(0) == 3 and 2 not in first_page
            else:
                assert first_page.count(0) == 0  # in none of posts 6 to 10
                assert (2 in first_page) == (q == "rzadkie")  # read from the whole index
        with monkeypatch.context() as plain:
            plain.setattr(search, "match_expression", lambda text, board: None)
            expected = pages(reader)
        assert found == expected, (reader.name, q)
        word = {"zebr": "zebranie"}.get(q, q)
        matching = {p.id for p in made[:11] if word in (p.title + p.body_source).lower()}
        if reader == bw.member2:
            matching.discard(made[8].id)
        assert set(found[0]) | {i for page in found[1] for i in page} == matching


@pytest.mark.sqlite_only
def test_migration_16_builds_the_index_of_each_boards_newest_posts(app, bw, festyn):
    """A database made before it (at version 15) gets the index of each board's newest
    posts created and filled from the posts (at most RECENT_SEARCH_POSTS of a board, deleted
    ones left out); a second start changes nothing, and searches find what they did."""
    for n in range(3):
        posts.create_post(bw.member, bw.coalition, title=f"Festyn {n}", body="Lipowa")
    posts.delete_post(festyn["debowa"][1], bw.outsider)
    db.execute_sql("DROP TABLE post_recent_search")
    assert migrate_from(15) == [v for v in sorted(MIGRATIONS) if v >= 16]
    assert _recent_indexed() == _recent_expected(200)
    assert len(_recent_indexed()) == 8
    db.execute_sql("INSERT INTO post_recent_search (rowid, title_words, body_words) "
                   "VALUES (999, 'b0xkept', '')")  # a refill would drop this row
    assert create_or_migrate() == []
    assert 999 in _recent_indexed()
    db.execute_sql("DELETE FROM post_recent_search WHERE rowid = 999")
    found = [p.id for p in _search(app, bw.member2, bw.coalition, "festyn").posts]
    assert found == [p.id for p in Post.select().where(
        (Post.coalition == bw.coalition) & Post.deleted_at.is_null()).order_by(Post.id.desc())]


# --- a search's hits as the page shows them ---------------------------------------------------


def _search_html(app, client, url: str) -> str:
    """The posts of a search's fragment (`article.board-post`, each under its part: the top
    or the stream), with every CSRF token written as TOKEN."""
    from bs4 import BeautifulSoup

    html = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    for field in page.select("input[name=csrf_token]"):
        field["value"] = "TOKEN"
    parts = [(part, page.select(f"{part} article.board-post"))
             for part in ("section.board-top", "#board-stream")]
    return "\n".join(f"{part}: {article}" for part, articles in parts for article in articles)


def test_a_search_hit_shows_each_change_at_once(app, bw, monkeypatch):
    """A search's hits take their texts and HTML from what is kept per process, as a
    board's posts do (`posts._fill_texts`, `rendering.board_posts`): after each write, every
    reader's search page (read twice: once filling what is kept, once reading it) is what
    the template renders now: an edit's words, hidden for others but its author and a
    moderator, restored, pinned on top, gone once edited to no longer match or deleted."""
    from bs4 import BeautifulSoup
    from conftest import Auth
    from factories import with_db

    from blueprints.board import rendering
    from models import utcnow

    now = utcnow() + timedelta(hours=1)  # the same relative times a second later
    monkeypatch.setattr(rendering, "utcnow", lambda: now)
    made = with_db(lambda: [posts.create_post(bw.member, bw.coalition, title=f"Festyn {n}",
                                              body=f"*Lipowa {n}*") for n in range(3)])
    with_db(lambda: posts.create_post(bw.member, bw.coalition, title="Inny", body="bez słowa"))
    readers = {}
    for name in ("member", "member2", "trainer"):
        readers[name] = app.test_client()
        Auth(readers[name]).as_user(getattr(bw, name))
    url = f"/board/{bw.coalition.slug}?q=festyn"

    def shown() -> dict[str, BeautifulSoup]:
        pages = {}
        for name, client in readers.items():
            first, kept = _search_html(app, client, url), _search_html(app, client, url)
            app.jinja_env.auto_reload = True  # development: the template for every post
            try:
                rendered = _search_html(app, client, url)
            finally:
                app.jinja_env.auto_reload = False
            assert kept == first == rendered, name
            pages[name] = BeautifulSoup(kept, "html.parser")
        return pages

    def ids(page: BeautifulSoup) -> list[int]:
        return [int(a["id"].removeprefix("post-")) for a in page.select("article")]

    def post(post_id: int) -> Post:
        return Post.get_by_id(post_id)

    first, second, third = (p.id for p in made)
    pages = shown()
    assert all(ids(page) == [third, second, first] for page in pages.values())
    assert "Lipowa 1" in pages["member2"].select_one(f"#post-{second}").get_text()
    changes = [
        ("edited", lambda: posts.edit_post(post(second), title="Festyn poprawiony",
                                           body="**nowa treść**", category="need")),
        ("hidden", lambda: posts.hide(post(second), bw.trainer, "Nieaktualny")),
        ("restored", lambda: posts.restore(post(second), bw.trainer)),
        ("pinned", lambda: posts.set_pinned(post(first), True)),
        ("unmatched", lambda: posts.edit_post(post(third), title="Piknik", body="Ławki",
                                              category="need")),
        ("deleted", lambda: posts.delete_post(post(first), bw.trainer)),
    ]
    for name, change in changes:
        with_db(change)
        pages = shown()
        article = pages["member2"].select_one(f"#post-{second}")
        if name == "edited":
            assert article.select_one("strong").get_text() == "nowa treść"
            assert "Festyn poprawiony" in article.get_text() and "Lipowa" not in article.get_text()
        if name == "hidden":
            assert article is None  # another member's page: no more
            for reader in ("member", "trainer"):  # its author's, a moderator's: marked
                assert "Nieaktualny" in pages[reader].select_one(f"#post-{second}").get_text()
        if name == "restored":
            assert "Nieaktualny" not in pages["member"].select_one(f"#post-{second}").get_text()
        if name == "pinned":
            for page in pages.values():
                assert "is-pinned" in page.select_one(f"#post-{first}")["class"]
                assert ids(page)[0] == first
        if name in ("unmatched", "deleted"):
            gone = third if name == "unmatched" else first
            assert all(gone not in ids(page) for page in pages.values())
        expected = {"edited": [third, second, first], "hidden": [third, first],
                    "restored": [third, second, first], "pinned": [first, third, second],
                    "unmatched": [first, second], "deleted": [second]}[name]
        assert ids(pages["member2"]) == expected, name
