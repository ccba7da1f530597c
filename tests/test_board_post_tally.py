"""The header's new-post counts add up whole months from `PostTally`, which the database's
triggers keep at every write of a post. After every kind of write (a post, an edit, hide,
restore, soft delete, hard delete, a cascade, a move) the table equals what it summarises,
and each board's count equals the plain count of others' visible posts since the visit, on
SQLite and PostgreSQL alike, at month boundaries too."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from conftest import captured_sql
from factories import add_member, assign, board_post, make_coalition, make_user, migrate_from

from koalicje.board import posts
from models import (
    MIGRATIONS,
    TALLY_TOTAL,
    BoardVisit,
    Coalition,
    Post,
    PostTally,
    SchemaVersion,
    User,
    create_or_migrate,
    db,
    post_tally_from_scratch,
    recount_post_tally,
    utcnow,
)

# Visits and posts around the ends of months, the exact instants included.
MOMENTS = [
    datetime(2025, 1, 31, 23, 59, 59), datetime(2025, 2, 1, 0, 0, 0),
    datetime(2025, 2, 1, 0, 0, 1), datetime(2025, 2, 14, 12, 0, 0),
    datetime(2025, 2, 28, 23, 59, 59, 500_000), datetime(2025, 3, 1, 0, 0, 0),
    datetime(2025, 12, 31, 23, 0, 0), datetime(2026, 1, 1, 0, 0, 0),
    datetime(2026, 1, 15, 8, 30, 0),
]


def _stored() -> dict[tuple[int, int], int]:
    return {(board, month): count for board, month, count in
            PostTally.select(PostTally.board, PostTally.month, PostTally.posts).tuples()
            if count}


def _plain_count(user: User, board: Coalition | None) -> int:
    """What the header showed before `PostTally`: others' visible posts since the visit."""
    on_board = Post.coalition.is_null() if board is None else Post.coalition == board.id
    return Post.select().where(
        on_board & (Post.created_at > posts.last_seen(user, board)) & Post.deleted_at.is_null()
        & Post.hidden_at.is_null() & (Post.author != user.id)).count()


class World:
    def __init__(self):
        self.coalition = make_coalition(name="Koalicja Lipowa")
        self.other = make_coalition(name="Koalicja Dębowa")
        self.reader = make_user(name="Czytelniczka")
        self.writer = make_user(name="Autorka")
        self.trainer = make_user(role="trainer", name="Trenerka")
        self.admin = make_user(role="admin", name="Moderatorka")
        add_member(self.reader, self.coalition)
        add_member(self.writer, self.coalition)
        assign(self.trainer, self.coalition)
        assign(self.trainer, self.other)
        User.update(created_at=datetime(2025, 1, 1)).execute()
        self.posts = []
        for n, at in enumerate(MOMENTS):
            for board in (None, self.coalition, self.other):
                for author in (self.writer, self.reader, self.trainer):
                    self.posts.append(board_post(author, board, title=f"Wpis {n}", created_at=at))

    def check(self) -> None:
        """The table equals what it summarises, and every count the plain count, for every
        reader and for visits at every moment (and never)."""
        assert _stored() == {key: n for key, n in post_tally_from_scratch().items() if n}
        compared = 0
        for user in (self.reader, self.writer, self.trainer):
            for seen in [None, *MOMENTS]:
                BoardVisit.delete().where(BoardVisit.user == user.id).execute()
                if seen is not None:
                    for board in posts.boards_of(user):
                        BoardVisit.create(user=user.id, coalition=board,
                                          board_key=posts.board_key(board), seen_at=seen)
                user = User.get_by_id(user.id)
                shown = {e.slug: e.new for e in posts.navigation(user)}
                expected = {(b.slug if b else None): _plain_count(user, b)
                            for b in posts.boards_of(user)}
                assert shown == expected, (user.name, seen)
                compared += sum(shown.values())
        assert compared > 100  # the check compares real counts, not only zeros


@pytest.fixture
def world(app, database):
    return World()


def test_counts_after_posting(world):
    world.check()
    posts.create_post(world.writer, world.coalition, title="Nowy", body="x")
    posts.create_post(world.reader, None, title="Mój", body="x")
    world.check()


def test_counts_after_hide_and_restore(world):
    for post in world.posts[::4]:
        posts.hide(post, world.admin, "spam")
    world.check()
    for post in world.posts[::8]:
        posts.restore(Post.get_by_id(post.id), world.admin)
    world.check()


def test_counts_after_delete_and_edit(world):
    for post in world.posts[1::3]:
        posts.delete_post(post, world.admin)
    world.check()
    hidden = Post.get_by_id(world.posts[2].id)
    posts.hide(hidden, world.admin, "spam")
    posts.delete_post(Post.get_by_id(hidden.id), world.admin)  # hidden, then deleted
    for post in world.posts[5::7]:
        posts.edit_post(Post.get_by_id(post.id), title="Zmieniony", body="y",
                        category="announcement")
    world.check()


def test_counts_after_hard_deletes_cascades_and_moves(world):
    Post.get_by_id(world.posts[0].id).delete_instance(recursive=True)
    world.check()
    Post.update(coalition=world.other.id, created_at=datetime(2025, 7, 3)).where(
        Post.id.in_([p.id for p in world.posts[3:12]])).execute()
    world.check()
    extra = make_user()
    add_member(extra, world.other)
    board_post(extra, world.other, title="Do usunięcia", created_at=MOMENTS[3])
    User.delete().where(User.id == extra.id).execute()  # posts go with their author
    world.check()
    Coalition.delete().where(Coalition.id == world.other.id).execute()  # and with a board
    world.check()


def test_a_new_table_is_filled_from_the_posts_and_recount_repairs_it(world):
    expected = _stored()
    assert expected
    PostTally.update(posts=PostTally.posts + 5).where(PostTally.board == 0).execute()
    assert recount_post_tally() > 0
    assert _stored() == expected
    assert recount_post_tally() == 0
    # An existing database without the table (before this change) gets it, filled.
    db.execute_sql("DROP TABLE post_tally")
    create_or_migrate()
    assert _stored() == expected
    posts.create_post(world.writer, world.coalition, title="Po aktualizacji", body="x")
    assert _stored() == {key: n for key, n in post_tally_from_scratch().items() if n}
    assert _months(expected) + 1 == _months(_stored())


def _months(stored: dict[tuple[int, int], int]) -> int:
    """The posts of a tally's months (not its boards' totals)."""
    return sum(n for (_board, month), n in stored.items() if month != TALLY_TOTAL)


def test_each_board_keeps_its_total_of_all_months(world):
    """The total row of each board (month `TALLY_TOTAL`) is the sum of its months."""
    world.check()
    stored = _stored()
    for board in {board for board, _month in stored}:
        assert stored[(board, TALLY_TOTAL)] == sum(
            n for (b, month), n in stored.items() if b == board and month != TALLY_TOTAL)


def test_an_upgrade_adds_the_totals_and_the_triggers_keep_them(world):
    """Migration 19 adds each board's total to a tally that has only months; the triggers
    (on SQLite dropped and made again) keep the totals from then on."""
    expected = _stored()
    PostTally.delete().where(PostTally.month == TALLY_TOTAL).execute()
    if db.obj.__class__.__name__.lower().startswith("sqlite"):
        db.execute_sql("DROP TRIGGER post_tally_insert")  # as if an older form: made again
    assert migrate_from(18) == [v for v in sorted(MIGRATIONS) if v > 18]
    assert 19 in MIGRATIONS
    assert _stored() == expected
    posts.create_post(world.writer, world.coalition, title="Po aktualizacji", body="x")
    posts.hide(Post.get_by_id(world.posts[4].id), world.admin, "spam")
    world.check()


def test_an_upgrade_whose_migrations_create_the_tables_fills_the_tally(world):
    """A database from before the tally (schema 14) is upgraded by migrations that create
    every missing table, the tally's among them: it is filled all the same (it was left
    empty, and the header's counts came out wrong, even negative)."""
    expected = _stored()
    assert expected
    db.execute_sql("DROP TABLE post_tally")
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=14)
    assert create_or_migrate() == [v for v in sorted(MIGRATIONS) if v > 14]
    assert _stored() == expected
    world.check()


def test_recount_command_repairs_the_tally(app, runner, world):
    PostTally.delete().execute()
    db.close()
    result = runner.invoke(args=["db", "recount"])
    assert result.exit_code == 0, result.output
    assert "New posts per board and month:" in result.output
    db.connect(reuse_if_open=True)
    assert _stored() == {key: n for key, n in post_tally_from_scratch().items() if n}


@pytest.mark.sqlite_only
def test_a_count_reads_only_indexes(world):
    """Months from the tally's index, the visit's month and the reader's own posts from
    covering indexes: no post row is read, however many posts a board has."""
    rows = [dict(coalition=board, author=author.id, title="x", body_source="x", body_html="x",
                 created_at=datetime(2025, 1, 1) + timedelta(hours=n))
            for board in (None, world.coalition.id) for author in (world.reader, world.writer)
            for n in range(400)]
    with db.atomic():
        for start in range(0, len(rows), 100):
            Post.insert_many(rows[start:start + 100]).execute()
    db.execute_sql("ANALYZE")
    [(sql, params)] = captured_sql(lambda: posts.navigation(User.get_by_id(world.reader.id)))[-1:]
    plan = " / ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    # Per board: its first and last months, the tally's months after (or from) the
    # visit's or its total less the months before, from the tally's index; the visit's
    # month from the covering index of posts by board; the reader's own posts from the
    # covering index by author. No post row is read.
    searches = [step for step in plan.split(" / ") if step.startswith("SEARCH")]
    tally = [step for step in searches if "post_tally" in step]
    assert tally and all("USING INDEX post_tally_board_month (board=? AND month" in step
                         or "USING COVERING INDEX post_tally_board_month (board=? AND month"
                         in step for step in tally), plan
    on_board = ("SEARCH post USING COVERING INDEX post_coalition_id_created_at_author_id_"
                "deleted_at_hidden_at (coalition_id=? AND created_at>? AND created_at<?)")
    by_author = ("SEARCH post USING COVERING INDEX post_author_id_coalition_id_created_at_"
                 "deleted_at_hidden_at (author_id=? AND coalition_id=? AND created_at>?)")
    assert set(searches) - set(tally) == {on_board, by_author}, plan
    assert searches.count(by_author) == 2, plan  # the programme board's and the coalition's
    # no table is scanned: only the programme's one row of values (b) and the bound JSON
    # list of boards
    scans = [step for step in plan.split(" / ") if "SCAN" in step]
    assert set(scans) <= {"SCAN CONSTANT ROW", "SCAN b",
                          "SCAN json_each VIRTUAL TABLE INDEX 1:"}, plan
    assert len(params) < 12, params  # the boards' values in one JSON parameter, not 9 each


def test_counts_in_the_header_of_a_page(app, client, auth, world):
    """The page shows the same numbers (the programme board and the coalition's)."""
    now = utcnow()
    for n in range(3):
        board_post(world.writer, world.coalition, title=f"Świeży {n}", created_at=now)
    auth.login(world.reader.email)
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/learning/").data, "html.parser")
    db.connect(reuse_if_open=True)
    reader = User.get_by_id(world.reader.id)
    for link in page.select(".board-nav a[data-board]"):
        board = None if link["data-board"] == "programme" else Coalition.get(
            Coalition.slug == link["data-board"])
        count = link.select_one(".board-new-count")
        shown = int(count.get_text().split()[0]) if count else 0
        assert shown == _plain_count(reader, board) > 0
