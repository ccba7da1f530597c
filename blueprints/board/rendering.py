"""What a board page's posts need from Python, made once per request rather than per post.

A board page renders templates/board/_post.html ~40 times. Per post it used to ask
Flask-Babel for ~8 fixed strings and two labels, and Babel for the relative time; here
`board_texts()` gives them all from one object made once per request and language (the
page passes it to each post as `T`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from babel.dates import TIMEDELTA_UNITS
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from blueprints.board import bp
from blueprints.board.forms import HIDE_REASON_LABEL
from koalicje.board import posts
from koalicje.web import render
from koalicje.web.labels import POST_CATEGORY_LABELS, SECTOR_LABELS
from models import utcnow

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
        self.category = Labels(render.translated(POST_CATEGORY_LABELS))
        self.sector = Labels(render.translated(SECTOR_LABELS))
        # The moderation form's field as WTForms renders HideForm's (its label escaped).
        self.hide_reason = escape(str(HIDE_REASON_LABEL))
        self.reason_max = posts.REASON_MAX
        self._ago: dict[tuple[bool, str, int], str] = {}

    def ago(self, moment: datetime | None) -> str:
        """"3 godziny temu": Flask-Babel's `format_timedelta`, asked once per `ago_bucket`
        (a board's ~40 posts fall in a few buckets such as "2 lata temu")."""
        if moment is None:
            return ""
        delta = moment - utcnow()
        key = ago_bucket(delta)
        text = self._ago.get(key)
        if text is None:
            text = self._ago[key] = format_timedelta(delta, add_direction=True)
        return text


@bp.app_template_global()
def board_texts() -> PostTexts:
    """The request's `PostTexts` in its language (made again if the language changes)."""
    texts = render.translated(POST_TEXTS)
    entry = render.cached("board.texts", lambda: [None, None])
    if entry[0] is not texts:
        entry[1] = PostTexts(texts)
        entry[0] = texts
    return entry[1]


@bp.app_template_global()
def board_ago(moment: datetime | None) -> str:
    """"3 godziny temu" in the reader's language (`PostTexts.ago`)."""
    return board_texts().ago(moment)


_AGO_THRESHOLD = 0.85  # format_timedelta's default, which `PostTexts.ago` uses


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
