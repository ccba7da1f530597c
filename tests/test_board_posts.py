"""Posting, editing, deleting, comments, pinning, must-read: as htmx fragments and as plain
requests (no JavaScript)."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import soup
from factories import build_board_world, with_db

from koalicje.board import posts
from models import AuditLog, Comment, Post, ReadConfirmation


@pytest.fixture
def bw(app):
    return build_board_world()


def _post(author, coalition, title="Wpis", body="Treść", **kw):
    return with_db(lambda: posts.create_post(author, coalition, title=title, body=body, **kw))


def _reload(post):
    return with_db(lambda: Post.get_by_id(post.id))


def _data(token, **fields):
    return {"title": "Szukamy wolontariuszy", "body": "Na **festyn** w sobotę.",
            "category": "need", "csrf_token": token, **fields}


# --- creating -------------------------------------------------------------------------------


def test_create_plain_posts_and_redirects(client, auth, bw):
    auth.as_user(bw.member)
    response = client.post(f"/board/{bw.coalition.slug}/posts", data=_data(auth.csrf()))
    assert response.status_code == 303
    post = with_db(lambda: Post.get())
    assert response.headers["Location"].endswith(f"/board/{bw.coalition.slug}#post-{post.id}")
    assert post.coalition_id == bw.coalition.id and post.author_id == bw.member.id
    assert post.body_html == "<p>Na <strong>festyn</strong> w sobotę.</p>"
    page = soup(client.get(f"/board/{bw.coalition.slug}"))
    article = page.select_one(f"#post-{post.id}")
    assert article.select_one(".post-author").get_text() == "Marek Członek"
    assert article.select_one(".post-sector").get_text() == "Organizacje pozarządowe"
    assert article.select_one(".post-category").get_text() == "Potrzeba"
    assert "temu" in article.select_one("time").get_text()


def test_create_htmx_returns_post_and_fresh_form(htmx, auth, bw):
    auth.as_user(bw.member)
    response = htmx.post(f"/board/{bw.coalition.slug}/posts", data=_data(auth.csrf()))
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    page = soup(response)
    assert page.select_one("html") is None  # a fragment
    article = page.select_one("article.board-post")
    assert article.select_one(".post-title").get_text() == "Szukamy wolontariuszy"
    form = page.select_one("form#post-form")
    assert form["hx-swap-oob"] == "true"
    assert form.select_one("input[name=title]").get("value", "") == ""
    assert form.select_one("textarea[name=body]").get_text().strip() == ""


def test_page_form_targets_the_stream(client, auth, bw):
    auth.as_user(bw.member)
    page = soup(client.get(f"/board/{bw.coalition.slug}"))
    form = page.select_one("form#post-form")
    assert form["method"] == "post" and form["action"] == f"/board/{bw.coalition.slug}/posts"
    assert form["hx-target"] == "#board-stream" and form["hx-swap"] == "afterbegin"
    assert page.select_one("#board-stream") is not None


def test_event_post_keeps_date_time_and_place(client, auth, bw):
    auth.as_user(bw.member)
    response = client.post("/board/posts", data=_data(
        auth.csrf(), category="event", event_date="2030-06-01", event_time="17:30",
        event_place="Sala OSP"))
    assert response.status_code == 303
    post = with_db(lambda: Post.get())
    # 17:30 in Warsaw in summer is 15:30 UTC
    assert post.event_at == datetime(2030, 6, 1, 15, 30)
    assert post.event_place == "Sala OSP"
    page = soup(client.get("/board/"))
    assert "Sala OSP" in page.select_one(".post-event").get_text()
    assert "17:30" in page.select_one(".post-event").get_text()
    events = page.select(".board-events li a")
    assert [a.get_text() for a in events] == ["Szukamy wolontariuszy"]
    assert events[0]["href"] == f"/board/post/{post.id}"
    # The list of events shows each event's time (local) and place too.
    event = page.select_one(".board-events li small")
    assert event.select_one("time")["datetime"] == "2030-06-01T15:30Z"
    assert "17:30" in event.get_text() and "Sala OSP" in event.get_text()


def test_event_without_date_is_422(client, auth, bw):
    auth.as_user(bw.member)
    response = client.post("/board/posts", data=_data(auth.csrf(), category="event"))
    assert response.status_code == 422
    assert soup(response).select_one("#event_date")["aria-invalid"] == "true"


def test_empty_and_oversized_input_is_422_with_form_kept(client, htmx, auth, bw):
    auth.as_user(bw.member)
    token = auth.csrf()
    for fields, bad in [({"title": ""}, "title"), ({"title": "x" * 201}, "title"),
                        ({"body": "   "}, "body"), ({"body": "x" * 20_001}, "body")]:
        data = _data(token, **fields)
        response = client.post("/board/posts", data=data)
        assert response.status_code == 422, fields
        form = soup(response).select_one("form#post-form")
        assert form.select_one(f"[name={bad}]")["aria-invalid"] == "true"
        kept = "body" if bad == "title" else "title"
        if kept == "title":
            assert form.select_one("input[name=title]")["value"] == data["title"]
        else:
            assert form.select_one("textarea[name=body]").get_text().strip() == data["body"]
        fragment = htmx.post("/board/posts", data=data)
        assert fragment.status_code == 422
        assert fragment.headers["HX-Retarget"] == "#post-form"
        assert fragment.headers["HX-Reswap"] == "outerHTML"
        assert soup(fragment).select_one("html") is None
        assert soup(fragment).select_one("form#post-form") is not None
    ok_limits = _data(token, title="x" * 200, body="y" * 20_000)
    assert client.post("/board/posts", data=ok_limits).status_code == 303
    assert with_db(lambda: Post.select().count()) == 1


def test_back_and_submit_again_does_not_post_twice(client, htmx, auth, bw):
    """Each render of the form carries its own key; sending the same render twice (Back,
    then submit) shows the first post instead of creating a duplicate, with or without htmx."""
    auth.as_user(bw.member)
    url = f"/board/{bw.coalition.slug}"
    form = soup(client.get(url)).select_one("form#post-form")
    key = form.select_one("input[name=form_key]")["value"]
    assert key != soup(client.get(url)).select_one("form#post-form input[name=form_key]")["value"]
    data = _data(auth.csrf(), form_key=key)
    first = client.post(f"{url}/posts", data=data)
    again = client.post(f"{url}/posts", data=data)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert htmx.post(f"{url}/posts", data=data).status_code == 204
    assert with_db(lambda: Post.select().count()) == 1
    other = _data(auth.csrf(), form_key=soup(client.get(url)).select_one(
        "form#post-form input[name=form_key]")["value"])
    assert client.post(f"{url}/posts", data=other).status_code == 303  # a new render posts
    assert with_db(lambda: Post.select().count()) == 2


def test_long_posts_are_collapsed_behind_show_more(client, auth, bw):
    short = _post(bw.member, bw.coalition, title="Krótki", body="Jedno zdanie.")
    long = _post(bw.member, bw.coalition, title="Długi", body="Akapit długiego wpisu. " * 200)
    auth.as_user(bw.member)
    page = soup(client.get(f"/board/{bw.coalition.slug}"))
    clipped = page.select_one(f"#post-{long.id} .post-body")
    assert "post-body-long" in clipped["class"]
    more = clipped.find_next_sibling("details", class_="post-more")
    assert more is not None and "Pokaż więcej" in more.summary.text
    assert len(clipped.get_text()) > 4000  # the whole text is there (for readers, search)
    whole = page.select_one(f"#post-{short.id} .post-body")
    assert "post-body-long" not in whole["class"]
    assert page.select_one(f"#post-{short.id} details.post-more") is None


def test_over_long_paste_is_refused_with_its_length_not_cut(client, auth, bw):
    """The textarea has no maxlength (a browser would cut a paste silently): the server
    refuses the whole text, says how long it is and keeps it in the form."""
    auth.as_user(bw.member)
    page = soup(client.get(f"/board/{bw.coalition.slug}"))
    assert not page.select_one("form#post-form textarea[name=body]").has_attr("maxlength")
    response = client.post("/board/posts", data=_data(auth.csrf(), body="x" * 30_000))
    assert response.status_code == 422
    form = soup(response).select_one("form#post-form")
    error = form.select_one(".field-error").get_text()
    assert "30\u00a0000" in error and "20\u00a0000" in error
    assert len(form.select_one("textarea[name=body]").get_text().strip()) == 30_000
    assert with_db(lambda: Post.select().count()) == 0


def test_posting_too_fast_is_429(app, client, auth, bw):
    app.config["BOARD_POSTS_PER_MINUTE"] = 3
    auth.as_user(bw.member)
    token = auth.csrf()
    for n in range(3):
        assert client.post("/board/posts", data=_data(token, title=f"Wpis {n}")).status_code == 303
    response = client.post("/board/posts", data=_data(token, title="Jeden za dużo"))
    assert response.status_code == 429
    assert "najwyżej 3" in soup(response).get_text()
    assert with_db(lambda: Post.select().count()) == 3
    # comments count towards the same limit
    post = with_db(lambda: Post.get())
    response = client.post(f"/board/post/{post.id}/comments",
                           data={f"c{post.id}-body": "x", "csrf_token": token})
    assert response.status_code == 429


# --- editing and deleting -------------------------------------------------------------------


def test_edit_in_place_with_htmx(htmx, auth, bw):
    post = _post(bw.member, bw.coalition, title="Stary tytuł")
    auth.as_user(bw.member)
    form = htmx.get(f"/board/post/{post.id}/edit")
    assert form.status_code == 200
    article = soup(form).select_one(f"article#post-{post.id}")
    assert article.select_one(f"input[name=p{post.id}-title]")["value"] == "Stary tytuł"
    assert article["hx-swap"] == "outerHTML"
    cancel = htmx.get(f"/board/post/{post.id}")
    assert soup(cancel).select_one(f"article#post-{post.id} .post-title").get_text() == "Stary tytuł"
    saved = htmx.post(f"/board/post/{post.id}/edit", data={
        f"p{post.id}-title": "Nowy tytuł", f"p{post.id}-body": "_nowa_ treść",
        f"p{post.id}-category": "offer", "csrf_token": auth.csrf()})
    assert saved.status_code == 200
    article = soup(saved).select_one(f"article#post-{post.id}")
    assert article.select_one(".post-title").get_text() == "Nowy tytuł"
    assert article.select_one(".post-edited").get_text() == "edytowano"
    assert article.select_one(".post-body em").get_text() == "nowa"
    assert _reload(post).category == "offer"


def test_edit_plain_redirects_and_422_keeps_input(client, auth, bw):
    post = _post(bw.member, bw.coalition)
    auth.as_user(bw.member)
    token = auth.csrf()
    bad = client.post(f"/board/post/{post.id}/edit", data={
        f"p{post.id}-title": "", f"p{post.id}-body": "zostaje", f"p{post.id}-category": "need",
        "csrf_token": token})
    assert bad.status_code == 422
    assert soup(bad).select_one(f"textarea[name=p{post.id}-body]").get_text().strip() == "zostaje"
    assert _reload(post).title == "Wpis"
    ok = client.post(f"/board/post/{post.id}/edit", data={
        f"p{post.id}-title": "Poprawione", f"p{post.id}-body": "zostaje",
        f"p{post.id}-category": "need", "csrf_token": token})
    assert ok.status_code == 303 and ok.headers["Location"].endswith(f"/board/post/{post.id}")
    assert _reload(post).edited_at is not None


def test_only_the_author_edits(client, auth, bw):
    post = _post(bw.member, bw.coalition)
    auth.as_user(bw.member2)
    assert client.get(f"/board/post/{post.id}/edit").status_code == 403
    page = soup(client.get(f"/board/post/{post.id}"))
    assert page.select_one(f"a[href='/board/post/{post.id}/edit']") is None


def test_delete_with_confirmation_htmx_and_plain(client, htmx, auth, bw):
    first = _post(bw.member, bw.coalition, title="Pierwszy")
    second = _post(bw.member, bw.coalition, title="Drugi")
    auth.as_user(bw.member)
    token = auth.csrf()
    confirm = htmx.get(f"/board/post/{first.id}/delete")
    article = soup(confirm).select_one(f"article#post-{first.id}")
    assert article.select_one("form")["action"] == f"/board/post/{first.id}/delete"
    assert _reload(first).deleted_at is None  # asking is not deleting
    gone = htmx.post(f"/board/post/{first.id}/delete", data={"csrf_token": token})
    assert gone.status_code == 200 and soup(gone).select_one("[role=status]") is not None
    assert _reload(first).deleted_at is not None
    page = soup(client.get(f"/board/post/{second.id}/delete"))
    assert page.select_one("h1") is not None
    plain = client.post(f"/board/post/{second.id}/delete", data={"csrf_token": token})
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"/board/{bw.coalition.slug}")
    board = soup(client.get(f"/board/{bw.coalition.slug}"))
    assert board.select(".post-title") == []
    assert client.get(f"/board/post/{first.id}").status_code == 404
    assert with_db(lambda: Post.select().count()) == 2  # soft delete keeps the rows
    assert with_db(lambda: AuditLog.select().count()) == 0  # one's own post: not audited


def test_admin_deleting_someone_elses_post_is_audited(client, auth, bw):
    post = _post(bw.member, bw.coalition, title="Wpis do usunięcia")
    auth.as_user(bw.admin)
    response = client.post(f"/board/post/{post.id}/delete", data={"csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert _reload(post).deleted_at is not None
    entries = with_db(lambda: [(e.actor_id, e.action, e.target, e.detail)
                               for e in AuditLog.select()])
    assert entries == [(bw.admin.id, "board.delete_post", f"post:{post.id}",
                        "Wpis do usunięcia")]


# --- comments -------------------------------------------------------------------------------


def test_comments_expand_and_add_in_place(htmx, client, auth, bw):
    post = _post(bw.member, bw.coalition)
    with_db(lambda: posts.add_comment(bw.member2, post, "Pierwszy komentarz"))
    auth.as_user(bw.member)
    board = soup(client.get(f"/board/{bw.coalition.slug}"))
    details = board.select_one(f"#post-{post.id} details.post-comments")
    assert details.select_one("summary").get_text() == "Komentarze (1)"
    loader = details.select_one("[hx-get]")
    assert loader["hx-get"] == f"/board/post/{post.id}/comments"
    assert loader.select_one("a")["href"] == f"/board/post/{post.id}#comments"
    listing = htmx.get(loader["hx-get"])
    assert [c.get_text(strip=True) for c in soup(listing).select(".comment-body")] == [
        "Pierwszy komentarz"]
    added = htmx.post(f"/board/post/{post.id}/comments",
                      data={f"c{post.id}-body": "Drugi *komentarz*", "csrf_token": auth.csrf()})
    assert added.status_code == 200
    fragment = soup(added)
    assert fragment.select_one("html") is None
    assert [" ".join(c.get_text().split()) for c in fragment.select(".comment-body")] == [
        "Pierwszy komentarz", "Drugi komentarz"]
    assert fragment.select_one(f"textarea[name=c{post.id}-body]").get_text().strip() == ""
    count = fragment.select_one(f"#comments-count-{post.id}")
    assert count["hx-swap-oob"] == "true" and count.get_text() == "Komentarze (2)"
    assert board.select_one(f"#comments-count-{post.id}").get_text() == "Komentarze (1)"


def test_comment_answer_adds_only_what_the_form_had_not_shown(htmx, client, auth, bw):
    """The form says which comment it showed last; the htmx answer adds the comments after
    it (the reader's and any written meanwhile) below the others, a fresh form that knows
    the new last comment, and the count: the same list as before, in a fixed number of
    queries however many comments the post has."""
    from conftest import count_queries

    post = _post(bw.member, bw.coalition)
    first = with_db(lambda: posts.add_comment(bw.member2, post, "Pierwszy"))
    auth.as_user(bw.member)
    token = auth.csrf()
    listing = soup(htmx.get(f"/board/post/{post.id}/comments"))
    form = listing.select_one(f"#comment-form-{post.id}")
    assert form.select_one("input[name=after]")["value"] == str(first.id)
    assert form["hx-target"] == f"#comments-{post.id}"
    meanwhile = with_db(lambda: posts.add_comment(bw.member2, post, "W międzyczasie"))
    hidden = with_db(lambda: posts.add_comment(bw.member2, post, "Ukryty"))
    with_db(lambda: posts.hide(hidden, bw.trainer, "spam"))
    added = htmx.post(f"/board/post/{post.id}/comments",
                      data={f"c{post.id}-body": "Mój", "after": str(first.id),
                            "csrf_token": token})
    assert added.status_code == 200
    assert added.headers["HX-Retarget"] == f"#comment-form-{post.id}"
    assert added.headers["HX-Reswap"] == "outerHTML"
    fragment = soup(added)
    new = fragment.select_one(f"[hx-swap-oob='beforeend:#comment-items-{post.id}']")
    assert [c.get_text(strip=True) for c in new.select(".comment-body")] == [
        "W międzyczasie", "Mój"]
    assert new.select_one(f"#comment-{meanwhile.id} .comment-author").get_text() == "Maria Druga"
    mine = with_db(lambda: Comment.select().order_by(Comment.id.desc()).get())
    form = fragment.select_one(f"form#comment-form-{post.id}")
    assert form.select_one("input[name=after]")["value"] == str(mine.id)
    assert form.select_one(f"textarea[name=c{post.id}-body]").get_text().strip() == ""
    count = fragment.select_one(f"#comments-count-{post.id}")
    assert count["hx-swap-oob"] == "true" and count.get_text() == "Komentarze (3)"
    # What the whole list shows now is what the page had plus what the answer added.
    full = soup(htmx.get(f"/board/post/{post.id}/comments"))
    assert [c.get_text(strip=True) for c in full.select(f"#comment-items-{post.id} .comment-body")] \
        == ["Pierwszy", "W międzyczasie", "Mój"]
    # No comment shown yet ("no comments"): the answer replaces the list's items.
    other = _post(bw.member2, bw.coalition)
    empty = soup(htmx.get(f"/board/post/{other.id}/comments"))
    assert empty.select_one(f"#comment-items-{other.id} .comments-empty")
    assert empty.select_one("input[name=after]")["value"] == "0"
    first_answer = soup(htmx.post(f"/board/post/{other.id}/comments",
                                  data={f"c{other.id}-body": "Pierwszy!", "after": "0",
                                        "csrf_token": token}))
    items = first_answer.select_one(f"#comment-items-{other.id}")
    assert items["hx-swap-oob"] == "true" and items.select_one(".comments-empty") is None
    assert [c.get_text(strip=True) for c in items.select(".comment-body")] == ["Pierwszy!"]

    def queries(n_more: int) -> int:
        with_db(lambda: [posts.add_comment(bw.member2, post, f"k{i}") for i in range(n_more)])
        last = with_db(lambda: Comment.select().order_by(Comment.id.desc()).get())
        with count_queries() as q:
            answer = htmx.post(f"/board/post/{post.id}/comments",
                               data={f"c{post.id}-body": "Jeszcze", "after": str(last.id),
                                     "csrf_token": token})
        assert len(soup(answer).select(".comment-body")) == 1
        return q.count

    assert queries(1) == queries(30)


def test_comment_plain_and_errors(client, htmx, auth, bw):
    post = _post(bw.member, bw.coalition)
    auth.as_user(bw.member2)
    token = auth.csrf()
    assert client.get(f"/board/post/{post.id}/comments").status_code == 302
    ok = client.post(f"/board/post/{post.id}/comments",
                     data={f"c{post.id}-body": "Zgoda", "csrf_token": token})
    assert ok.status_code == 303
    assert ok.headers["Location"].endswith(f"/board/post/{post.id}#comments")
    detail = soup(client.get(f"/board/post/{post.id}"))
    assert detail.select_one(".comment-body").get_text(strip=True) == "Zgoda"
    for body in ("", "x" * 5001):
        bad = htmx.post(f"/board/post/{post.id}/comments",
                        data={f"c{post.id}-body": body, "csrf_token": token})
        assert bad.status_code == 422
        assert soup(bad).select_one(f"textarea[name=c{post.id}-body]")["aria-invalid"] == "true"
    assert with_db(lambda: Comment.select().count()) == 1


# --- pinning and must-read ------------------------------------------------------------------


def test_pin_htmx_and_plain_orders_pinned_first(client, htmx, auth, bw):
    old = _post(bw.member, bw.coalition, title="Stary")
    _post(bw.member, bw.coalition, title="Nowy")
    auth.as_user(bw.coordinator)
    token = auth.csrf()
    pinned = htmx.post(f"/board/post/{old.id}/pin", data={"pinned": "1", "csrf_token": token})
    assert pinned.status_code == 200
    assert soup(pinned).select_one(f"article#post-{old.id} .post-pinned") is not None
    titles = [a.get_text() for a in soup(client.get(f"/board/{bw.coalition.slug}")).select(
        ".post-title a")]
    assert titles == ["Stary", "Nowy"]
    plain = client.post(f"/board/post/{old.id}/pin",
                        data={"pinned": "0", "csrf_token": token, "next": f"/board/{bw.coalition.slug}"})
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"/board/{bw.coalition.slug}")
    assert _reload(old).pinned is False


def test_members_cannot_pin(client, auth, bw):
    post = _post(bw.member, bw.coalition)
    auth.as_user(bw.member)
    assert client.post(f"/board/post/{post.id}/pin",
                       data={"pinned": "1", "csrf_token": auth.csrf()}).status_code == 403
    assert soup(client.get(f"/board/post/{post.id}")).select_one(
        f"form[action='/board/post/{post.id}/pin']") is None


def test_must_read_confirmations(client, htmx, auth, bw):
    old = _post(bw.coordinator, bw.coalition, title="Regulamin")
    _post(bw.member2, bw.coalition, title="Nowszy wpis")
    auth.as_user(bw.coordinator)
    marked = htmx.post(f"/board/post/{old.id}/must-read",
                       data={"must_read": "1", "csrf_token": auth.csrf()})
    assert soup(marked).select_one(".post-must-read") is not None
    readers = soup(client.get(f"/board/post/{old.id}/readers"))
    assert [li.contents[0].strip() for li in readers.select(".board-missing-readers li")] == [
        "Marek Członek", "Maria Druga"]
    auth.logout()

    auth.as_user(bw.member)
    # unconfirmed must-read comes first for a member, although it is older
    board = soup(client.get(f"/board/{bw.coalition.slug}"))
    assert [a.get_text() for a in board.select(".post-title a")] == ["Regulamin", "Nowszy wpis"]
    button = board.select_one(f"#post-{old.id} form[action='/board/post/{old.id}/confirm'] button")
    assert button.get_text() == "Przeczytane"
    confirmed = htmx.post(f"/board/post/{old.id}/confirm", data={"csrf_token": auth.csrf()})
    assert confirmed.status_code == 200
    assert soup(confirmed).select_one(".post-confirmed") is not None
    board = soup(client.get(f"/board/{bw.coalition.slug}"))
    assert [a.get_text() for a in board.select(".post-title a")] == ["Nowszy wpis", "Regulamin"]
    auth.logout()

    auth.as_user(bw.member2)
    plain = client.post(f"/board/post/{old.id}/confirm", data={"csrf_token": auth.csrf()})
    assert plain.status_code == 303
    # confirming twice is harmless
    assert client.post(f"/board/post/{old.id}/confirm",
                       data={"csrf_token": auth.csrf()}).status_code == 303
    assert with_db(lambda: ReadConfirmation.select().count()) == 2
    auth.logout()

    auth.as_user(bw.coordinator)
    readers = soup(client.get(f"/board/post/{old.id}/readers"))
    assert readers.select(".board-missing-readers li") == []
    assert "Potwierdzili: 2" in readers.get_text()
    fragment = htmx.get(f"/board/post/{old.id}/readers")
    assert soup(fragment).select_one("html") is None


def test_trainers_are_not_asked_to_confirm(client, auth, bw):
    post = _post(bw.coordinator, bw.coalition, title="Regulamin")
    with_db(lambda: posts.set_must_read(post, True))
    _post(bw.member, bw.coalition, title="Nowszy")
    auth.as_user(bw.trainer)
    page = soup(client.get(f"/board/{bw.coalition.slug}"))
    assert page.select_one(f"#post-{post.id} .post-must-read") is not None
    assert page.select_one(f"#post-{post.id} button.post-confirm") is None
    assert [a.get_text() for a in page.select(".post-title a")] == ["Nowszy", "Regulamin"]


def test_confirming_a_normal_post_is_refused(client, auth, bw):
    post = _post(bw.coordinator, bw.coalition)
    auth.as_user(bw.member)
    assert client.post(f"/board/post/{post.id}/confirm",
                       data={"csrf_token": auth.csrf()}).status_code == 409
    assert with_db(lambda: ReadConfirmation.select().count()) == 0


def test_control_characters_are_dropped(client, auth, bw):
    """PostgreSQL refuses NUL in text; a title of control characters only is empty."""
    auth.as_user(bw.member)
    token = auth.csrf()
    empty = client.post("/board/posts", data=_data(token, title="\x00\x07 "))
    assert empty.status_code == 422
    ok = client.post("/board/posts", data=_data(token, title="Ty\x00tuł", body="a\x00b\r\nc"))
    assert ok.status_code == 303
    post = with_db(lambda: Post.get())
    assert post.title == "Tytuł" and post.body_source == "ab\nc"
