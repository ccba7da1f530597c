"""The board's top (pinned and must-read posts) and its upcoming events are read from small
index ranges, not from every post of the board (SQLite's query plans; PostgreSQL gets the
same indexes and chooses by its statistics)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import captured_sql
from factories import build_board_world, make_coalition

from koalicje.board import posts
from models import Post, db, utcnow

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def bw(app):
    return build_board_world()


def _plans(run) -> list[str]:
    """The query plan of every post query `run` makes."""
    captured = captured_sql(run)
    return [
        " / ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        for sql, params in captured if 'FROM "post"' in sql
    ]


def _fill(bw) -> None:
    """Boards like the programme's: many coalitions, few pinned or must-read posts."""
    now = utcnow()
    boards = [bw.coalition.id, None] + [make_coalition().id for _ in range(40)]
    rows = [dict(coalition=board, author=bw.member.id, title=f"Wpis {n}", body_source="x",
                 body_html="x", category="event" if n % 5 == 0 else "announcement",
                 event_at=now + timedelta(days=n) if n % 5 == 0 else None,
                 pinned=n % 50 == 0, must_read=n % 70 == 0, created_at=now)
            for board in boards for n in range(300 if board in boards[:2] else 40)]
    with db.atomic():
        for start in range(0, len(rows), 100):
            Post.insert_many(rows[start:start + 100]).execute()
    db.execute_sql("ANALYZE")


@pytest.mark.parametrize("board_name", ["coalition", "programme"])
def test_top_posts_and_events_use_their_indexes(database, bw, board_name):
    _fill(bw)
    board = bw.coalition if board_name == "coalition" else None
    top, stream = _plans(lambda: posts.listing(bw.member2, board))
    assert "MULTI-INDEX OR" in top, top
    assert "post_pinned_coalition_id (pinned=? AND coalition_id=?)" in top, top
    assert "post_must_read_coalition_id (must_read=? AND coalition_id=?)" in top, top
    [events] = _plans(lambda: posts.upcoming_events(bw.member2, board))
    assert "post_coalition_id_category_event_at (coalition_id=? AND category=? AND event_at>?)" \
        in events, events
    assert "TEMP B-TREE" not in events, events  # already in event order


def test_top_posts_are_the_same_with_the_indexes(database, bw):
    """The rewritten top condition picks exactly the pinned and unconfirmed must-read posts
    of this board, not another board's."""
    _fill(bw)
    listing = posts.listing(bw.member2, bw.coalition)
    expected = {p.id for p in Post.select().where(
        (Post.coalition == bw.coalition.id) & (Post.pinned | Post.must_read))}
    assert {p.id for p in listing.top} == expected
    assert not expected & {p.id for p in listing.posts}


def test_unread_counts_read_the_covering_index_only(database, bw):
    _fill(bw)
    [plan] = _plans(lambda: posts.navigation(bw.member2))
    assert "MULTI-INDEX OR" not in plan, plan  # it would fetch every new post's row
    assert plan.count(
        "USING COVERING INDEX post_coalition_id_created_at_author_id_deleted_at_hidden_at"
    ) == 2, plan  # the programme board and the member's coalition
