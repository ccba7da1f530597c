"""Moderation: trainers and admins hide posts and comments with a reason; the author sees
that and why, others do not see them at all; hiding and restoring are logged."""

from __future__ import annotations

import pytest
from conftest import soup
from factories import build_board_world, with_db

from koalicje.board import posts
from models import AuditLog, Comment, Post


@pytest.fixture
def bw(app):
    return build_board_world()


def _titles(response) -> list[str]:
    return [a.get_text() for a in soup(response).select(".post-title a")]


def test_hide_post_visibility_and_log(client, htmx, auth, bw):
    post = with_db(lambda: posts.create_post(bw.member, bw.coalition, title="Reklama",
                                              body="Kup teraz"))
    slug = bw.coalition.slug
    auth.as_user(bw.trainer)
    empty = htmx.post(f"/board/post/{post.id}/hide",
                      data={f"h{post.id}-reason": "  ", "csrf_token": auth.csrf()})
    assert empty.status_code == 422
    assert soup(empty).select_one(f"input[name=h{post.id}-reason]")["aria-invalid"] == "true"
    hidden = htmx.post(f"/board/post/{post.id}/hide",
                       data={f"h{post.id}-reason": "Treść reklamowa", "csrf_token": auth.csrf()})
    assert hidden.status_code == 200
    article = soup(hidden).select_one(f"article#post-{post.id}")
    assert "is-hidden" in article["class"]
    assert article.select_one(f"form[action='/board/post/{post.id}/restore']") is not None
    # the moderator still sees it on the board, marked
    assert "Reklama" in _titles(client.get(f"/board/{slug}"))
    auth.logout()

    auth.as_user(bw.member)  # the author: sees it was hidden, and why
    page = soup(client.get(f"/board/{slug}"))
    note = page.select_one(f"#post-{post.id} .post-hidden-note")
    assert "Treść reklamowa" in note.get_text()
    assert page.select_one(f"a[href='/board/post/{post.id}/edit']") is None
    assert client.get(f"/board/post/{post.id}/edit").status_code == 403
    auth.logout()

    auth.as_user(bw.member2)  # everyone else: gone
    assert _titles(client.get(f"/board/{slug}")) == []
    assert client.get(f"/board/post/{post.id}").status_code == 404
    assert client.get(f"/board/{slug}?q=reklama").status_code == 200
    assert _titles(client.get(f"/board/{slug}?q=reklama")) == []
    assert b"Reklama" not in client.get(f"/board/{slug}/feed.atom").data
    auth.logout()

    auth.as_user(bw.admin)
    plain = client.post(f"/board/post/{post.id}/restore", data={"csrf_token": auth.csrf()})
    assert plain.status_code == 303
    auth.logout()
    auth.as_user(bw.member2)
    assert _titles(client.get(f"/board/{slug}")) == ["Reklama"]

    log = with_db(lambda: [(e.actor_id, e.action, e.target, e.detail)
                           for e in AuditLog.select().order_by(AuditLog.id)])
    assert log == [
        (bw.trainer.id, "board.hide_post", f"post:{post.id}", "Treść reklamowa"),
        (bw.admin.id, "board.restore_post", f"post:{post.id}", ""),
    ]


def test_hide_comment_visibility_and_log(client, htmx, auth, bw):
    def create():
        post = posts.create_post(bw.coordinator, bw.coalition, title="Zebranie", body="x")
        comment = posts.add_comment(bw.member, post, "Obraźliwy komentarz")
        posts.add_comment(bw.member2, post, "Miły komentarz")
        return post, comment

    post, comment = with_db(create)
    auth.as_user(bw.trainer)
    hidden = htmx.post(f"/board/comment/{comment.id}/hide",
                       data={f"hc{comment.id}-reason": "Obraża innych", "csrf_token": auth.csrf()})
    assert hidden.status_code == 200
    assert soup(hidden).select_one(f"#comment-{comment.id}.is-hidden") is not None
    auth.logout()

    auth.as_user(bw.member)
    own = soup(client.get(f"/board/post/{post.id}"))
    assert "Obraża innych" in own.select_one(f"#comment-{comment.id} .post-hidden-note").get_text()
    auth.logout()

    auth.as_user(bw.member2)
    others = soup(client.get(f"/board/post/{post.id}"))
    assert [" ".join(c.get_text().split()) for c in others.select(".comment-body")] == [
        "Miły komentarz"]
    assert others.select_one("details.post-comments summary").get_text() == "Komentarze (1)"
    assert client.post(f"/board/comment/{comment.id}/hide",
                       data={f"hc{comment.id}-reason": "x", "csrf_token": auth.csrf()}
                       ).status_code == 403
    kept = with_db(lambda: Comment.get_by_id(comment.id))
    assert (kept.hidden_reason, kept.hidden_by_id) == ("Obraża innych", bw.trainer.id)
    assert with_db(lambda: [e.action for e in AuditLog.select()]) == ["board.hide_comment"]
    auth.logout()

    auth.as_user(bw.admin)
    restored = client.post(f"/board/comment/{comment.id}/restore",
                           data={"csrf_token": auth.csrf()})
    assert restored.status_code == 303
    assert with_db(lambda: Comment.get_by_id(comment.id).hidden_at) is None
    actions = with_db(lambda: [e.action for e in AuditLog.select().order_by(AuditLog.id)])
    assert actions == ["board.hide_comment", "board.restore_comment"]


def test_coordinator_is_not_a_moderator(client, auth, bw):
    post = with_db(lambda: posts.create_post(bw.member, bw.coalition, title="x", body="y"))
    auth.as_user(bw.coordinator)
    page = soup(client.get(f"/board/post/{post.id}"))
    assert page.select_one(f"form[action='/board/post/{post.id}/hide']") is None
    assert client.post(f"/board/post/{post.id}/hide",
                       data={f"h{post.id}-reason": "x", "csrf_token": auth.csrf()}
                       ).status_code == 403
    assert with_db(lambda: Post.get_by_id(post.id).hidden_at) is None


def test_comments_on_hidden_post_are_refused(client, auth, bw):
    post = with_db(lambda: posts.create_post(bw.member, bw.coalition, title="x", body="y"))
    with_db(lambda: posts.hide(post, bw.trainer, "spam"))
    auth.as_user(bw.member)
    response = client.post(f"/board/post/{post.id}/comments",
                           data={f"c{post.id}-body": "a jednak", "csrf_token": auth.csrf()})
    assert response.status_code == 403
