"""Forms of the noticeboard (Flask-WTF): posts, comments, moderation, module tasks."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from koalicje.board.posts import BODY_MAX, COMMENT_MAX, REASON_MAX, TITLE_MAX
from koalicje.web.forms import TextLimit, new_form_key
from koalicje.web.labels import post_category_label
from koalicje.web.text import clean_text
from models import POST_CATEGORIES


def _strip(value):
    """Single-line fields: no control characters, no surrounding spaces."""
    return clean_text(value).strip() if isinstance(value, str) else value


def _clean(value):
    """Multi-line fields: no control characters (newlines and tabs stay)."""
    return clean_text(value) if isinstance(value, str) else value


def _required():
    return DataRequired(message=_l("To pole jest wymagane."))


def _max(n: int):
    return Length(max=n, message=_l("Najwyżej %(max)d znaków.", max=n))


class PostForm(FlaskForm):
    title = StringField(_l("Tytuł"), validators=[_required(), _max(TITLE_MAX)], filters=[_strip])
    category = SelectField(
        _l("Kategoria"), choices=[SelectChoice(c, post_category_label(c)) for c in POST_CATEGORIES],
        default="announcement",
    )
    body = TextAreaField(_l("Treść"), validators=[_required(), TextLimit(BODY_MAX)],
                         filters=[_clean])
    event_date = DateField(_l("Data wydarzenia"), validators=[Optional()])
    event_time = TimeField(_l("Godzina rozpoczęcia"), validators=[Optional()])
    event_place = StringField(_l("Miejsce"), validators=[Optional(), _max(200)], filters=[_strip])
    form_key = HiddenField(default=new_form_key)  # one post per form render

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.category.data == "event" and not self.event_date.data:
            self.event_date.errors = [*self.event_date.errors, _l("Podaj datę wydarzenia.")]
            ok = False
        return ok

    def event_at(self) -> datetime | None:
        """The event's start in UTC (the form's date and time are local)."""
        if self.category.data != "event" or not self.event_date.data:
            return None
        start = self.event_time.data or datetime.min.time()
        return to_utc(datetime.combine(self.event_date.data, start))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Komentarz"), validators=[_required(), TextLimit(COMMENT_MAX)],
                         filters=[_clean])


HIDE_REASON_LABEL = _l("Powód ukrycia")


class HideForm(FlaskForm):
    reason = StringField(
        HIDE_REASON_LABEL, validators=[_required(), _max(REASON_MAX)], filters=[_strip]
    )


def hide_prefix(kind: str, item_id: int) -> str:
    """The hide form's field prefix for a post ("h3") or a comment ("hc3"): ids stay unique
    on a page of posts and comments. templates/board/_post.html and _comment.html write the
    empty form with these ids by hand (tests/test_board_render.py compares them)."""
    return ("h" if kind == "post" else "hc") + str(item_id)


class TaskForm(FlaskForm):
    board = SelectField(_l("Tablica"), choices=[], validate_choice=True)
    title = StringField(_l("Tytuł"), validators=[_required(), _max(TITLE_MAX)], filters=[_strip])
    body = TextAreaField(_l("Treść"), validators=[_required(), TextLimit(BODY_MAX)],
                         filters=[_clean])
