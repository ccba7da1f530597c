"""User text: the one filter every user-provided string passes at the door.

`clean_text` removes what no name, title, body or file name needs and what breaks XML feeds
or PostgreSQL: C0 controls except tab and newline (NUL is refused by PostgreSQL), DEL and the
C1 controls, lone surrogates and the Unicode non-characters (U+FFFE, U+FFFF, U+FDD0–U+FDEF,
and the last two code points of every plane). Windows and old Mac line ends become "\\n".
`CleanRequest` (the app's request class) applies it to every form field, query argument
and uploaded file name, so views and domain functions get clean text whatever the form.

`SLUG_PATTERN` / `SLUG_RE` is the one slug rule (curriculum files, coalition addresses).
"""

from __future__ import annotations

import re
from typing import IO, Any

from htmx_flask.requests import HtmxAwareRequest
from werkzeug.datastructures import MultiDict
from werkzeug.utils import cached_property

from koalicje.web.limits import spool_file

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)

_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17))
    + "]"
)


def clean_text(text: str | None) -> str:
    """`text` without control characters and non-characters; newlines and tabs stay,
    "\\r\\n" and a lone "\\r" become "\\n". None gives ""."""
    if not text:
        return ""
    return _UNWANTED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _clean_multidict(values: MultiDict) -> MultiDict:
    return values.__class__(
        (key if not isinstance(key, str) else clean_text(key), clean_text(value))
        for key, value in values.items(multi=True)
    )


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key) if isinstance(key, str) else key: _clean_json(item)
                for key, item in value.items()}
    return value


class CleanRequest(HtmxAwareRequest):
    """htmx-flask's request (`request.htmx`) whose form fields, query arguments, JSON
    strings and upload names are clean.

    Cleaning here, at the door, means no view can forget it: names, titles, bodies, goals,
    comments, notes and file names all reach the domain without control characters.
    """

    @cached_property
    def args(self) -> MultiDict:  # type: ignore[override]
        return _clean_multidict(super().args)

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        return _clean_json(super().get_json(force=force, silent=silent, cache=cache))

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> IO[bytes]:        return spool_file()  # large uploads go to disk under UPLOAD_DIR, not to RAM

    def _load_form_data(self) -> None:
        super()._load_form_data()
        d = self.__dict__
        d["form"] = _clean_multidict(d["form"])
        for storage in d["files"].values():
            if storage.filename:
                storage.filename = clean_text(storage.filename).replace("\n", " ")
