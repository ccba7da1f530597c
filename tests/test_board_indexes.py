"""The board's top (pinned and must-read posts) and its upcoming events are read from small
index ranges, not from every post of the board (SQLite's query plans; PostgreSQL gets the
same indexes and chooses by its statistics)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import captured_sql
from factories import build_board_world, make_coalition, make_module

from koalicje.board import posts
from koalicje.learning import progress
from models import Comment, Post, db, utcnow

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
    top, stream, texts = _plans(lambda: posts.listing(bw.member2, board))
    # The posts' texts (kept per process in a request: not here), read by id.
    assert "USING INTEGER PRIMARY KEY (rowid=?)" in texts, texts
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
    ) == 4, plan  # the programme board and the member's coalition: either side of a visit


def test_rate_check_and_task_posts_read_the_authors_range(app, database, bw):
    """An author with many posts and comments: the rate check reads only the last minute's
    rows, the learning path only the author's course-task posts, each from its index."""
    _fill(bw)  # 1,600 posts by bw.member
    old = utcnow() - timedelta(days=30)
    Post.update(created_at=old).execute()
    Comment.insert_many([dict(post=Post.select(Post.id).limit(1).scalar(), author=bw.member.id,
                              body_source="x", body_html="x", created_at=old)] * 300).execute()
    db.execute_sql("ANALYZE")
    with app.app_context():
        captured = captured_sql(lambda: posts.check_rate(bw.member))
    plans = [" / ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
             for sql, params in captured]
    assert len(plans) == 2, plans
    assert "post_author_id_created_at (author_id=? AND created_at>?)" in plans[0], plans
    assert "comment_author_id_created_at (author_id=? AND created_at>?)" in plans[1], plans
    make_module(task=True)
    task = " | ".join(_plans(lambda: progress.learning_path(bw.member)))
    assert "post_author_id_module_slug (author_id=? AND module_slug=?)" in task, task


def test_comment_counts_read_the_covering_index_only(app, database, bw):
    """A board's comment counts (every reader's: a moderator's and a plain reader's) read
    each post's comments from one index, not from the comments' rows."""
    _fill(bw)
    listed = list(Post.select().where(Post.coalition == bw.coalition.id).limit(40))
    Comment.insert_many([dict(post=p.id, author=bw.member.id, body_source="x", body_html="x")
                         for p in listed for _ in range(3)]).execute()
    db.execute_sql("ANALYZE")
    for reader in (bw.member2, bw.trainer):
        with app.test_request_context():
            captured = captured_sql(lambda r=reader: posts.extras(r, listed, bw.coalition))
        [plan] = [" / ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
                  for sql, params in captured if 'FROM "comment"' in sql]
        assert "USING COVERING INDEX comment_post_id_deleted_at_hidden_at_author_id" in plan, plan
