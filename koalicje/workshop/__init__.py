"""The coalition's workshop: from learning to doing.

`partners` (the partners' map and sector coverage), `meetings` (the partnership research
meeting: checklist, participants, needs, dot voting), `plan` (directions, actions, goals
history). Plain functions: views parse input and render, tests call these directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext

from flask import has_request_context
from flask_babel import force_locale

from koalicje.board.posts import clean_text


class Invalid(Exception):
    """Input refused: `errors` maps a form field to the message shown next to it."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def text(values: Mapping[str, str], name: str, max_length: int) -> str:
    """A trimmed single text field without control characters (may be longer than allowed:
    the caller checks `max_length` to give a message)."""
    return clean_text(values.get(name) or "").strip()[: max_length + 1]


def stored_text_locale() -> AbstractContextManager:
    """Texts stored for everyone (a checklist, a board post) are written in the current
    user's language in a request, in Polish (the source language) outside one (CLI, tests)."""
    return nullcontext() if has_request_context() else force_locale("pl")


def required_text(values: Mapping[str, str], name: str, max_length: int,
                  errors: dict[str, str], missing: object, too_long: object) -> str:
    """A text field that must be given and fit: the message for a problem goes to `errors`.
    Both messages are lazy (`_l`), translated only when needed; `too_long` may use %(max)d."""
    value = text(values, name, max_length)
    if not value:
        errors[name] = str(missing)
    elif len(value) > max_length:
        errors[name] = str(too_long) % {"max": max_length}
    return value


def sector_code(values: Mapping[str, str], errors: dict[str, str], name: str = "sector",
                optional: bool = False) -> str | None:
    """A sector from models.SECTORS (None when optional and not given); else an error."""
    from flask_babel import gettext

    from models import SECTORS

    code = values.get(name) or None
    if code is None and optional:
        return None
    if code not in SECTORS:
        errors[name] = gettext("Wybierz sektor.")
    return code
