"""The noticeboard: programme-wide and coalition boards, posts, comments, feeds.

Routes are split by concern: `pages` (boards, posts, editing), `actions` (comments, pinning,
must-read, moderation, module tasks) and `feeds` (Atom, iCalendar, feed tokens).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from babel.dates import TIMEDELTA_UNITS
from flask import Blueprint, abort, request, url_for
from flask_babel import format_timedelta, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from blueprints.board.forms import HIDE_REASON_LABEL, HideForm
from blueprints.main import safe_next as main_safe_next
from koalicje import permissions
from koalicje.board import posts
from koalicje.prepared import prepared
from koalicje.web import render
from models import Coalition, Post, utcnow

bp = Blueprint("board", __name__, url_prefix="/board")


def load_board(slug: str | None) -> Coalition | None:
    """The board named by a URL: None for the programme board; 404 if unknown or private."""
    if slug is None:
        return None
    coalition = _board_by_slug.first(slug)
    if coalition is None or not permissions.can("read_board", coalition):
        abort(404)
    return coalition


@prepared
def _board_by_slug(slug: str):
    return Coalition.select().where(Coalition.slug == slug).limit(1)


def load_post(post_id: int) -> Post:
    post = posts.get_visible_post(current_user, post_id)
    if post is None:
        abort(404)
    return post


def safe_next(default: str) -> str:
    """The form's `next` if it is a path on this site, else `default`."""
    return main_safe_next(request.form.get("next"), default)


def board_of(post: Post) -> Coalition | None:
    return post.coalition if post.coalition_id is not None else None


@bp.app_template_global()
def board_url(board: Coalition | None, endpoint: str = "board.index", **values) -> str:
    """URL of a board-level endpoint for a coalition board or the programme board."""
    values = {k: v for k, v in values.items() if v not in (None, "")}
    slug = board.slug if board is not None else None
    return url_for(endpoint, slug=slug, **values)


@bp.app_template_global()
def board_ago(moment: datetime | None) -> str:
    """"3 godziny temu" in the reader's language: Flask-Babel's `format_timedelta`, asked
    once per request, language and `ago_bucket` (a board shows ~40 times, mostly in a few
    buckets such as "2 lata temu")."""
    if moment is None:
        return ""
    delta = moment - utcnow()
    memo = render.cached("board.ago", dict)
    key = (get_locale(), ago_bucket(delta))
    text = memo.get(key)
    if text is None:
        text = memo[key] = format_timedelta(delta, add_direction=True)
    return text


_AGO_THRESHOLD = 0.85  # format_timedelta's default, which `board_ago` uses


def ago_bucket(delta: timedelta) -> tuple[bool, str, int]:
    """What `babel.dates.format_timedelta` (granularity "second", threshold 0.85, with a
    direction) decides its text by: (future?, unit, rounded number of units). Two deltas
    in one bucket give the same text (tests/test_board_render.py checks it)."""
    seconds = int(delta.days * 86400 + delta.seconds)
    for unit, per_unit in TIMEDELTA_UNITS:
        value = abs(seconds) / per_unit
        if value >= _AGO_THRESHOLD or unit == "second":
            if unit == "second" and value > 0:
                value = max(1, value)
            return seconds >= 0, unit, int(round(value))
    return seconds >= 0, "", 0  # not reached: "second" always decides


# The fixed texts of a post (templates/board/_post.html), translated once per request rather
# than once per post: a board page shows ~40 posts with ~8 of them each.
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


@bp.app_template_global()
def board_texts() -> SimpleNamespace:
    """`POST_TEXTS` in the request's language as a post's `_()` gives them (Markup, to be
    formatted with `%` where they take a value), made once per request and language."""
    texts = render.translated(POST_TEXTS)
    entry = render.cached("board.texts", lambda: [None, None])
    if entry[0] is not texts:
        entry[1] = SimpleNamespace(
            **{key: Markup(text) for key, text in texts.items()},
            # The moderation form's field, as WTForms renders HideForm's (its label escaped).
            hide_reason=escape(str(HIDE_REASON_LABEL)), reason_max=posts.REASON_MAX,
        )
        entry[0] = texts
    return entry[1]


@bp.app_template_global()
def board_navigation() -> list[posts.BoardEntry]:
    if not getattr(current_user, "is_authenticated", False):
        return []
    return posts.navigation(current_user)


@bp.app_template_global()
def board_hide_form(item, kind: str = "post"):
    """An empty moderation form for a post or comment (ids stay unique on the page)."""
    return HideForm(formdata=None, prefix=("h" if kind == "post" else "hc") + str(item.id))


from blueprints.board import actions, feeds, pages  # noqa: E402,F401  (routes)
