"""What a board page's posts need from Python, made once per request rather than per post.

A board page renders templates/board/_post.html ~40 times. Per post it used to ask
Flask-Babel for ~8 fixed strings and two labels, and Babel for the relative time; here
`board_texts()` gives them all from one object made once per process and language (the
page passes it to each post as `T`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from babel.dates import TIMEDELTA_UNITS
from flask import current_app
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from blueprints.board import bp
from blueprints.board.forms import HIDE_REASON_LABEL, PostForm
from koalicje.board import posts
from koalicje.web import render
from koalicje.web.forms import new_form_key
from koalicje.web.labels import POST_CATEGORY_LABELS, SECTOR_LABELS
from models import Coalition, utcnow

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


_TEXTS = "koalicje.board.post_texts"  # app.extensions key: language -> PostTexts


@bp.app_template_global()
def board_texts() -> PostTexts:
    """The `PostTexts` of the current language, made once per process and language (in
    app.extensions: translations, labels and the relative times of the buckets do not
    change while the process lives; nothing in it depends on the reader)."""
    made = current_app.extensions.setdefault(_TEXTS, {})
    language = render.language()
    texts = made.get(language)
    if texts is None:
        texts = made[language] = PostTexts({key: str(text) for key, text in POST_TEXTS.items()})
    return texts


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


# --- the new-post form --------------------------------------------------------------------

_FORMS = "koalicje.board.post_forms"  # app.extensions key: (language, board, prefix) -> HTML
_FORMS_KEPT = 1024  # more boards x languages than the programme has; then start again
_TOKEN, _KEY = "\x00csrf-token\x00", "\x00form-key\x00"  # never in rendered HTML


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
    app = current_app
    if form is not None and not _is_blank(form):
        return None
    if app.jinja_env.auto_reload:  # development: the template every time
        form = form or PostForm(formdata=None)
        return Markup(app.jinja_env.get_template("board/_post_form.html")
                      .render(board=board, form=form))
    forms = app.extensions.setdefault(_FORMS, {})
    key = (render.language(), board.slug if board is not None else None,
           form._prefix if form is not None else "")
    token = generate_csrf()
    html = forms.get(key)
    if html is None:
        form = form or PostForm(formdata=None)
        form_key = form.form_key.data
        page = app.jinja_env.get_template("board/_post_form.html").render(board=board, form=form)
        if not token or page.count(token) != 1 or page.count(form_key) != 1:
            return Markup(page)  # not one of each: nothing to fill in safely, so not kept
        if len(forms) >= _FORMS_KEPT:
            forms.clear()
        forms[key] = page.replace(token, _TOKEN).replace(form_key, _KEY)
        return Markup(page)
    # The key a new PostForm would get (its form_key field's default).
    form_key = form.form_key.data if form is not None else new_form_key()
    return Markup(html.replace(_TOKEN, escape(token)).replace(_KEY, escape(form_key)))
