"""Form pieces shared by every area."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from flask import session
from flask_babel import format_number
from flask_babel import gettext as _
from markupsafe import Markup, escape
from wtforms.validators import Length, ValidationError
from wtforms.widgets import DateInput, Select, TextArea, TextInput
from wtforms.widgets.core import clean_key


class TextLimit(Length):
    """A maximum length that refuses over-long text with a message instead of cutting it.

    WTForms' Length renders `maxlength`, and a browser then cuts a long paste silently and
    publishes the rest. This validator renders no `maxlength`: the server says how long the
    text is and how long it may be, and the text stays in the form to be shortened.
    """

    def __init__(self, max: int) -> None:  # noqa: A002 - the name WTForms uses
        super().__init__(max=max)
        self.field_flags = {}  # Length would render maxlength

    def __call__(self, form, field) -> None:
        length = len(field.data or "")
        if length > self.max:
            raise ValidationError(_(
                "Tekst jest za długi: ma %(length)s, a limit to %(max)s znaków. Skróć go; nic "
                "nie zostało zapisane.",
                length=format_number(length), max=format_number(self.max)))


# --- one submission per form render (Back + submit again must not post twice) ---------------

REMEMBERED_KEYS = 20


def new_form_key() -> str:
    """A fresh key for each rendering of a form (a hidden field's default)."""
    return secrets.token_urlsafe(12)


def already_done(kind: str, key: str | None) -> int | None:
    """The id created by an earlier submission of this very form render, if any.

    Keys live in the signed session: Back restores the old page with its old key, but not
    the old cookie, so a second submission of that page is recognised, with or without htmx.
    """
    if not key:
        return None
    return session.get(f"done_{kind}", {}).get(key)


def remember_done(kind: str, key: str | None, created_id: int) -> None:
    if not key:
        return
    done = dict(session.get(f"done_{kind}", {}))
    done[key] = created_id
    session[f"done_{kind}"] = dict(list(done.items())[-REMEMBERED_KEYS:])


# --- widgets that write WTForms' markup cheaply -----------------------------------------------
# WTForms writes every attribute of every field through `Markup.format` (its `html_params`):
# about 40 microseconds for a plain text input, most of a form's rendering. The widgets
# below write the very same markup with `html_params` here (tests/test_web_forms.py
# compares them with WTForms' own on the same fields).

QUOTE, ESCAPED_QUOTE = Markup('"'), Markup("&quot;")  # a Markup value keeps its own quotes


def html_params(**kwargs: Any) -> Markup:
    """`wtforms.widgets.html_params`: the same text (attributes sorted by name, `True` as a
    bare attribute, `False` left out, values escaped), written with plain string joins."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = escape(clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{escape(value).replace(QUOTE, ESCAPED_QUOTE)}"')
    return Markup(" ".join(params))


def _validation_attrs(widget: Any, field: Any, kwargs: dict[str, Any]) -> None:
    """The attributes WTForms' widgets take from the field's flags (required, maxlength...)."""
    flags = getattr(field, "flags", {})
    for name in dir(flags):
        if name in widget.validation_attrs and name not in kwargs:
            kwargs[name] = getattr(flags, name)


class LeanTextInput(TextInput):
    html_params = staticmethod(html_params)


class LeanDateInput(DateInput):
    html_params = staticmethod(html_params)


class LeanTextArea(TextArea):
    """WTForms' TextArea, its attributes written by `html_params` here."""

    def __call__(self, field, **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        _validation_attrs(self, field, kwargs)
        params = html_params(name=field.name, **kwargs)
        return Markup(f"<textarea {params}>\r\n{escape(field._value())}</textarea>")


class LeanSelect(Select):
    """WTForms' Select with the same markup, each plain option written directly.

    WTForms builds every option's attributes with `html_params` (sorting, escaping and
    joining a dict per option); a form with a member list in each of several rows renders
    dozens of options per request. An option with no extra attributes is written here as
    `html_params` would write it: `<option selected value="...">label</option>`.
    """

    def __call__(self, field, **kwargs) -> Markup:
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        _validation_attrs(self, field, kwargs)
        options = "".join(self.render_option(choice)
                          for choice in field._iter_choices_normalized())
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")

    @classmethod
    def render_option(cls, choice, **kwargs) -> Markup:
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        label = escape(choice.label or choice.value)
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')


def options_by_selected(choices: Iterable[tuple[str, str]]) -> dict[str, Markup]:
    """The `<option>`s of a select for each value it may have selected ("" for none), for a
    page that repeats one select per row (a coalition's members: role and sector each)."""
    choices = list(choices)
    return {selected: Markup("".join(
        f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
        f"{escape(label)}</option>" for value, label in choices))
        for selected in ("", *(value for value, _label in choices))}
