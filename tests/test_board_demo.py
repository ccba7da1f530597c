"""The noticeboard's demo data: every category, an upcoming event, a must-read post,
comments; loading twice changes nothing."""

from __future__ import annotations

from koalicje.ops import demo
from models import POST_CATEGORIES, Comment, Post, utcnow


def test_demo_board_data_is_complete_and_idempotent(app, database):
    with app.app_context():
        demo.load(app.config)
        posts = Post.select().count()
        comments = Comment.select().count()
        demo.load(app.config)
    assert Post.select().count() == posts and Comment.select().count() == comments
    assert comments >= 3
    for board in (Post.coalition.is_null(), Post.coalition.is_null(False)):
        categories = {p.category for p in Post.select().where(board)}
        assert categories == set(POST_CATEGORIES)
    assert Post.select().where(Post.must_read == True).exists()  # noqa: E712
    assert Post.select().where(Post.event_at > utcnow()).count() >= 2
