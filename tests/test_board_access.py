"""Who reads and posts on which board, and the feeds of private boards (tokens)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import soup
from factories import build_board_world, with_db

from koalicje.board import feed_tokens, posts
from models import Post


@pytest.fixture
def bw(app):
    return build_board_world()


def _post(author, coalition, **kw):
    return with_db(lambda: posts.create_post(author, coalition, title=kw.get("title", "Wpis"),
                                              body=kw.get("body", "Treść")))


@pytest.mark.parametrize("who, status", [
    ("coordinator", 200), ("member", 200), ("trainer", 200), ("admin", 200),
    ("outsider", 404), ("other_trainer", 404),
])
def test_coalition_board_is_private(client, auth, bw, who, status):
    _post(bw.member, bw.coalition, title="Tajne plany")
    auth.as_user(getattr(bw, who))
    response = client.get(f"/board/{bw.coalition.slug}")
    assert response.status_code == status
    titles = [a.get_text() for a in soup(response).select(".post-title a")]
    assert ("Tajne plany" in titles) == (status == 200)
    # the single post, its comments and its feeds are private too
    post_id = with_db(lambda: Post.get(Post.title == "Tajne plany").id)
    assert client.get(f"/board/post/{post_id}").status_code == status
    for feed in ("feed.atom", "calendar.ics"):
        assert client.get(f"/board/{bw.coalition.slug}/{feed}").status_code == status


def test_programme_board_is_for_everyone_signed_in(client, auth, bw):
    _post(bw.outsider, None, title="Dla wszystkich")
    assert client.get("/board/").status_code == 302  # sign in first
    auth.as_user(bw.member)
    response = client.get("/board/")
    assert [a.get_text() for a in soup(response).select(".post-title a")] == ["Dla wszystkich"]
    assert soup(response).select_one("form#post-form") is not None


def test_unknown_board_is_404(client, auth, bw):
    auth.as_user(bw.admin)
    assert client.get("/board/nie-ma-takiej").status_code == 404
    assert client.get("/board/post/99999").status_code == 404


def test_non_member_cannot_post_to_private_board(client, auth, bw):
    auth.as_user(bw.outsider)
    token = auth.csrf()
    response = client.post(f"/board/{bw.coalition.slug}/posts",
                           data={"title": "Wtargnięcie", "body": "x", "category": "need",
                                 "csrf_token": token})
    assert response.status_code == 404
    assert with_db(lambda: Post.select().count()) == 0


def test_private_feed_needs_a_valid_token(client, auth, bw):
    _post(bw.member, bw.coalition, title="Zebranie zarządu")
    slug = bw.coalition.slug
    # no session, no token: the board does not exist as far as the reader knows
    assert client.get(f"/board/{slug}/feed.atom").status_code == 404
    assert client.get(f"/board/{slug}/feed.atom?token=garbage").status_code == 404
    assert client.get(f"/board/{slug}/feed.atom?token=1.abc").status_code == 404
    member_token = with_db(lambda: feed_tokens.feed_token(bw.member, bw.coalition))
    outsider_token = with_db(lambda: feed_tokens.feed_token(bw.outsider, bw.coalition))
    programme_token = with_db(lambda: feed_tokens.feed_token(bw.member, None))
    ok = client.get(f"/board/{slug}/feed.atom?token={member_token}")
    assert ok.status_code == 200
    assert b"Zebranie zarz" in ok.data
    assert client.get(f"/board/{slug}/calendar.ics?token={member_token}").status_code == 200
    # a token of someone who may not read the board, or made for another board, is refused
    assert client.get(f"/board/{slug}/feed.atom?token={outsider_token}").status_code == 404
    assert client.get(f"/board/{slug}/feed.atom?token={programme_token}").status_code == 404
    assert client.get(f"/board/feed.atom?token={programme_token}").status_code == 200


def test_reset_token_invalidates_old_feed_urls(client, auth, bw):
    slug = bw.coalition.slug
    old = with_db(lambda: feed_tokens.feed_token(bw.member, bw.coalition))
    assert client.get(f"/board/{slug}/calendar.ics?token={old}").status_code == 200
    auth.as_user(bw.member)
    page = soup(client.get(f"/board/{slug}"))
    links = [a["href"] for a in page.select(".board-feeds a")]
    assert any(old in href for href in links)
    response = client.post("/board/feed-token/reset", data={"csrf_token": auth.csrf(),
                                                             "next": f"/board/{slug}"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/board/{slug}")
    auth.logout()
    assert client.get(f"/board/{slug}/calendar.ics?token={old}").status_code == 404
    new = with_db(lambda: feed_tokens.feed_token(bw.member, bw.coalition))
    assert new != old
    assert client.get(f"/board/{slug}/calendar.ics?token={new}").status_code == 200


def test_deactivated_users_token_stops_working(client, bw):
    token = with_db(lambda: feed_tokens.feed_token(bw.member, bw.coalition))

    def deactivate():
        bw.member.active = False
        bw.member.save()

    with_db(deactivate)
    assert client.get(f"/board/{bw.coalition.slug}/feed.atom?token={token}").status_code == 404


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", ""])
def test_next_never_leaves_the_site(client, auth, bw, target):
    auth.as_user(bw.member)
    response = client.post("/board/feed-token/reset",
                           data={"csrf_token": auth.csrf(), "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/board/"


def test_board_in_english(client, auth, bw):
    def create():
        post = posts.create_post(bw.member2, bw.coalition, title="Zebranie", body="x",
                                  category="event", event_at=posts.utcnow())
        Post.update(created_at=posts.utcnow() - timedelta(hours=3)).where(
            Post.id == post.id).execute()
        bw.member.locale = "en"
        bw.member.save()

    with_db(create)
    auth.as_user(bw.member)
    page = soup(client.get(f"/board/{bw.coalition.slug}"))
    article = page.select_one("article.board-post")
    assert article.select_one("time").get_text() == "3 hours ago"
    assert article.select_one(".post-category").get_text() == "Event"
    assert article.select_one(".post-sector").get_text() == "Business"
    assert page.select_one(".board-events h2").get_text() == "Upcoming events"
