"""The board's rendering helpers give what Flask-Babel gives, computed once per request."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import flask_babel
import pytest
from babel.dates import TIMEDELTA_UNITS
from bs4 import BeautifulSoup
from conftest import soup
from factories import build_board_world, with_db
from flask import render_template, render_template_string
from flask_babel import force_locale
from markupsafe import Markup, escape

from blueprints.board import rendering
from blueprints.board.forms import HideForm, PostForm, hide_prefix
from blueprints.board.rendering import POST_TEXTS, ago_bucket, board_ago, board_texts
from koalicje.board import posts
from koalicje.web import labels
from models import POST_CATEGORIES, SECTORS


def _deltas() -> list[timedelta]:
    """Around every unit's threshold and rounding points, both directions, and a sweep."""
    seconds = set(range(-200, 201))
    for _, per_unit in TIMEDELTA_UNITS:
        for factor in (0.5, 0.84, 0.85, 0.86, 1, 1.49, 1.5, 1.51, 2.5, 3.5, 11.5, 30, 400):
            for shift in (-1, 0, 1):
                seconds.add(int(per_unit * factor) + shift)
                seconds.add(-int(per_unit * factor) + shift)
    seconds.update(range(0, 5 * 31536000, 7919))  # a prime step across five years
    seconds.update(-s for s in list(seconds))
    return [timedelta(seconds=s, microseconds=m) for s in sorted(seconds) for m in (0, 999_999)]


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_a_bucket_decides_the_text(app, locale):
    with app.test_request_context("/"), force_locale(locale):
        texts: dict = {}
        for delta in _deltas():
            text = flask_babel.format_timedelta(delta, add_direction=True)
            assert texts.setdefault(ago_bucket(delta), text) == text, delta
        assert len(texts) > 50  # the sweep reached many different texts


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_board_ago_gives_flask_babels_text(app, monkeypatch, locale):
    now = datetime(2026, 11, 30, 12, 0, 0)
    monkeypatch.setattr(rendering, "utcnow", lambda: now)
    with app.test_request_context("/"), force_locale(locale):
        for delta in _deltas()[::5]:
            assert board_ago(now + delta) == flask_babel.format_timedelta(
                delta, add_direction=True), delta
        assert board_ago(None) == ""


def test_board_ago_asks_babel_once_per_bucket_and_language_in_a_process(app, monkeypatch):
    now = datetime(2026, 11, 30, 12, 0, 0)
    monkeypatch.setattr(rendering, "utcnow", lambda: now)
    calls = []
    real = rendering.format_timedelta
    monkeypatch.setattr(rendering, "format_timedelta",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    with app.test_request_context("/"):
        with force_locale("pl"):
            polish = [board_ago(now - timedelta(days=800, seconds=s)) for s in range(40)]
        with force_locale("en"):
            english = board_ago(now - timedelta(days=800))
    assert set(polish) == {"2 lata temu"}
    assert english == "2 years ago"
    assert len(calls) == 2
    with app.test_request_context("/"), force_locale("pl"):  # kept by the process
        assert board_ago(now - timedelta(days=801)) == "2 lata temu"
        assert board_ago(now - timedelta(days=3)) == "3 dni temu"
    assert len(calls) == 3


# --- a post's fixed texts and its moderation form -------------------------------------------


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_post_texts_are_flask_babels_translations(app, locale):
    with app.test_request_context("/"), force_locale(locale):
        texts = board_texts()
        for key, message in POST_TEXTS.items():
            text = getattr(texts, key)
            assert isinstance(text, Markup)  # as a template's `_()` gives it (not escaped)
            assert text == flask_babel.gettext(message._args[0]), key
        assert board_texts() is texts  # made once per language
        assert texts.hide_reason == escape(flask_babel.gettext("Powód ukrycia"))
        assert texts.reason_max == posts.REASON_MAX
        for code in POST_CATEGORIES:
            assert texts.category[code] == labels.post_category_label(code)
        for code in (*SECTORS, None, "unknown-sector"):
            assert texts.sector[code] == labels.sector_label(code)


def test_post_texts_follow_the_language_of_each_request(app):
    for locale, pin, category in [("pl", "Przypnij", "Potrzeba"), ("en", "Pin", "Need"),
                                  ("pl", "Przypnij", "Potrzeba")]:
        with app.test_request_context("/"), force_locale(locale):
            assert board_texts().pin == pin
            assert board_texts().category["need"] == category
            assert board_texts().comments % {"n": 3} == ("Komentarze (3)" if locale == "pl"
                                                          else "Comments (3)")


@pytest.fixture
def bw(app):
    return build_board_world()


def _attrs(tag) -> dict:
    return {name: (" ".join(value) if isinstance(value, list) else value)
            for name, value in tag.attrs.items()}


def _assert_is_the_forms_field(form, item, kind: str) -> None:
    """The label and input of a shown hide form are what WTForms renders for `item`."""
    expected = BeautifulSoup(render_template_string(
        '{% from "_macros.html" import field %}{{ field(form.reason) }}',
        form=HideForm(formdata=None, prefix=hide_prefix(kind, item.id))), "html.parser")
    for name in ("label", "input:not([type=hidden])"):
        shown, made_by_form = form.select_one(name), expected.select_one(name)
        assert _attrs(shown) == _attrs(made_by_form), (item.id, name)
        assert shown.get_text() == made_by_form.get_text()


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_hide_form_is_what_the_wtforms_form_renders(app, client, auth, bw, locale):
    made = with_db(lambda: [posts.create_post(bw.member, bw.coalition, title=f"Wpis {i}",
                                              body="Treść") for i in range(3)])
    auth.as_user(bw.trainer)
    client.post("/language", data={"locale": locale, "next": "/", "csrf_token": auth.csrf()})
    page = soup(client.get(f"/board/{bw.coalition.slug}"))
    forms = page.select("details.post-moderation form")
    assert len(forms) == len(made)
    with app.test_request_context("/"), force_locale(locale):
        for post in made:
            form = page.select_one(f"article#post-{post.id} details.post-moderation form")
            _assert_is_the_forms_field(form, post, "post")
            assert form.select_one("input[type=text]")["id"] == f"h{post.id}-reason"


# --- the new-post form, rendered once per language and board ---------------------------------


def _post_form(page) -> tuple[str, str, str]:
    """The form's HTML with its token and key taken out, its token, its key."""
    form = page.select_one("form#post-form")
    token = form.select_one("input[name=csrf_token]")["value"]
    key = form.select_one("input[name=form_key]")["value"]
    return str(form).replace(token, "TOKEN").replace(key, "KEY"), token, key


def _page_token(page) -> str:
    return json.loads(page.select_one("body")["hx-headers"])["X-CSRFToken"]


def test_new_post_form_is_the_templates_with_this_pages_token_and_key(app, client, auth, bw):
    auth.as_user(bw.member)
    for locale, url in [("pl", f"/board/{bw.coalition.slug}"), ("pl", "/board/"),
                        ("en", f"/board/{bw.coalition.slug}"), ("en", "/board/")]:
        client.post("/language", data={"locale": locale, "next": "/", "csrf_token": auth.csrf()})
        first = soup(client.get(url))  # renders the form and keeps it
        kept = soup(client.get(url))  # from what was kept
        app.jinja_env.auto_reload = True  # development: the template every time
        rendered = soup(client.get(url))
        app.jinja_env.auto_reload = False
        html, token, key = _post_form(kept)
        assert html == _post_form(rendered)[0] == _post_form(first)[0]
        with app.test_request_context(url), force_locale(locale):  # the template itself
            board = bw.coalition if url != "/board/" else None
            template = BeautifulSoup(render_template("board/_post_form.html", board=board,
                                                     form=PostForm(formdata=None)), "html.parser")
        assert html == _post_form(template)[0]
        assert token == _page_token(kept)  # this page's token, not the first page's
        assert key not in (_post_form(first)[2], _post_form(rendered)[2])  # a fresh key
        assert kept.select_one("form#post-form")["action"] == (
            f"/board/{bw.coalition.slug}/posts" if url != "/board/" else "/board/posts")
        assert kept.select_one("label[for=title]").get_text(strip=True) == (
            "Tytuł" if locale == "pl" else "Title")
    # The kept form posts like the template's.
    page = soup(client.get(f"/board/{bw.coalition.slug}"))
    _, token, key = _post_form(page)
    sent = client.post(f"/board/{bw.coalition.slug}/posts", data={
        "csrf_token": token, "form_key": key, "title": "Z formularza", "category": "news",
        "body": "Treść"})
    assert sent.status_code == 422  # "news" is no category: the answer shows the errors
    answer = soup(sent)
    assert answer.select_one("form#post-form input[name=title]")["value"] == "Z formularza"
    assert answer.select_one("form#post-form .field-error") is not None
    sent = client.post(f"/board/{bw.coalition.slug}/posts", data={
        "csrf_token": token, "form_key": key, "title": "Z formularza", "category": "need",
        "body": "Treść"})
    assert sent.status_code == 303
    assert with_db(lambda: posts.Post.get(posts.Post.title == "Z formularza").category) == "need"


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_comment_hide_form_is_what_the_wtforms_form_renders(app, client, auth, bw, locale):
    post = with_db(lambda: posts.create_post(bw.member, bw.coalition, title="Wpis", body="x"))
    made = with_db(lambda: [posts.add_comment(bw.member2, post, f"Komentarz {i}")
                            for i in range(3)])
    auth.as_user(bw.trainer)
    client.post("/language", data={"locale": locale, "next": "/", "csrf_token": auth.csrf()})
    page = soup(client.get(f"/board/post/{post.id}"))
    assert len(page.select("details.comment-moderation form")) == len(made)
    with app.test_request_context("/"), force_locale(locale):
        for comment in made:
            form = page.select_one(f"#comment-{comment.id} details.comment-moderation form")
            _assert_is_the_forms_field(form, comment, "comment")
            assert form.select_one("input[type=text]")["id"] == f"hc{comment.id}-reason"


def _parts(page) -> dict[str, str]:
    """The board page's filters, events and feeds, the CSRF token taken out."""
    token = _page_token(page)
    return {name: str(page.select_one(selector)).replace(token, "TOKEN")
            for name, selector in [("filters", "form.board-filters"),
                                   ("events", "section.board-events"),
                                   ("feeds", "section.board-feeds")]}


def test_filters_events_and_feeds_are_the_templates_with_this_pages_values(app, client, auth,
                                                                            bw):
    """`board_filters`, `board_events` and `board_feeds` keep their templates' HTML per
    process: each page shows what the template gives for it (language, board, filters,
    events, the reader's feed token and CSRF token), also after the events change."""
    soon = datetime.now() + timedelta(days=3)
    with_db(lambda: posts.create_post(bw.member, bw.coalition, title="Zebranie <i>", body="x",
                                      category="event", event_at=soon, event_place="Sala & 1"))
    cases = [(bw.member, "pl", f"/board/{bw.coalition.slug}"), (bw.member, "pl", "/board/"),
             (bw.member, "en", f"/board/{bw.coalition.slug}?q=sala+%22%3C&category=event"),
             (bw.member2, "pl", f"/board/{bw.coalition.slug}?category=need"),
             (bw.member2, "pl", f"/board/{bw.coalition.slug}?q=zebranie&category=need"),
             (bw.member2, "en", "/board/?q=x")]
    for step in range(2):
        if step:  # another event: the kept events give way to the new list
            with_db(lambda: posts.create_post(bw.member2, bw.coalition, title="Festyn",
                                              body="y", category="event",
                                              event_at=soon + timedelta(hours=5)))
        for user, locale, url in cases:
            auth.logout()
            auth.as_user(user)
            client.post("/language", data={"locale": locale, "next": "/",
                                           "csrf_token": auth.csrf()})
            first = soup(client.get(url))  # renders the parts and keeps them
            kept = soup(client.get(url))  # from what was kept
            app.jinja_env.auto_reload = True  # development: the templates every time
            rendered = soup(client.get(url))
            app.jinja_env.auto_reload = False
            assert _parts(kept) == _parts(rendered) == _parts(first)
            assert kept.select_one("form.board-filters input[name=q]")["value"] == (
                rendered.select_one("form.board-filters input[name=q]")["value"])
            events = [a.get_text() for a in kept.select("section.board-events li a")]
            assert events == (["Zebranie <i>"] if url.startswith(f"/board/{bw.coalition.slug}")
                              and step == 0 else ["Zebranie <i>", "Festyn"]
                              if url.startswith(f"/board/{bw.coalition.slug}") else [])
            # The reader's own feed addresses and this page's CSRF token.
            token = _page_token(kept)
            assert kept.select_one("section.board-feeds input[name=csrf_token]")["value"] == token
            feeds = [a["href"] for a in kept.select("section.board-feeds a")]
            assert all(f"token={user.id}." in href for href in feeds), feeds
            assert kept.select_one("link[rel=alternate]")["href"].split("token=")[1] == (
                feeds[1].split("token=")[1])


def test_kept_filters_and_feeds_follow_the_address_the_page_was_asked_at(app, client, auth, bw):
    """The kept filters and feeds are found by the request's URL root and the board: a page
    asked with another scheme or under another script root gets its own addresses (what
    the templates give there), never the first page's."""
    auth.as_user(bw.member)
    url = f"/board/{bw.coalition.slug}"
    seen = {}
    for base, script in (("http://localhost", ""), ("https://localhost", ""),
                         ("http://localhost", "/app")):
        options = {"base_url": base, "environ_overrides": {"SCRIPT_NAME": script}}
        kept = soup(client.get(url, **options))  # the second page of a kind: kept
        app.jinja_env.auto_reload = True  # development: the templates every time
        rendered = soup(client.get(url, **options))
        app.jinja_env.auto_reload = False
        assert _parts(kept) == _parts(rendered)
        feeds = [a["href"] for a in kept.select("section.board-feeds a")]
        assert feeds and all(href.startswith(f"{base}{script}/board/") for href in feeds), feeds
        assert kept.select_one("form.board-filters")["action"] == f"{script}{url}"
        assert kept.select_one("section.board-feeds input[name=next]")["value"] == f"{script}{url}"
        seen[(base, script)] = _parts(kept)
    assert len({parts["feeds"] for parts in seen.values()}) == 3
