"""The site's header (templates/_header.html), rendered once per process for each set of
what decides its shape and filled in with each page's values by joining.

Every page shows the header: the brand, the menu of the areas the user may open, the board
navigation, the account menu and the language switch. Through Jinja that is ~20 `url_for`,
`gettext` and `can` calls and two includes per page for HTML that differs between pages only
in a few values. `site_header()` renders the template with placeholders for those values and
keeps the HTML cut around them in `app.extensions`, found by:

- the language, the URL prefix (script root) and whether someone is signed in;
- each permission the menu asks about (`NAV_PERMISSIONS`; rendering with a `can` that is not
  among them refuses to keep the HTML, so a new menu entry cannot show one user's menu to
  another);
- whether the board navigation has new posts (the template shows the count only then).

The per-page values: the user's name, the path the language switch returns to, the CSRF
token of its forms, the board navigation's total and links. Each is escaped as Jinja's
`{{ }}` escapes it. With templates reloaded (development) the header is always rendered.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from flask import current_app, has_request_context, render_template, request
from flask_login import current_user
from markupsafe import Markup, escape

from koalicje import kept
from koalicje.web import render

EXTENSION = "koalicje.header"
KEPT_ENTRIES = 256  # languages x roles x "new posts or not": far fewer; then start again

# (action, object) of every `can` in templates/_header.html and what it includes.
NAV_PERMISSIONS: tuple[tuple[str, Any], ...] = (
    ("learn", None), ("take_quizzes", None), ("read_board", None), ("trainer_area", None),
    ("create_invites", None), ("admin", None),
)

# Placeholders: letters and digits only (escaping leaves them as they are), too long to
# occur in a page by chance.
SLOTS = ("user_name", "next_path", "csrf", "board_total", "board_links")
_PLACEHOLDER = {name: f"zzkeptheader{index}q7x31zz" for index, name in enumerate(SLOTS)}
_NAME_OF = {placeholder: name for name, placeholder in _PLACEHOLDER.items()}
_SPLIT = re.compile("(" + "|".join(_PLACEHOLDER.values()) + ")")


class _Unkeepable(Exception):
    """The header asked for something its key does not hold."""


def _flags(signed_in: bool) -> tuple[bool, ...]:
    from koalicje.permissions import can

    return tuple(can(action, obj) for action, obj in NAV_PERMISSIONS) if signed_in else ()


def site_header() -> Markup:
    """The header for this page (see the module)."""
    if not has_request_context():
        return Markup(render_template("_header.html", **_fresh_values()))
    from koalicje.permissions import signed_in_user

    user = signed_in_user()
    signed_in = bool(getattr(user, "is_authenticated", False))
    flags = _flags(signed_in)
    board = None
    if signed_in and flags[NAV_PERMISSIONS.index(("read_board", None))]:
        from blueprints.board import board_nav

        board = board_nav()
    key: Hashable = (render.language(), request.script_root, signed_in, flags,
                     bool(board and board[0]))
    values = {
        "user_name": str(escape(user.name)) if signed_in else "",
        "next_path": str(escape(request.full_path.rstrip("?"))),
        "csrf": str(escape(render.csrf_token())),
        "board_total": str(board[0]) if board else "",
        "board_links": str(board[1]) if board else "",
    }
    headers = kept.store(EXTENSION)
    parts = headers.get(key)
    if parts is None:
        if current_app.jinja_env.auto_reload:
            return Markup(render_template("_header.html", **_fresh_values(user, board)))
        try:
            parts = _cut(_render_with_placeholders(signed_in, flags, board))
        except _Unkeepable:
            return Markup(render_template("_header.html", **_fresh_values(user, board)))
        kept.keep(headers, key, parts, KEPT_ENTRIES)
    return Markup("".join([values[part[1]] if type(part) is tuple else part
                           for part in parts]))


def _fresh_values(user: Any = None, board: tuple[int, Markup] | None = None) -> dict[str, Any]:
    """The template's variables with this page's own values (no placeholders)."""
    if user is None:
        user = current_user._get_current_object() if has_request_context() else None
    signed_in = bool(getattr(user, "is_authenticated", False))
    values: dict[str, Any] = {
        "signed_in": signed_in,
        "user_name": user.name if signed_in else "",
        "next_path": request.full_path.rstrip("?") if has_request_context() else "",
    }
    if board is not None:
        values["header_board_nav"] = board
    return values


def _render_with_placeholders(signed_in: bool, flags: tuple[bool, ...],
                              board: tuple[int, Markup] | None) -> str:
    """The header with a placeholder for each per-page value; _Unkeepable when the template
    asks `can` about something NAV_PERMISSIONS does not hold."""
    from koalicje.permissions import can

    asked: list[tuple[str, Any]] = []

    def recording_can(action: str, obj: Any = None, user: Any = None) -> bool:
        asked.append((action, obj) if user is None else (action, obj, user))
        return can(action, obj, user)

    variables: dict[str, Any] = {
        "signed_in": signed_in,
        "user_name": _PLACEHOLDER["user_name"],
        "next_path": _PLACEHOLDER["next_path"],
        "can": recording_can,
    }
    if board is not None:
        variables["header_board_nav"] = (
            _PLACEHOLDER["board_total"] if board[0] else 0,
            Markup(_PLACEHOLDER["board_links"]))
    with render.csrf_placeholder(_PLACEHOLDER["csrf"]):
        html = render_template("_header.html", **variables)
    if any(call not in NAV_PERMISSIONS for call in asked) or not signed_in and asked:
        raise _Unkeepable(asked)
    return html


def _cut(html: str) -> tuple[str | tuple[str, str], ...]:
    """The HTML as text parts and ("slot", name) parts in order."""
    return tuple(("slot", _NAME_OF[piece]) if piece in _NAME_OF else piece
                 for piece in _SPLIT.split(html) if piece)


def forget(app) -> None:
    """Drop the kept headers (tests)."""
    app.extensions.pop(EXTENSION, None)


def init_app(app) -> None:
    app.jinja_env.globals.update(site_header=site_header)

