"""Board listing: ordering, new-since-last-visit, navigation counts, cursor pagination,
filters and search (with odd input), and query counts that do not grow with the data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import Auth, captured_sql, count_queries, soup
from factories import assign, build_board_world, make_coalition, make_user, with_db

from koalicje.board import posts, search
from koalicje.prepared import Prepared
from models import BoardVisit, Comment, Post, User, db, is_sqlite, utcnow


@pytest.fixture
def bw(app):
    return build_board_world()


def _post(author, coalition, title="Wpis", body="Treść", **kw):
    return with_db(lambda: posts.create_post(author, coalition, title=title, body=body, **kw))


def _titles(response) -> list[str]:
    return [a.get_text() for a in soup(response).select(".post-title a")]


def _nav_counts(response) -> dict[str, str]:
    counts = {}
    for link in soup(response).select(".board-nav li a"):
        tag = link.select_one(".board-new-count")
        counts[link["data-board"]] = tag.get_text() if tag else ""
    return counts


# --- ordering and new marks -----------------------------------------------------------------


def test_pinned_first_then_newest(client, auth, bw):
    a = _post(bw.member, bw.coalition, title="A")
    _post(bw.member, bw.coalition, title="B")
    _post(bw.member, bw.coalition, title="C")
    with_db(lambda: posts.set_pinned(a, True))
    auth.as_user(bw.member2)
    assert _titles(client.get(f"/board/{bw.coalition.slug}")) == ["A", "C", "B"]


def test_new_since_last_visit_marks_and_nav_counts(client, auth, bw):
    auth.as_user(bw.member)
    first = client.get(f"/board/{bw.coalition.slug}")
    assert _nav_counts(first) == {"programme": "", bw.coalition.slug: ""}

    def age_visits():
        BoardVisit.update(seen_at=utcnow() - timedelta(minutes=5)).execute()

    with_db(age_visits)
    _post(bw.member2, bw.coalition, title="Od Marii")
    _post(bw.member2, bw.coalition, title="Znowu od Marii")
    _post(bw.member, bw.coalition, title="Mój własny")  # own posts are never "new"
    _post(bw.coordinator, None, title="Programowy")
    home = client.get("/")
    assert _nav_counts(home) == {"programme": "1 nowy", bw.coalition.slug: "2 nowe"}
    assert soup(home).select_one(".board-nav summary .board-new-count").get_text().startswith("3")

    page = client.get(f"/board/{bw.coalition.slug}")
    new = [a.select_one(".post-title a").get_text() for a in soup(page).select("article.is-new")]
    assert new == ["Znowu od Marii", "Od Marii"]
    # this visit is recorded: the navigation on this page already shows 0 for this board
    assert _nav_counts(page)[bw.coalition.slug] == ""
    again = client.get(f"/board/{bw.coalition.slug}")
    assert soup(again).select("article.is-new") == []
    assert _nav_counts(again) == {"programme": "1 nowy", bw.coalition.slug: ""}


def test_hidden_and_deleted_posts_are_not_counted_as_new(client, auth, bw):
    auth.as_user(bw.member)
    client.get(f"/board/{bw.coalition.slug}")
    with_db(lambda: BoardVisit.update(seen_at=utcnow() - timedelta(minutes=5)).execute())
    hidden = _post(bw.member2, bw.coalition, title="Ukryty")
    deleted = _post(bw.member2, bw.coalition, title="Usunięty")
    with_db(lambda: posts.hide(hidden, bw.trainer, "spam"))
    with_db(lambda: posts.delete_post(deleted, bw.member2))
    assert _nav_counts(client.get("/"))[bw.coalition.slug] == ""


def test_trainer_navigation_lists_assigned_boards(client, auth, bw):
    auth.as_user(bw.trainer)
    assert _nav_counts(client.get("/")) == {"programme": "", bw.coalition.slug: ""}


# --- cursor pagination ----------------------------------------------------------------------


def test_load_more_cursor_has_no_duplicates_or_gaps_while_posts_are_added(app, client, htmx,
                                                                            auth, bw):
    app.config["BOARD_PAGE_SIZE"] = 5
    ids = [_post(bw.member2, bw.coalition, title=f"Wpis {n:02d}").id for n in range(23)]
    auth.as_user(bw.member)
    page = client.get(f"/board/{bw.coalition.slug}")
    seen = _titles(page)
    more = soup(page).select_one(".load-more a")
    assert more["href"].startswith(f"/board/{bw.coalition.slug}?after=")
    url = more["hx-get"]
    assert url.startswith(f"/board/{bw.coalition.slug}/more?after=")
    rounds = 0
    while url:
        # someone posts while the reader scrolls: it must not shift what comes next
        _post(bw.member2, bw.coalition, title=f"W trakcie {rounds}")
        response = htmx.get(url)
        assert response.status_code == 200
        assert soup(response).select_one("html") is None
        seen += _titles(response)
        link = soup(response).select_one(".load-more a")
        url = link["hx-get"] if link else None
        rounds += 1
    expected = [f"Wpis {n:02d}" for n in reversed(range(23))]
    assert seen == expected
    assert rounds == 4
    # the plain "load more" link shows the same next page without JavaScript
    plain = client.get(f"/board/{bw.coalition.slug}?after={ids[-5]}")
    assert _titles(plain)[:5] == [f"Wpis {n:02d}" for n in (17, 16, 15, 14, 13)]
    redirected = client.get(f"/board/{bw.coalition.slug}/more?after={ids[-5]}")
    assert redirected.status_code == 302


def test_listing_uses_no_offset(app, bw, database):
    for n in range(5):
        posts.create_post(bw.member, bw.coalition, title=f"W{n}", body="x")
    with app.test_request_context(), count_queries() as q:
        posts.listing(bw.member, bw.coalition, after=10**6, limit=2)
    assert all("OFFSET" not in sql.upper() for sql in q.statements)


# --- filters and search ---------------------------------------------------------------------


def test_category_filter_and_url(client, htmx, auth, bw):
    _post(bw.member, bw.coalition, title="Potrzebne krzesła", category="need")
    _post(bw.member, bw.coalition, title="Oddamy stoły", category="offer")
    auth.as_user(bw.member)
    page = client.get(f"/board/{bw.coalition.slug}?category=offer")
    assert _titles(page) == ["Oddamy stoły"]
    form = soup(page).select_one("form.board-filters")
    assert form["method"] == "get" and form["hx-push-url"] == "true"
    assert form.select_one("option[selected]")["value"] == "offer"
    # Back without JavaScript must not refill the filters from a later visit, and with htmx the
    # search box losing focus must not send the form again (a duplicate history entry).
    assert form["autocomplete"] == "off"
    triggers = [t.strip() for t in form["hx-trigger"].split(",")]
    assert "change" not in triggers and "change from:find select" in triggers
    fragment = htmx.get(f"/board/{bw.coalition.slug}?category=need")
    assert soup(fragment).select_one("html") is None
    assert soup(fragment).select_one("#board-posts") is not None
    assert _titles(fragment) == ["Potrzebne krzesła"]
    assert "HX-Request" in fragment.headers["Vary"]
    # unknown category: ignored, not an error
    assert len(_titles(client.get(f"/board/{bw.coalition.slug}?category=<x>"))) == 2


def test_search_finds_title_and_body_and_follows_edits(client, auth, bw):
    post = _post(bw.member, bw.coalition, title="Festyn rodzinny", body="Potrzebne namioty")
    _post(bw.member, bw.coalition, title="Zebranie", body="Sala w urzędzie gminy")
    auth.as_user(bw.member)
    slug = bw.coalition.slug
    assert _titles(client.get(f"/board/{slug}?q=festyn")) == ["Festyn rodzinny"]
    assert _titles(client.get(f"/board/{slug}?q=namiot")) == ["Festyn rodzinny"]  # prefix
    if is_sqlite():  # FTS5 ignores diacritics; the LIKE fallback (PostgreSQL) does not
        assert _titles(client.get(f"/board/{slug}?q=urzedzie")) == ["Zebranie"]
    assert _titles(client.get(f"/board/{slug}?q=gminy+sala")) == ["Zebranie"]
    with_db(lambda: posts.edit_post(post, title="Piknik", body="Potrzebne ławki",
                                     category="event"))
    assert _titles(client.get(f"/board/{slug}?q=festyn")) == []
    assert _titles(client.get(f"/board/{slug}?q=ławki")) == ["Piknik"]
    with_db(lambda: posts.delete_post(post, bw.member))
    assert _titles(client.get(f"/board/{slug}?q=ławki")) == []


ODD = ['"', '""', "'", "\"unbalanced", "(", "((a)", ")", "a AND", "OR", "NOT x", "a NEAR b",
       "NEAR(", "*", "a*", "^a", "title:x", "-x", "+", "😀", "🎉 festyn", "%", "_", "\\",
       "a' OR '1'='1", "'; DROP TABLE post; --", "\x00", " ", "ą" * 300, "{x}", "[", "<b>"]


@pytest.mark.parametrize("query", ODD)
def test_search_with_odd_input_never_errors(client, auth, bw, query):
    _post(bw.member, bw.coalition, title="Festyn 🎉 w (Lipowej)", body='Cytat: "hej" 100% _x_')
    auth.as_user(bw.member)
    response = client.get(f"/board/{bw.coalition.slug}", query_string={"q": query})
    assert response.status_code == 200
    assert soup(response).select_one("#board-posts") is not None


def test_search_with_emoji_and_quotes_finds_text(client, auth, bw):
    _post(bw.member, bw.coalition, title="Festyn 🎉 w (Lipowej)", body='Cytat: "hej"')
    _post(bw.member, bw.coalition, title="Inny", body="nic")
    auth.as_user(bw.member)
    slug = bw.coalition.slug
    assert _titles(client.get(f"/board/{slug}", query_string={"q": "🎉"})) == [
        "Festyn 🎉 w (Lipowej)"]
    assert _titles(client.get(f"/board/{slug}", query_string={"q": '"hej"'})) == [
        "Festyn 🎉 w (Lipowej)"]
    assert _titles(client.get(f"/board/{slug}", query_string={"q": "(lipowej"})) == [
        "Festyn 🎉 w (Lipowej)"]


def test_search_fallback_without_fts(app, bw, database, monkeypatch):
    """The LIKE fallback used on PostgreSQL finds the same posts."""
    posts.create_post(bw.member, bw.coalition, title="Festyn", body="Namioty")
    posts.create_post(bw.member, bw.coalition, title="Zebranie", body="Sala")
    monkeypatch.setattr(search, "is_sqlite", lambda: False)
    with app.test_request_context():
        found = posts.listing(bw.member, bw.coalition, q="namiot")
        words = posts.listing(bw.member, bw.coalition, q="sala zebranie")
        odd = posts.listing(bw.member, bw.coalition, q='"(% _ 😀')
    assert [p.title for p in found.posts] == ["Festyn"]
    assert [p.title for p in words.posts] == ["Zebranie"]
    assert odd.posts == []


def test_fts_query_quotes_everything():
    assert search.board_fts_query('festyn "OR" (NOT', 3) == '"b3xfestyn"* "b3xOR"* "b3xNOT"*'
    assert search.board_fts_query("😀 ()", 3) is None


# --- query counts ---------------------------------------------------------------------------


def _fill(bw, n: int) -> None:
    def create():
        for i in range(n):
            author = (bw.member, bw.member2, bw.coordinator)[i % 3]
            category = ("announcement", "event", "need", "offer", "success")[i % 5]
            post = posts.create_post(
                author, bw.coalition, title=f"Wpis {i}", body="**x**", category=category,
                event_at=utcnow() + timedelta(days=i) if category == "event" else None,
            )
            if i % 4 == 0:
                posts.set_must_read(post, True)
            if i % 7 == 0:
                posts.set_pinned(post, True)
            for _ in range(2):
                posts.add_comment(bw.member2, post, "komentarz")
            if i % 6 == 0:
                posts.hide(post, bw.trainer, "test")
        Comment.update(created_at=utcnow() - timedelta(hours=1)).execute()
        Post.update(created_at=utcnow() - timedelta(hours=1)).execute()
    with_db(create)


def _queries(client, url: str, headers=None) -> int:
    db.connect(reuse_if_open=True)
    with count_queries() as q:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, url
    return q.count


def _queries_kept(client, url: str, headers=None) -> int:
    """`_queries` once the page's posts' texts are kept (`posts._fill_texts`): the first
    request may read those not kept yet, in one more statement."""
    first, kept = _queries(client, url, headers), _queries(client, url, headers)
    assert first - kept in (0, 1), url
    return kept


@pytest.mark.parametrize("who", ["member", "coordinator", "trainer"])
def test_query_counts_do_not_grow_with_posts(app, client, auth, who):
    counts = {}
    for n in (5, 50):
        db.connect(reuse_if_open=True)
        world = build_board_world()
        _fill(world, n)
        c = app.test_client()
        Auth(c).as_user(getattr(world, who))
        db.connect(reuse_if_open=True)
        post = Post.select().where(
            (Post.coalition == world.coalition) & Post.hidden_at.is_null()
        ).order_by(Post.id).first()
        db.close()
        slug = world.coalition.slug
        hx = {"HX-Request": "true"}
        counts[n] = {
            "page": _queries(c, f"/board/{slug}"),
            "filter": _queries_kept(c, f"/board/{slug}?category=need&q=wpis", hx),
            "more": _queries(c, f"/board/{slug}/more?after=10000", hx),
            "programme": _queries(c, "/board/"),
            "detail": _queries(c, f"/board/post/{post.id}"),
            "comments": _queries(c, f"/board/post/{post.id}/comments", hx),
            "post_fragment": _queries(c, f"/board/post/{post.id}", hx),
        }
        db.close()
    assert counts[5] == counts[50]
    assert counts[50]["page"] <= 20


def test_record_visit_survives_a_concurrent_first_visit(app, bw, database, monkeypatch):
    """Another request inserted the visit between our UPDATE and INSERT: no error."""
    original = posts._update_visit
    calls = []

    def racing_update(*args):
        calls.append(1)
        if len(calls) == 1:  # our first UPDATE finds nothing; the other request inserts now
            BoardVisit.create(user=bw.member.id, coalition=bw.coalition.id,
                              board_key=str(bw.coalition.id),
                              seen_at=utcnow() - timedelta(hours=1))
            return 0
        return original(*args)

    monkeypatch.setattr(posts, "_update_visit", racing_update)
    monkeypatch.setattr(posts, "is_sqlite", lambda: False)  # the PostgreSQL path
    before = utcnow() - timedelta(seconds=1)
    with app.test_request_context():
        posts.record_visit(bw.member, bw.coalition)
    assert BoardVisit.select().count() == 1
    assert len(calls) == 2
    assert BoardVisit.get().seen_at > before  # the second UPDATE wrote this visit


def test_a_later_visit_is_one_update_and_a_vanished_visit_is_inserted(app, bw, database):
    """A board visited before: its visit moved on by one UPDATE, outside an explicit
    transaction (no BEGIN and COMMIT), the previous visit given back; a visit row gone
    meanwhile (the request read it, then it was deleted): inserted as on a first visit."""
    with app.test_request_context():
        first = posts.record_visit(bw.member, bw.coalition)  # the first visit: inserted
        assert first == bw.member.created_at
    stored = BoardVisit.get().seen_at
    with app.test_request_context():
        sql = captured_sql(lambda: posts.record_visit(bw.member, bw.coalition))
        assert [text.split()[0] for text, _ in sql] == ["SELECT", "UPDATE"]
        assert posts.last_seen(bw.member, bw.coalition) > stored
    assert BoardVisit.select().count() == 1 and BoardVisit.get().seen_at > stored
    with app.test_request_context():
        previous = posts.last_seen(bw.member, bw.coalition)  # read: the row is there
        BoardVisit.delete().execute()  # then gone (another request, an account's deletion)
        assert posts.record_visit(bw.member, bw.coalition) == previous
    assert BoardVisit.select().count() == 1 and BoardVisit.get().seen_at > previous


def test_unread_counts_are_exact_for_every_board(database):
    """Counts per board (new since the visit, not one's own, not hidden or deleted), every
    followed board in the one statement."""
    trainer = make_user(role="trainer")
    author = make_user()
    boards = [make_coalition(name=f"Koalicja {n}") for n in range(5)]
    for board in boards:
        assign(trainer, board)
    start = utcnow() - timedelta(days=2)
    User.update(created_at=start).where(User.id == trainer.id).execute()
    expected = {}
    for n, board in enumerate([None, *boards]):
        for k in range(n + 1):
            posts.create_post(author, board, title=f"Wpis {k}", body="x")
        posts.create_post(trainer, board, title="Mój", body="x")  # own: never new
        hidden = posts.create_post(author, board, title="Ukryty", body="x")
        posts.hide(hidden, make_user(role="admin"), "x")
        expected[board.id if board else None] = n + 1
    entries = posts.navigation(User.get_by_id(trainer.id))
    assert {(e.coalition.id if e.coalition else None): e.new for e in entries} == expected


# --- each post's actions: the rules of koalicje.permissions, the URLs of url_for ------------


def _actions_shown(article) -> dict[str, str]:
    """What a post offers, by kind, with the URL each action goes to."""
    shown = {"detail": article.select_one(".post-title a")["href"]}
    for link in article.select(".post-action-list a"):
        kind = link["href"].rsplit("/", 1)[1]
        shown[kind] = link["href"]
        if link.get("hx-get"):
            assert link["hx-get"] == link["href"]
    for form in article.select("form"):
        kind = form["action"].rsplit("/", 1)[1]
        assert form["hx-post"] == form["action"]
        assert form.select_one("input[name=csrf_token]")["value"]
        shown[kind] = form["action"]
    more = article.select_one("[hx-get$='/comments']")
    if more is not None:
        shown["comments"] = more["hx-get"]
        assert more.select_one("a")["href"] == shown["detail"] + "#comments"
    return shown


@pytest.mark.parametrize("who", ["member", "coordinator", "trainer", "admin"])
def test_each_posts_actions_follow_the_rules_and_urls(app, client, auth, bw, who):
    """The actions a board page offers on each post are exactly what `permissions.can`
    allows this reader (asked once per board now, not per post in the template), each
    at the URL Flask's url_for builds."""
    from flask import url_for

    from koalicje import permissions

    mine = _post(bw.member, bw.coalition, title="Mój wpis")
    hidden = _post(bw.member, bw.coalition, title="Ukryty")
    must = _post(bw.coordinator, bw.coalition, title="Obowiązkowy")
    pinned = _post(bw.member2, bw.coalition, title="Przypięty")
    with_db(lambda: (posts.hide(hidden, bw.trainer, "Nie na temat"),
                     posts.set_must_read(must, True), posts.set_pinned(pinned, True)))
    reader = getattr(bw, who)
    auth.as_user(reader)
    page = soup(client.get(f"/board/{bw.coalition.slug}"))
    endpoints = {"edit": "board.edit", "delete": "board.delete", "pin": "board.pin",
                 "must-read": "board.must_read", "readers": "board.readers",
                 "hide": "board.hide", "restore": "board.restore",
                 "confirm": "board.confirm", "comments": "board.comments"}
    seen = set()
    with app.test_request_context():
        db.connect(reuse_if_open=True)
        user = User.get_by_id(reader.id)
        for post in (mine, hidden, must, pinned):
            article = page.select_one(f"#post-{post.id}")
            if article is None:  # a hidden post: only its author and moderators see it
                assert not permissions.can("moderate_board", post, user=user)
                assert user.id != post.author_id
                continue
            seen.add(post.id)
            post = Post.get_by_id(post.id)
            shown = _actions_shown(article)
            expected = {"detail", "comments"}
            if permissions.can("edit_post", post, user=user):
                expected.add("edit")
            if permissions.can("delete_post", post, user=user):
                expected.add("delete")
            if permissions.can("manage_board", post, user=user):
                expected |= {"pin", "must-read"} | ({"readers"} if post.must_read else set())
            if permissions.can("moderate_board", post, user=user):
                expected.add("restore" if post.hidden_at else "hide")
            if post.must_read and post.author_id != user.id \
                    and posts.needs_confirmation(user, post.coalition_id):
                expected.add("confirm")
            assert set(shown) == expected, (who, post.title)
            assert shown.pop("detail") == url_for("board.detail", post_id=post.id)
            for kind, url in shown.items():
                assert url == url_for(endpoints[kind], post_id=post.id), (kind, url)
        db.close()
    assert {mine.id, must.id, pinned.id} <= seen


def test_extras_pads_its_in_lists_to_few_prepared_texts(app, bw):
    """The comment counts and sectors of 1..8 posts: the same facts as for the posts
    themselves, from the lists padded to powers of two (4 texts per query, not 8)."""
    from koalicje.prepared import EXTENSION

    made = [_post(bw.member if n % 2 else bw.member2, bw.coalition, title=f"P{n}")
            for n in range(8)]
    with_db(lambda: posts.add_comment(bw.member2, made[4], "komentarz"))
    with app.test_request_context(), db.connection_context():
        for size in range(1, 9):
            shown = list(Post.select().where(Post.id.in_([p.id for p in made[:size]])))
            result = posts.extras(bw.member, shown, bw.coalition)
            assert result.comment_counts == ({made[4].id: 1} if size > 4 else {})
            assert set(result.sectors) == {p.author_id for p in shown}
            assert result.confirmed == set()
        built = [key for key in app.extensions[EXTENSION] if key[0] is posts._comment_counts]
        assert len(built) == 4  # 1, 2, 4 and 8 ids


def test_listed_posts_are_what_peewee_builds(app, bw, database):
    """`posts._listed` makes a listing's posts from its rows: the same objects (fields,
    author, nothing marked changed) as Peewee's row wrapper, dates and flags converted."""
    from datetime import datetime

    made = [posts.create_post(bw.member, bw.coalition, title=f"W{n}", body="x" * n)
            for n in range(4)]
    event = posts.create_post(bw.member2, bw.coalition, title="E", body="e", category="event",
                              event_at=datetime(2027, 3, 4, 18, 30), event_place="Sala")
    posts.set_pinned(made[0], True)
    posts.set_must_read(made[1], True)
    posts.hide(made[2], bw.trainer, "powód")
    posts.edit_post(made[3], title="Zmieniony", body="y", category="need")
    with app.test_request_context():
        for user, after in [(bw.member, None), (bw.trainer, None), (bw.member2, event.id + 10)]:
            shape = posts._listing_shape(user, bw.coalition, None, after)
            values = {"board": bw.coalition.id, "reader": user.id, "category": None,
                      "after": after, "limit": 50}
            queries: list[tuple] = [(posts._listing_stream, posts._listing_args(shape, values))]
            if after is None:
                queries.append((posts._listing_top,
                                posts._listing_args(shape, values, stream=False)))
            # A search's later pages (its first page: test_a_search_page_has_peewees_posts).
            if is_sqlite():
                expression = search.match_expression("e", bw.coalition.id)  # the event
                queries.append((posts._search_stream,
                                [expression, *posts._listing_args(shape, values)]))
            for query, args, *key in queries:
                key = key[0] if key else shape
                # Every listing query reads its posts without their texts (kept apart).
                ours = posts._listed(query, args, key, posts._LIGHT)
                assert all("body_html" not in p.__data__ for p in ours)
                posts._fill_texts(ours)
                peewees = query.rows(*args, key=key)
                assert [p.id for p in ours] == [p.id for p in peewees] and ours
                # Peewee's posts of the light query, with the texts as stored
                stored = {p.id: p for p in Post.select().where(
                    Post.id.in_([p.id for p in peewees]))}
                for theirs in peewees:
                    assert "body_html" not in theirs.__data__
                    for name in ("body_source", "body_html"):
                        theirs.__data__[name] = getattr(stored[theirs.id], name)
                for mine, theirs in zip(ours, peewees, strict=True):
                    assert mine.__data__ == theirs.__data__
                    assert {k: type(v) for k, v in mine.__data__.items()} == {
                        k: type(v) for k, v in theirs.__data__.items()}
                    assert mine._dirty == theirs._dirty == set()
                    assert mine.__rel__.keys() == theirs.__rel__.keys() == {"author"}
                    assert mine.author.__data__ == theirs.author.__data__
                    assert (mine.author.id, mine.author.name) == (user_name := (
                        theirs.author.id, theirs.author.name)) and user_name[1]
        assert {p.id for p in posts.listing(bw.trainer, bw.coalition).posts} >= {
            event.id, made[2].id, made[3].id}


def test_listing_texts_are_kept_by_post_and_edit(app, bw, database, monkeypatch):
    """A listing reads its posts' texts once per process (kept by the post's id, creation
    and last edit): an edit shows the new texts at once, a post's texts are never another's,
    and the kept texts start again past BOARD_POSTS_KEPT entries or
    BOARD_POSTS_KEPT_CHARS characters."""
    made = [posts.create_post(bw.member, bw.coalition, title=f"W{n}", body=f"*treść {n}*")
            for n in range(3)]

    def bodies() -> dict[int, tuple[str, str]]:
        with app.test_request_context():
            listed = posts.listing(bw.member, bw.coalition)
        return {p.id: (p.body_source, p.body_html) for p in listed.top + listed.posts}

    def stored() -> dict[int, tuple[str, str]]:
        return {p.id: (p.body_source, p.body_html) for p in Post.select()}

    assert bodies() == stored() and "<em>treść 1</em>" in bodies()[made[1].id][1]
    with count_queries() as first:
        bodies()
    assert not any("body_html" in sql for sql in first.statements), first.statements
    kept = app.extensions[posts.POSTS_KEPT]
    assert set(kept.keys()) == {("texts", p.id, p.created_at, None) for p in made}
    posts.edit_post(made[1], title="W1", body="**nowa**", category="need")
    assert bodies() == stored() and "<strong>nowa</strong>" in bodies()[made[1].id][1]
    posts.set_pinned(made[2], True)  # on top: its texts kept from the stream's read
    assert bodies() == stored()
    # Bounded: past the limit of entries (or characters) the least recently used go.
    app.config["BOARD_POSTS_KEPT"] = 2
    kept.clear()
    assert bodies() == stored() and len(kept) <= 2
    app.config["BOARD_POSTS_KEPT"] = 4096
    app.config["BOARD_POSTS_KEPT_CHARS"] = 40  # each post's texts: 32 characters
    kept.clear()
    assert bodies() == stored() and kept.held <= 40 and len(kept) == 1


def test_load_board_gives_the_coalition_peewee_builds(app, bw, database):
    """`load_board` makes the board's Coalition from its row directly: the same object as
    Peewee's (fields, nothing marked changed), on both engines; 404 for an unknown slug."""
    from werkzeug.exceptions import NotFound

    from blueprints.board import load_board
    from models import Coalition

    with app.test_request_context():
        from flask_login import login_user

        login_user(bw.member)
        mine = load_board(bw.coalition.slug)
        theirs = Coalition.get_by_id(bw.coalition.id)
        assert mine.__data__ == theirs.__data__ and mine.__data__
        assert {k: type(v) for k, v in mine.__data__.items()} == {
            k: type(v) for k, v in theirs.__data__.items()}
        assert not mine._dirty
        with pytest.raises(NotFound):
            load_board("no-such-board")
        with pytest.raises(NotFound):
            load_board(bw.other.slug)  # not a member there


def test_upcoming_events_are_what_peewee_builds(app, bw, database):
    """`upcoming_events` makes its posts from the driver's rows: the same objects (the four
    fields the list shows, nothing marked changed) as Peewee's row wrapper, on both engines,
    for a coalition's board and the programme board."""
    from datetime import datetime

    soon = utcnow() + timedelta(days=2)
    for board in (bw.coalition, None):
        for n, place in enumerate(["Sala „Pod Lipą”", ""]):
            posts.create_post(bw.trainer, board, title=f"Spotkanie {n}", body="e",
                              category="event", event_at=soon + timedelta(hours=n),
                              event_place=place)
        posts.create_post(bw.trainer, board, title="Dawno", body="e", category="event",
                          event_at=datetime(2020, 1, 1, 12))
    since = utcnow() - timedelta(hours=3)
    with app.test_request_context():
        for board, params, key in [(bw.coalition, (bw.coalition.id, since, 5), False),
                                   (None, (since, 5), True)]:
            ours = posts.upcoming_events(bw.trainer, board)
            peewees = posts._upcoming_events.rows(*params, key=key)
            assert [p.title for p in ours] == ["Spotkanie 0", "Spotkanie 1"]
            for mine, theirs in zip(ours, peewees, strict=True):
                assert mine.__data__ == theirs.__data__
                assert {k: type(v) for k, v in mine.__data__.items()} == {
                    k: type(v) for k, v in theirs.__data__.items()}
                assert not mine._dirty and mine.__rel__ == {}
                assert (mine.id, mine.title, mine.event_at, mine.event_place) == (
                    theirs.id, theirs.title, theirs.event_at, theirs.event_place)


def test_extras_read_without_peewees_wrapper_are_the_same(app, bw, database, monkeypatch):
    """`extras` reads its three queries' rows as the driver gives them: the same facts, of
    the same types, as through Peewee's tuple wrapper, on both engines."""
    made = [posts.create_post(bw.member if n % 2 else bw.coordinator, bw.coalition,
                              title=f"W{n}", body="x") for n in range(5)]
    posts.set_must_read(made[0], True)
    posts.set_must_read(made[1], True)
    posts.confirm_read(bw.member2, made[0])
    for n in range(3):
        posts.add_comment(bw.member2, made[n], "k")
    posts.hide(posts.add_comment(bw.member, made[0], "ukryty"), bw.trainer, "x")
    programme = posts.create_post(bw.member, None, title="P", body="x")
    with app.test_request_context():
        cases = [(user, board, listed) for user in (bw.member2, bw.trainer, bw.member)
                 for board, listed in ((bw.coalition, made), (None, [programme]))]
        ours = [posts.extras(user, listed, board) for user, board, listed in cases]
        monkeypatch.setattr(Prepared, "fetchall",
                            lambda query, *params, key=None: query.rows(*params, key=key))
        peewees = [posts.extras(user, listed, board) for user, board, listed in cases]
    assert ours == peewees
    for mine, theirs in zip(ours, peewees, strict=True):
        for name in ("comment_counts", "sectors"):
            assert [(type(k), type(v)) for k, v in getattr(mine, name).items()] == [
                (type(k), type(v)) for k, v in getattr(theirs, name).items()]
        assert {type(i) for i in mine.confirmed} <= {int}
    assert ours[0].comment_counts == {made[0].id: 1, made[1].id: 1, made[2].id: 1}
    assert ours[2].comment_counts[made[0].id] == 2  # the moderator sees the hidden one
    assert ours[0].confirmed == {made[0].id}
    assert ours[0].sectors == {bw.member.id: "ngo", bw.coordinator.id: "library"}


def test_extras_edit_and_delete_rights_are_the_rules_of_each_post(app, bw, database):
    """`extras` asks the edit and delete rules only of `permissions.posts_to_ask` (own
    posts; an admin's: all): what it finds is what `permissions.can` says of every post, for
    every kind of reader, on a coalition's board and the programme's, hidden and deleted
    posts too."""
    from koalicje import permissions

    authors = (bw.member, bw.coordinator, bw.trainer, bw.admin, bw.outsider)
    made = [posts.create_post(author, bw.coalition, title=f"W{n}", body="x")
            for n, author in enumerate(authors[:4])]
    posts.hide(made[0], bw.trainer, "x")
    programme = [posts.create_post(author, None, title=f"P{n}", body="x")
                 for n, author in enumerate(authors)]
    posts.hide(programme[1], bw.admin, "x")
    posts.delete_post(programme[2], bw.trainer)
    listed = {bw.coalition: [_reload(p) for p in made], None: [_reload(p) for p in programme]}
    readers = (bw.member, bw.member2, bw.coordinator, bw.trainer, bw.other_trainer,
               bw.admin, bw.outsider)
    with app.test_request_context():
        for reader in readers:
            for board, shown in listed.items():
                found = posts.extras(reader, shown, board)
                assert found.editable == {p.id for p in shown
                                          if permissions.can("edit_post", p, user=reader)}
                assert found.deletable == {p.id for p in shown
                                           if permissions.can("delete_post", p, user=reader)}
    # Not vacuous: own posts are editable, an admin deletes anyone's, a hidden one is not
    # editable by its author.
    with app.test_request_context():
        assert posts.extras(bw.coordinator, listed[bw.coalition], bw.coalition).editable == {
            made[1].id}
        assert posts.extras(bw.member, listed[bw.coalition], bw.coalition).editable == set()
        assert posts.extras(bw.admin, listed[bw.coalition], bw.coalition).deletable == {
            p.id for p in made}


def _reload(post: Post) -> Post:
    return Post.get_by_id(post.id)


@pytest.mark.parametrize("slug", ["coalition", None])
def test_a_board_shown_again_builds_no_sql(app, client, auth, bw, monkeypatch, slug):
    """Every query of a board page (listing, extras, events, recording the visit) runs a
    text built once per process: shown a second time, the page builds no SQL with Peewee."""
    import peewee

    _post(bw.member2, bw.coalition, title="Wpis")
    _post(bw.member2, None, title="Programowy")
    auth.as_user(bw.member)
    url = f"/board/{bw.coalition.slug}" if slug else "/board/"
    assert client.get(url).status_code == 200  # the first visit builds the texts
    built = []
    original = peewee.Database.execute

    def execute(self, query, *args, **kwargs):  # a Peewee query run: its SQL built now
        built.append(self.get_sql_context().sql(query).query()[0])
        return original(self, query, *args, **kwargs)

    before = with_db(lambda: BoardVisit.get(BoardVisit.user == bw.member.id,
                                            BoardVisit.board_key == (
                                                str(bw.coalition.id) if slug else "programme")
                                            ).seen_at)
    monkeypatch.setattr(peewee.Database, "execute", execute)
    page = client.get(url)
    monkeypatch.undo()
    assert page.status_code == 200 and _titles(page) == (["Wpis"] if slug else ["Programowy"])
    assert built == []
    after = with_db(lambda: BoardVisit.get(BoardVisit.user == bw.member.id,
                                           BoardVisit.board_key == (
                                               str(bw.coalition.id) if slug else "programme")
                                           ).seen_at)
    assert after > before  # the visit was recorded
