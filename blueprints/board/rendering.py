"""What a board page's posts need from Python, made once per request rather than per post.

A board page renders templates/board/_post.html ~40 times. Per post it used to ask
Flask-Babel for ~8 fixed strings and two labels, and Babel for the relative time; here
`board_texts()` gives them all from one object made once per process and language (the
page passes it to each post as `T`). A listing's posts (`board_posts`) are then rendered
once per process for what each shows, and each page fills in its relative times and its
reader's CSRF field.
"""

from __future__ import annotations

import operator
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple

from babel.dates import TIMEDELTA_UNITS
from flask import Response, current_app, g, request
from flask_babel import format_timedelta, get_timezone
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from blueprints.board import board_url, bp
from blueprints.board.forms import HIDE_REASON_LABEL, PostForm
from koalicje import kept
from koalicje.board import posts
from koalicje.web import htmx, render
from koalicje.web.forms import new_form_key
from koalicje.web.labels import POST_CATEGORY_LABELS, SECTOR_LABELS
from models import Coalition, Post, utcnow

# The fixed texts of a post, as its template's `_()` would translate them.
POST_TEXTS = {
    "pinned": _l("Przypięty"),
    "must_read": _l("Obowiązkowo do przeczytania"),
    "new": _l("Nowy"),
    "task": _l("Zadanie z kursu"),
    "edited": _l("edytowano"),
    "hidden_note": _l("Ukryty przez moderatora — inni go nie widzą. Powód: %(reason)s"),
    "when": _l("Kiedy:"),
    "where": _l("Gdzie:"),
    "show_more": _l("Pokaż więcej"),
    "show_less": _l("Pokaż mniej"),
    "confirmed": _l("Potwierdzono przeczytanie"),
    "confirm": _l("Przeczytane"),
    "edit": _l("Edytuj"),
    "delete": _l("Usuń"),
    "unpin": _l("Odepnij"),
    "pin": _l("Przypnij"),
    "unmark_must_read": _l("Nie wymagaj przeczytania"),
    "mark_must_read": _l("Oznacz jako obowiązkowy"),
    "readers": _l("Kto jeszcze nie przeczytał?"),
    "restore": _l("Przywróć wpis"),
    "hide": _l("Ukryj"),
    "hide_post": _l("Ukryj wpis"),
    "comments": _l("Komentarze (%(n)d)"),
    "show_comments": _l("Pokaż komentarze"),
}


class Labels(dict):
    """code -> label, with `koalicje.web.labels`' rule for a code it lacks (shown as it
    is; None as nothing), so that a template may index it (`T.sector[code]`)."""

    def __missing__(self, code) -> str:
        return "" if code is None else str(code)


class PostTexts(SimpleNamespace):
    """`POST_TEXTS` as Markup (formatted with `%` where they take a value, as `_()` did),
    the category and sector labels, the moderation field's label and limit, and `ago`."""

    def __init__(self, texts: dict[str, str]) -> None:
        super().__init__(**{key: Markup(text) for key, text in texts.items()})
        self.category = Labels({code: str(label) for code, label in POST_CATEGORY_LABELS.items()})
        self.sector = Labels({code: str(label) for code, label in SECTOR_LABELS.items()})
        # The moderation form's field as WTForms renders HideForm's (its label escaped).
        self.hide_reason = escape(str(HIDE_REASON_LABEL))
        self.reason_max = posts.REASON_MAX
        self._ago: dict[tuple[bool, str, int], str] = {}  # a few hundred buckets at most
        self._ago_html: dict[tuple[bool, str, int], bytes] = {}  # the same, escaped

    def ago(self, moment: datetime | None, now: datetime | None = None) -> str:
        """"3 godziny temu": Flask-Babel's `format_timedelta`, asked once per `ago_bucket`
        (a board's ~40 posts fall in a few buckets such as "2 lata temu"); `now` (default:
        the current time) for a page that shows many."""
        if moment is None:
            return ""
        delta = moment - (now or utcnow())
        key = ago_bucket(delta)
        text = self._ago.get(key)
        if text is None:
            text = self._ago[key] = format_timedelta(delta, add_direction=True)
        return text

    def ago_html(self, moment: datetime | None, now: datetime) -> bytes:
        """`ago(moment, now)` escaped for HTML, in UTF-8 (kept with it, per bucket)."""
        if moment is None:
            return b""
        key = ago_bucket(moment - now)
        html = self._ago_html.get(key)
        if html is None:
            html = self._ago_html[key] = str(escape(self.ago(moment, now))).encode()
        return html


_TEXTS = "koalicje.board.post_texts"  # app.extensions key: language -> PostTexts


@bp.app_template_global()
def board_texts() -> PostTexts:
    """The `PostTexts` of the current language, made once per process and language (in
    app.extensions: translations, labels and the relative times of the buckets do not
    change while the process lives; nothing in it depends on the reader)."""
    return kept.value(_TEXTS, render.language(), lambda: PostTexts(
        {key: str(text) for key, text in POST_TEXTS.items()}), kept.BY_LANGUAGE)


@bp.app_template_global()
def board_ago(moment: datetime | None) -> str:
    """"3 godziny temu" in the reader's language (`PostTexts.ago`)."""
    return board_texts().ago(moment)


_AGO_THRESHOLD = 0.85  # format_timedelta's default, which `PostTexts.ago` uses


def _least_seconds(per_unit: int) -> int:
    """The fewest whole seconds that make at least `_AGO_THRESHOLD` of a unit, as
    format_timedelta compares (`seconds / per_unit >= threshold`, in floating point)."""
    least = int(per_unit * _AGO_THRESHOLD)
    while least / per_unit < _AGO_THRESHOLD:
        least += 1
    while least > 1 and (least - 1) / per_unit >= _AGO_THRESHOLD:
        least -= 1
    return least


# (unit, seconds in it, the fewest seconds that count in it), the second left for last
_AGO_UNITS = tuple((unit, per_unit, _least_seconds(per_unit))
                   for unit, per_unit in TIMEDELTA_UNITS if unit != "second")


def ago_bucket(delta: timedelta) -> tuple[bool, str, int]:
    """What `babel.dates.format_timedelta` (granularity "second", threshold 0.85, with a
    direction) decides its text by: (future?, unit, rounded number of units). Two deltas
    in one bucket give the same text (tests/test_board_render.py checks it). Each unit's
    threshold in whole seconds (`_AGO_UNITS`), not a division per unit: a board shows ~40
    relative times."""
    seconds = delta.days * 86400 + delta.seconds
    size = -seconds if seconds < 0 else seconds
    for unit, per_unit, least in _AGO_UNITS:
        if size >= least:
            return seconds >= 0, unit, int(round(size / per_unit))
    return seconds >= 0, "second", size  # at least one second, if any


# --- the new-post form --------------------------------------------------------------------

_FORMS = "koalicje.board.post_forms"  # app.extensions key: (language, board, prefix) -> HTML


def _is_blank(form: PostForm) -> bool:
    """No errors, and every field (but the per-render form key) holds its default."""
    return not form.errors and all(field.data == field.default for field in form
                                   if field.short_name != "form_key")


@bp.app_template_global()
def board_post_form(board: Coalition | None, form: PostForm | None = None) -> Markup | None:
    """templates/board/_post_form.html for an empty form (the board page shows it to every
    reader who may post), rendered once per process, language and board with its CSRF
    token and form key left out, which are filled in for each page: the same HTML as the
    template gives. `form` None: a new empty PostForm, which is then made only when the
    HTML is not kept yet (making one costs ~0.7 ms: WTForms loads its catalog for each
    request). None (the page includes the template) for a form with data or errors."""
    if form is not None and not _is_blank(form):
        return None
    template = current_app.jinja_env.get_template("board/_post_form.html")

    def make() -> tuple[str, tuple[str, ...]]:
        made = form or PostForm(formdata=None)
        return template.render(board=board, form=made), (render.csrf_token(), made.form_key.data)

    def fill() -> tuple[str, ...]:
        # The key a new PostForm would get (its form_key field's default).
        return render.csrf_token(), form.form_key.data if form is not None else new_form_key()

    key = (render.language(), board.slug if board is not None else None,
           form._prefix if form is not None else "")
    return render.kept_html(_FORMS, key, make, fill)


# --- the page's filters, events and feeds ------------------------------------------------

_PARTS = "koalicje.board.part_html"  # app.extensions key: (template, what it shows) -> HTML


def _kept_part(name: str, key: tuple, context: dict,
               values: Callable[[], tuple[str, ...]] = tuple) -> Markup:
    """templates/board/`name` rendered with `context` once per process for `key` (everything
    the template shows but `values()`, this page's own values, filled in for each page:
    `render.kept_html`). tests/test_board_render.py compares each with the template."""
    template = current_app.jinja_env.get_template(name)
    return render.kept_html(_PARTS, (name, render.language(), *key),
                            lambda: (template.render(**context), values()), values)


@bp.app_template_global()
def board_filters(board: Coalition | None, filters: dict) -> Markup:
    """templates/board/_filters.html: the board's URL, the chosen category and search."""
    return _kept_part("board/_filters.html", (*_board_place(board), filters["category"],
                                              filters["q"]),
                      {"board": board, "filters": filters})


@bp.app_template_global()
def board_events(events: list[Post]) -> Markup:
    """templates/board/_events.html: the events' links, titles, times and places (in the
    reader's time zone)."""
    return _kept_part(
        "board/_events.html",
        (str(get_timezone()), render.url_root(),
         tuple((e.id, e.title, e.event_at, e.event_place) for e in events)),
        {"events": events})


@bp.app_template_global()
def board_feeds(board: Coalition | None, feed_token: str | None) -> Markup:
    """templates/board/_feeds.html: the board's addresses (the reader's feed URLs and the
    CSRF token filled in for each page)."""
    def values() -> tuple[str, ...]:
        return (board_url(board, "board.calendar", token=feed_token, _external=True),
                board_url(board, "board.atom", token=feed_token, _external=True),
                render.csrf_token())

    return _kept_part("board/_feeds.html", _board_place(board),
                      {"board": board, "feed_token": feed_token}, values)


def _board_place(board: Coalition | None) -> tuple[str, str | None]:
    """What a board's URLs on this request are made of (the kept parts' key): the
    request's URL root (scheme, host and script root, which url_for writes into every URL
    it makes here, with _external or not) and the board's slug (None: the programme
    board). Cheaper than making the URLs only to find the kept HTML."""
    return request.url_root, board.slug if board is not None else None


# --- the posts of a listing ---------------------------------------------------------------

_POSTS = "koalicje.board.post_slots"  # app.extensions key: the process's `PostSlots`

# Everything templates/board/_post.html reads of a post (besides its author's name and the
# length of its source), of `extras` and of the page: a kept post's HTML is found by all of
# them, so a change to any (an edit, hiding, a pin, a new comment, another reader's rights,
# another language) finds other HTML. tests/test_board_post_cache.py renders the template
# with objects that record what it reads and fails on anything not listed here.
POST_FIELDS = ("id", "category", "pinned", "must_read", "hidden_at", "hidden_reason",
               "created_at", "edited_at", "author_id", "module_slug", "title", "body_html",
               "event_at", "event_place")
EXTRAS_FIELDS = ("reader_id", "sectors", "confirmed", "asks_confirmation", "editable",
                 "deletable", "manage", "moderate", "comment_counts")


class PostSlots:
    """The two slots of a listed post's kept HTML, filled per page: the relative time and
    the CSRF field (each reader's own), and the mark where `render_board` puts a listing's
    posts into the body. Their text is made per process at random, so no post can hold it.
    Each post is kept (in `posts.posts_kept()`, the board's one store of posts) as UTF-8
    cut at its slots (`cut`), so a page fills them in by joining the pieces, without
    searching the HTML for them, and the response's body takes the bytes as they are."""

    def __init__(self) -> None:
        mark = secrets.token_hex(8)
        self.ago_slot, self.csrf_slot = f"\x00ago-{mark}\x00", f"\x00csrf-{mark}\x00"
        self.splice_slot = f"\x00posts-{mark}-"  # `render_board`: then a number and \x00

    def cut(self, html: str) -> KeptPost | None:
        """`html` as UTF-8 cut at its slots: (what comes before the relative time, what
        comes after it cut at each CSRF field); None unless it holds the relative time once,
        after every CSRF field's slot (a post's byline comes before its forms)."""
        head, ago, rest = html.partition(self.ago_slot)
        if not ago or self.ago_slot in rest or self.csrf_slot in head:
            return None
        return head.encode(), tuple(piece.encode() for piece in rest.split(self.csrf_slot))


def post_slots() -> PostSlots:
    """The process's `PostSlots` (made on first use)."""
    return kept.store(_POSTS, PostSlots)


# A kept post's HTML in UTF-8: (before the relative time, the rest cut at the CSRF fields).
KeptPost = tuple[bytes, tuple[bytes, ...]]


def kept_chars(kept: KeptPost) -> int:
    """The bytes a kept post holds."""
    return len(kept[0]) + sum(map(len, kept[1]))


def kept_size(kept: KeptPost) -> int:
    """What a kept post counts in the store of posts: its bytes twice (its key holds the
    post's texts too)."""
    return 2 * kept_chars(kept)


class _SlottedTexts:
    """A `PostTexts` whose relative time is the cache's slot (filled in for each page)."""

    def __init__(self, texts: PostTexts, slot: str) -> None:
        self._texts, self._slot = texts, Markup(slot)

    def __getattr__(self, name: str):
        return getattr(self._texts, name)

    def ago(self, moment: datetime | None) -> Markup:
        return self._slot


# `POST_FIELDS` but the author's id, as Peewee keeps them (what reading each gives).
_POST_DATA = tuple(Post._meta.fields[name].name for name in POST_FIELDS if name != "author_id")
_POST_VALUES = operator.itemgetter(*_POST_DATA)


def _reader_key(extras: posts.PostExtras) -> tuple:
    """What `extras` says of every post of a listing alike (part of the page's key)."""
    return extras.asks_confirmation, extras.manage, extras.moderate


def post_key(post: Post, extras: posts.PostExtras, seen: datetime | None) -> tuple:
    """What the HTML of `post` in a listing depends on, the page's own things aside
    (language, time zone, URLs and `_reader_key`: `board_posts` adds them): its fields, its
    author's name, and what `extras` and `seen` say of it for this reader. Read from the
    post's data directly (a board shows ~40 posts)."""
    data = post.__data__
    try:
        values = _POST_VALUES(data)
    except KeyError:  # a post made without some field: what reading it gives (None)
        values = tuple(map(data.get, _POST_DATA))
    post_id, author_id = data["id"], data["author"]
    author = post.__rel__.get("author")
    return (
        values, author_id, len(data["body_source"] or ""),
        author.__data__.get("name") if author is not None else post.author.name,
        author_id == extras.reader_id,
        bool(seen) and data["created_at"] > seen, extras.sectors.get(author_id),
        post_id in extras.confirmed, post_id in extras.editable, post_id in extras.deletable,
        extras.comment_counts.get(post_id, 0),
    )


class _Listings(NamedTuple):
    """What the listings of one page share (a board shows two: its top and its stream)."""

    extras: posts.PostExtras
    texts: PostTexts
    csrf_field: Markup
    template: Any
    slots: PostSlots
    store: kept.Sized
    page: tuple  # the page's part of each post's key
    now: datetime


_LISTINGS = "_board_listings"  # flask.g: this page's `_Listings`


def _listings(extras: posts.PostExtras) -> _Listings:
    """This page's `_Listings`, made by its first listing (for its `extras`)."""
    found = g.get(_LISTINGS)
    if found is not None and found.extras is extras:
        return found
    found = _Listings(
        extras, board_texts(), render.csrf_input(),
        current_app.jinja_env.get_template("board/_post.html"), post_slots(),
        posts.posts_kept(),
        (render.language(), str(get_timezone()), render.url_root(), *_reader_key(extras)),
        utcnow())
    setattr(g, _LISTINGS, found)
    return found


@bp.app_template_global()
def board_posts(listed: list, extras: posts.PostExtras, seen: datetime | None) -> Markup:
    """The posts of a listing as templates/board/_post.html renders each (as its include in
    the loop gave them), each post's HTML made once per process for what it shows
    (`post_key`, the language, the time zone, the URLs) and kept in the board's store of
    posts (`posts.posts_kept()`), with this page's relative times and CSRF field filled in.
    Development (templates reloaded): the template every time."""
    if current_app.jinja_env.auto_reload:
        texts, csrf_field = board_texts(), render.csrf_input()
        template = current_app.jinja_env.get_template("board/_post.html")
        return Markup("").join(
            Markup(template.render(post=post, extras=extras, seen=seen, T=texts,
                                   csrf_field=csrf_field)) for post in listed)
    texts, csrf_field, template, slots, store, page, now = _listings(extras)[1:]
    slotted = None
    ago_html = texts.ago_html
    csrf = str(csrf_field).encode()
    parts: list[bytes] = []
    append = parts.append
    for post in listed:
        key = (page, post_key(post, extras, seen))
        kept = store.get(key)
        if kept is None:
            slotted = slotted or _SlottedTexts(texts, slots.ago_slot)
            html = template.render(post=post, extras=extras, seen=seen, T=slotted,
                                   csrf_field=Markup(slots.csrf_slot))
            kept = slots.cut(html)
            if kept is None:  # not as expected: this page's values put in its slots
                append(html.replace(slots.ago_slot, ago_html(post.created_at, now).decode())
                       .replace(slots.csrf_slot, str(csrf_field)).encode())
                continue
            store.put(key, kept, kept_size(kept))
        head, rest = kept
        append(head)
        append(ago_html(post.created_at, now))
        append(csrf.join(rest) if len(rest) > 1 else rest[0])
    body = b"".join(parts)
    spliced = g.get(_SPLICED)
    if spliced is None:
        return Markup(body.decode())
    spliced.append(body)
    return Markup(f"{slots.splice_slot}{len(spliced) - 1}\x00")


_SPLICED = "_board_posts_spliced"  # flask.g: the listing's posts in UTF-8, by number


def render_board(page: str, fragment: str, **context) -> Response:
    """`htmx.render` of a board's page or fragment, with the posts of its listings
    (`board_posts`) put into the response's body as the UTF-8 they are kept in: the
    template holds a numbered slot for each, and only the rest of the page is encoded
    (encoding a board's ~60 KB of posts again on every page cost ~0.1 ms). The same body
    as rendering them into the template."""
    g.setdefault(_SPLICED, [])
    try:
        response = htmx.render(page, fragment, **context)
        spliced = g.get(_SPLICED)
    finally:
        g.pop(_SPLICED, None)
    if not spliced:
        return response
    body = response.get_data().split(post_slots().splice_slot.encode())
    out, used = [body[0]], set()
    for piece in body[1:]:
        number, _, rest = piece.partition(b"\x00")
        index = int(number)
        used.add(index)
        out += (spliced[index], rest)
    if len(used) != len(spliced) or len(body) != len(spliced) + 1:  # not as made: again
        return htmx.render(page, fragment, **context)
    response.set_data(b"".join(out))
    return response
