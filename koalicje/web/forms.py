"""Form pieces shared by every area."""

from __future__ import annotations

from flask_babel import format_number
from flask_babel import gettext as _
from wtforms.validators import Length, ValidationError


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
