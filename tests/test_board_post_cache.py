"""A listing's posts come from HTML kept per process (blueprints/board/rendering.py
`board_posts`): each reader must get exactly what templates/board/_post.html renders for
them, never another reader's controls or token, never a post as it was before a change."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from conftest import Auth
from factories import add_member, build_board_world, make_user, with_db
from flask import render_template
from jinja2 import meta

from blueprints.board import rendering
from koalicje.board import posts
from models import Comment, Membership, Post, User, utcnow


@pytest.fixture
def bw(app):
    return build_board_world()


@pytest.fixture
def later(monkeypatch):
    """Relative times an hour after the posts were written ("1 godzinę temu"), so that a
    page made a second later has the same text."""
    now = utcnow() + timedelta(hours=1)
    monkeypatch.setattr(rendering, "utcnow", lambda: now)
    return now


def _reader(app, user: User):
    client = app.test_client()
    Auth(client).as_user(user)
    return client


def _session_of(token: str) -> str:
    """The session's own token inside a signed CSRF token (its timestamp and signature
    differ from one page to the next)."""
    return token.split(".")[0]


def _posts_of(client, url: str) -> tuple[str, str]:
    """The board's posts as the reader's fragment request gives them (no visit recorded, so
    the "new" marks stay the same), with every CSRF token written as TOKEN once checked to
    be this reader's session's; and that session's token."""
    session = _session_of(Auth(client).csrf())
    html = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    for field in page.select("input[name=csrf_token]"):
        assert _session_of(field["value"]) == session
        field["value"] = "TOKEN"
    return "".join(str(a) for a in page.select("article.board-post")), session


def _templates(app, client, url: str) -> tuple[str, str]:
    """The same with the template rendered for every post (development)."""
    app.jinja_env.auto_reload = True
    try:
        return _posts_of(client, url)
    finally:
        app.jinja_env.auto_reload = False


def _assert_each_reader_gets_the_templates(app, readers: dict, url: str) -> dict[str, str]:
    """Kept HTML (first page fills, second reads, readers one after another so that each
    finds the others' entries) equals the template's for every reader, with the reader's
    own CSRF tokens (checked by `_posts_of`); returns it."""
    shown = {}
    for name, client in readers.items():
        first, _ = _posts_of(client, url)
        kept, _ = _posts_of(client, url)
        rendered, _ = _templates(app, client, url)
        assert kept == first == rendered, name
        shown[name] = kept
    return shown


def _world_posts(bw) -> dict[str, Post]:
    def make() -> dict[str, Post]:
        made = {
            "plain": posts.create_post(bw.member, bw.coalition, title="Zwykły", body="Treść"),
            "own": posts.create_post(bw.coordinator, bw.coalition, title="Od koordynatorki",
                                     body="**Ważne**", category="need"),
            "event": posts.create_post(bw.member2, bw.coalition, title="Spotkanie", body="x",
                                       category="event", event_at=datetime(2027, 1, 5, 17),
                                       event_place="Biblioteka"),
            "long": posts.create_post(bw.member, bw.coalition, title="Długi", body="słowo " * 300),
            "pinned": posts.create_post(bw.trainer, bw.coalition, title="Przypięty", body="p"),
            "must": posts.create_post(bw.trainer, bw.coalition, title="Obowiązkowy", body="m"),
            "hidden": posts.create_post(bw.member2, bw.coalition, title="Ukryty", body="h"),
        }
        posts.set_pinned(made["pinned"], True)
        posts.set_must_read(made["must"], True)
        posts.confirm_read(bw.member, made["must"])
        posts.add_comment(bw.member, made["plain"], "Komentarz")
        hidden_comment = posts.add_comment(bw.member2, made["plain"], "Ukryty komentarz")
        posts.hide(hidden_comment, bw.trainer, "Spam")
        posts.hide(made["hidden"], bw.trainer, "Poza tematem")
        return made
    return with_db(make)


def test_the_template_reads_only_what_a_kept_post_is_found_by(app, bw):
    """If templates/board/_post.html starts to show something new, its key must hold it:
    render it with objects that record what it reads."""
    made = _world_posts(bw)
    read: dict[str, set] = {"post": set(), "author": set(), "extras": set()}

    class Recording:
        def __init__(self, kind: str, wrapped) -> None:
            self.__dict__["_kind"], self.__dict__["_wrapped"] = kind, wrapped

        def __getattr__(self, name: str):
            read[self._kind].add(name)
            value = getattr(self._wrapped, name)
            return Recording("author", value) if name == "author" else value

    with app.test_request_context("/"):
        db_posts = with_db(lambda: {k: Post.get_by_id(p.id) for k, p in made.items()})
        for user in (bw.trainer, bw.member, bw.member2, bw.coordinator):
            listed = list(db_posts.values())
            extras = with_db(lambda u=user, ls=listed: posts.extras(u, ls, bw.coalition))
            for post in listed:
                with_db(lambda p=post: p.author.name)
                render_template("board/_post.html", post=Recording("post", post),
                                extras=Recording("extras", extras),
                                seen=datetime(2000, 1, 1), T=rendering.board_texts(),
                                csrf_field="")
    assert read["post"] <= {*rendering.POST_FIELDS, "author", "body_source"}
    assert read["author"] <= {"name"}
    assert read["extras"] <= set(rendering.EXTRAS_FIELDS)
    assert {"title", "body_html", "hidden_reason", "event_place"} <= read["post"]  # it records
    # Nothing else of the page the include used to see: only what `board_posts` passes
    # (`hide_form` and `comments` are never in a listing's context) and globals (`hform`
    # and `field` are the template's own, set and imported in a branch).
    source = app.jinja_env.loader.get_source(app.jinja_env, "board/_post.html")[0]
    names = meta.find_undeclared_variables(app.jinja_env.parse(source))
    assert names - set(app.jinja_env.globals) <= {
        "post", "extras", "seen", "T", "csrf_field", "hide_form", "comments", "_", "hform",
        "field"}


def test_every_reader_gets_their_own_controls(app, bw, later):
    made = _world_posts(bw)
    url = f"/board/{bw.coalition.slug}"
    # The moderator first (fills the cache with moderation forms), then plain members, then
    # the other way round on a fresh cache.
    order = ["trainer", "coordinator", "member", "member2", "admin"]
    for names in (order, order[::-1]):
        app.extensions.pop(posts.POSTS_KEPT, None)
        readers = {name: _reader(app, getattr(bw, name)) for name in names}
        shown = _assert_each_reader_gets_the_templates(app, readers, url)
        member = BeautifulSoup(shown["member"], "html.parser")
        trainer = BeautifulSoup(shown["trainer"], "html.parser")
        assert not member.select("form[action$='/hide'], form[action$='/pin']")
        assert trainer.select("form[action$='/hide']") and trainer.select("form[action$='/pin']")
        assert member.select_one(f"#post-{made['hidden'].id}") is None
        assert "Poza tematem" in str(trainer.select_one(f"#post-{made['hidden'].id}"))
        own = made["own"].id
        coordinator = BeautifulSoup(shown["coordinator"], "html.parser")
        assert coordinator.select_one(f"#post-{own} a[href$='/edit']") is not None
        assert member.select_one(f"#post-{own} a[href$='/edit']") is None
        assert member.select_one(f"#post-{made['plain'].id} a[href$='/edit']") is not None
        # Hidden comments count for the moderator only.
        count = f"#comments-count-{made['plain'].id}"
        assert trainer.select_one(count).get_text() == "Komentarze (2)"
        assert member.select_one(count).get_text() == "Komentarze (1)"
        # The must-read post: confirmed by one member, to confirm for the other.
        must = made["must"].id
        assert member.select_one(f"#post-{must} .post-confirmed") is not None
        member2 = BeautifulSoup(shown["member2"], "html.parser")
        assert member2.select_one(f"#post-{must} form[action$='/confirm']") is not None


def test_each_reader_gets_their_own_token(app, bw, later):
    third = with_db(lambda: make_user(name="Trzecia Członkini"))  # before the posts: all new
    with_db(lambda: add_member(third, bw.coalition, "member", "ngo"))
    made = _world_posts(bw)
    url = f"/board/{bw.coalition.slug}"
    one, other = _reader(app, bw.member2), _reader(app, third)
    html_one, session_one = _posts_of(one, url)  # fills the cache
    kept = _html_kept(app)
    html_other, session_other = _posts_of(other, url)  # with its own tokens (`_posts_of`)
    assert session_one != session_other
    must = f"#post-{made['must'].id}"  # a form to confirm reading it, the same for both
    one_must = BeautifulSoup(html_one, "html.parser").select_one(must)
    assert one_must.select("input[name=csrf_token]")
    assert str(one_must) == str(BeautifulSoup(html_other, "html.parser").select_one(must))
    assert _html_kept(app) < 2 * kept  # some were shared
    # The forms work with the token they carry.
    page = BeautifulSoup(other.get(url, headers={"HX-Request": "true"}).get_data(as_text=True),
                         "html.parser")
    form = page.select_one(f"{must} form[action$='/confirm']")
    answer = other.post(form["action"], data={
        "csrf_token": form.select_one("input[name=csrf_token]")["value"]})
    assert answer.status_code in (200, 303)
    assert with_db(lambda: posts.ReadConfirmation.get_or_none(user=third.id,
                                                               post=made["must"].id))


def test_a_change_shows_at_once(app, bw, later):
    made = _world_posts(bw)
    url = f"/board/{bw.coalition.slug}"
    readers = {"trainer": _reader(app, bw.trainer), "member": _reader(app, bw.member),
               "coordinator": _reader(app, bw.coordinator)}
    _assert_each_reader_gets_the_templates(app, readers, url)
    plain, event = made["plain"], made["event"]

    def post(post_id: int) -> Post:
        return Post.get_by_id(post_id)

    changes = [
        ("edited", lambda: posts.edit_post(post(plain.id), title="Poprawiony", body="Nowa treść",
                                           category="offer")),
        ("hidden", lambda: posts.hide(post(plain.id), bw.trainer, "Nieaktualny")),
        ("restored", lambda: posts.restore(post(plain.id), bw.trainer)),
        ("pinned", lambda: posts.set_pinned(post(plain.id), True)),
        ("must-read", lambda: posts.set_must_read(post(event.id), True)),
        ("confirmed", lambda: posts.confirm_read(bw.member, post(event.id))),
        ("commented", lambda: posts.add_comment(bw.member2, post(plain.id), "Jeszcze jeden")),
        ("comment hidden", lambda: posts.hide(Comment.get(Comment.body_source == "Jeszcze jeden"),
                                              bw.trainer, "x")),
        ("renamed", lambda: User.update(name="Marek Przemianowany")
         .where(User.id == bw.member.id).execute()),
        ("sector", lambda: Membership.update(sector="business")
         .where(Membership.user == bw.member.id).execute()),
        ("deleted", lambda: posts.delete_post(post(made["long"].id), bw.trainer)),
    ]
    for name, change in changes:
        with_db(change)
        shown = _assert_each_reader_gets_the_templates(app, readers, url)
        trainer = BeautifulSoup(shown["trainer"], "html.parser")
        member = BeautifulSoup(shown["member"], "html.parser")
        article = trainer.select_one(f"#post-{plain.id}")
        if name == "edited":
            assert "Poprawiony" in article.get_text() and "Zwykły" not in article.get_text()
            assert "Nowa treść" in article.get_text()
        if name == "hidden":
            assert "Nieaktualny" in article.get_text()
            assert member.select_one(f"#post-{plain.id}") is not None  # the author's own
            coordinator = BeautifulSoup(shown["coordinator"], "html.parser")
            assert coordinator.select_one(f"#post-{plain.id}") is None
        if name == "restored":
            assert "is-hidden" not in article["class"]
        if name == "pinned":
            assert "is-pinned" in article["class"]
        if name == "confirmed":
            assert member.select_one(f"#post-{event.id} .post-confirmed") is not None
        if name == "commented":
            assert member.select_one(f"#comments-count-{plain.id}").get_text() == "Komentarze (2)"
        if name == "comment hidden":
            assert member.select_one(f"#comments-count-{plain.id}").get_text() == "Komentarze (1)"
            assert article.select_one(f"#comments-count-{plain.id}").get_text() == "Komentarze (3)"
        if name == "renamed":
            assert "Marek Przemianowany" in article.select_one(".post-author").get_text()
        if name == "sector":
            assert article.select_one(".post-sector").get_text() == "Biznes"
        if name == "deleted":
            assert trainer.select_one(f"#post-{made['long'].id}") is None


def test_the_one_store_of_posts_never_serves_a_post_stale(app, bw, later):
    """A post's texts and its HTML share the board's one store (`posts.posts_kept`): an
    edit is read under its new edit time and shows at once while the old entries are still
    kept (never found again), a hidden post leaves the other readers' pages, a deleted one
    every page, and the same holds for "load more"."""
    made = _world_posts(bw)
    url = f"/board/{bw.coalition.slug}"
    readers = {"trainer": _reader(app, bw.trainer), "coordinator": _reader(app, bw.coordinator)}
    _assert_each_reader_gets_the_templates(app, readers, url)
    store = app.extensions[posts.POSTS_KEPT]
    plain = made["plain"]

    def texts_kept() -> list[tuple]:
        return [key for key in store if key[0] == "texts" and key[1] == plain.id]

    assert texts_kept() == [("texts", plain.id, Post.get_by_id(plain.id).created_at, None)]
    assert _html_kept(app) == 7 + 6  # the hidden post on the moderator's page only
    before = set(store)
    for body in ("Pierwsza poprawka", "Treść"):  # the second edit writes the first text again
        with_db(lambda body=body: posts.edit_post(Post.get_by_id(plain.id), title="Zwykły",
                                                  body=body, category="offer"))
        shown = _assert_each_reader_gets_the_templates(app, readers, url)
        for html in shown.values():
            article = BeautifulSoup(html, "html.parser").select_one(f"#post-{plain.id}")
            assert body in article.get_text() and "edytowano" in article.get_text()
        more, _ = _posts_of(readers["coordinator"], f"{url}/more?after={plain.id + 1}")
        assert body in more
    assert before <= set(store)  # the old entries are there, and were not found
    assert len(texts_kept()) == 3
    with_db(lambda: posts.hide(Post.get_by_id(plain.id), bw.trainer, "Nieaktualny"))
    shown = _assert_each_reader_gets_the_templates(app, readers, url)
    assert f'id="post-{plain.id}"' not in shown["coordinator"]
    assert "Nieaktualny" in shown["trainer"]
    with_db(lambda: posts.delete_post(Post.get_by_id(plain.id), bw.trainer))
    shown = _assert_each_reader_gets_the_templates(app, readers, url)
    assert all(f'id="post-{plain.id}"' not in html for html in shown.values())


def test_the_language_of_each_page(app, bw, later):
    made = _world_posts(bw)
    url = f"/board/{bw.coalition.slug}"
    client = _reader(app, bw.trainer)
    token = Auth(client).csrf()
    for locale, pin in [("pl", "Przypnij"), ("en", "Pin"), ("pl", "Przypnij")]:
        client.post("/language", data={"locale": locale, "next": "/", "csrf_token": token})
        shown = _assert_each_reader_gets_the_templates(app, {"trainer": client}, url)
        article = BeautifulSoup(shown["trainer"], "html.parser").select_one(
            f"#post-{made['plain'].id}")
        assert article.select_one("form[action$='/pin'] button").get_text() == pin
        assert article.select_one(".post-category").get_text() == (
            "Announcement" if locale == "en" else "Ogłoszenie")


def test_new_marks_are_each_readers(app, bw, later):
    third = with_db(lambda: make_user(name="Trzecia Członkini"))  # before the posts
    with_db(lambda: add_member(third, bw.coalition, "member", "ngo"))
    made = _world_posts(bw)
    url = f"/board/{bw.coalition.slug}"
    with_db(lambda: posts.record_visit(User.get_by_id(third.id), bw.coalition))
    # Two members who differ, for the trainer's pinned post, only in having seen it.
    readers = {"member": _reader(app, bw.member), "third": _reader(app, third)}
    for _ in range(2):  # either one first
        shown = _assert_each_reader_gets_the_templates(app, readers, url)
        member = BeautifulSoup(shown["member"], "html.parser")
        seen_all = BeautifulSoup(shown["third"], "html.parser")
        pinned = f"#post-{made['pinned'].id}"
        assert "is-new" in member.select_one(pinned)["class"]
        assert member.select_one(f"{pinned} .post-new") is not None
        assert "is-new" not in seen_all.select_one(pinned)["class"]
        assert not seen_all.select("article.is-new, .post-new")
        assert member.select_one(f"#post-{made['plain'].id}.is-new") is None  # their own post
        readers = dict(reversed(readers.items()))


def _html_kept(app) -> int:
    """How many posts' HTML the board's store of posts holds (it holds their texts too)."""
    return sum(1 for key in app.extensions[posts.POSTS_KEPT] if key[0] != "texts")


def test_the_kept_posts_are_bounded(app, bw, later):
    app.config["BOARD_POSTS_KEPT"] = 3
    _world_posts(bw)
    readers = {"trainer": _reader(app, bw.trainer), "member": _reader(app, bw.member)}
    _assert_each_reader_gets_the_templates(app, readers, f"/board/{bw.coalition.slug}")
    assert len(app.extensions[posts.POSTS_KEPT]) == 3


def test_the_kept_posts_are_bounded_by_size_too(app, bw, later):
    """Long posts (up to 20,000 characters each) are dropped by the characters they hold:
    their texts and their HTML in the one store of posts."""
    _world_posts(bw)
    with_db(lambda: [posts.create_post(bw.member, bw.coalition, title=f"Długi {n}",
                                       body="słowo " * 3000) for n in range(4)])
    app.config["BOARD_POSTS_KEPT_CHARS"] = 100_000
    readers = {"trainer": _reader(app, bw.trainer), "member": _reader(app, bw.member)}
    _assert_each_reader_gets_the_templates(app, readers, f"/board/{bw.coalition.slug}")
    store = app.extensions[posts.POSTS_KEPT]
    assert 0 < store.held <= 100_000
    assert store.held == sum(
        len(value[0]) + len(value[1]) if key[0] == "texts" else rendering.kept_size(value)
        for key, value, _ in store.items())
    assert all(size == (len(value[0]) + len(value[1]) if key[0] == "texts"
                        else rendering.kept_size(value)) for key, value, size in store.items())
    assert _html_kept(app) < 2 * 11  # not every reader's post was kept


def test_a_post_is_kept_cut_at_its_slots():
    """The relative time once, before the CSRF fields (none or several): cut there, and
    joining the pieces with the page's values gives what filling in the slots gave."""
    cache = rendering.PostSlots()
    ago, csrf = cache.ago_slot, cache.csrf_slot
    for html in (f"<a>{ago}</a>", f"<ą>{ago}<f>{csrf}</f><ł>{csrf}</g>", f"{ago}{csrf}"):
        head, rest = cache.cut(html)
        assert head + "przed chwilą".encode() + b"<i>".join(rest) == html.replace(
            ago, "przed chwilą").replace(csrf, "<i>").encode()
    # Not the shape of a post: not kept (the page fills in its slots instead).
    for html in ("<a></a>", f"{ago}{ago}", f"{csrf}{ago}"):
        assert cache.cut(html) is None


def _masked(body: bytes) -> str:
    """A page's text with what differs from one render to the next (CSRF tokens' time and
    signature, the new-post form's key) written as X."""
    import re
    text = body.decode()
    text = re.sub(r'(csrf_token" value="|X-CSRFToken": ")[^"]+', r"\1X", text)
    return re.sub(r'(name="form_key" type="hidden" value=")[^"]+', r"\1X", text)


@pytest.mark.parametrize("path, fragment", [
    ("", False), ("", True), ("?q=Treść", False), ("?category=event", True), ("/more", True)])
def test_the_posts_put_into_the_body_give_the_rendered_page(app, bw, later, monkeypatch, path,
                                                            fragment):
    """`render_board` puts the kept posts' UTF-8 into the response: the same body as the
    page with the posts rendered into the template, and the same again when its slots
    do not come out as made (rendered a second time without them)."""
    _world_posts(bw)
    with_db(lambda: [posts.create_post(bw.member, bw.coalition, title=f"Wpis {n} — żółw",
                                       body=f"Treść {n}") for n in range(25)])
    client = _reader(app, bw.trainer)
    url = f"/board/{bw.coalition.slug}{path}"
    if path == "/more":
        url += f"?after={with_db(lambda: Post.select().order_by(Post.id.desc()).first().id)}"
    headers = {"HX-Request": "true"} if fragment else {}
    client.get(f"/board/{bw.coalition.slug}")  # the visit: the "new" marks stay the same
    spliced = client.get(url, headers=headers)
    assert spliced.status_code == 200 and "article" in spliced.get_data(as_text=True)
    assert int(spliced.headers["Content-Length"]) == len(spliced.get_data())
    real_render = rendering.htmx.render
    with monkeypatch.context() as m:
        m.setattr(rendering, "render_board", real_render)  # the posts rendered into the text
        plain = client.get(url, headers=headers)
    assert _masked(spliced.get_data()) == _masked(plain.get_data())

    calls = []

    def doubled(*args, **kwargs):  # the first render repeats its text, slots and all
        response = real_render(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            response.set_data(response.get_data() * 2)
        return response

    monkeypatch.setattr(rendering.htmx, "render", doubled)
    again = client.get(url, headers=headers)
    assert len(calls) == 2
    assert _masked(again.get_data()) == _masked(plain.get_data())
