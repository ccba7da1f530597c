"""The coalition's workshop: partners' map, research meetings, priorities and the plan.

Views only; the rules live in `koalicje.workshop`. Every route is under
/coalitions/<slug>/workshop/. People outside the coalition (and not its trainer) get 404:
another coalition's workshop does not exist for them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, request
from flask_login import current_user, login_required

from koalicje import coalitions
from koalicje.permissions import can, require
from models import (
    ACTION_STATUSES,
    MEETING_STEPS,
    PARTNER_STATUSES,
    RESOURCE_KINDS,
    SECTORS,
    Coalition,
    User,
)

bp = Blueprint("workshop", __name__, url_prefix="/coalitions/<slug>/workshop")


@bp.before_request
@login_required
def signed_in_only() -> None:
    """Every workshop page is for signed-in people."""


@bp.context_processor
def codes() -> dict[str, Any]:
    return {
        "SECTORS": SECTORS, "PARTNER_STATUSES": PARTNER_STATUSES,
        "RESOURCE_KINDS": RESOURCE_KINDS, "ACTION_STATUSES": ACTION_STATUSES,
        "MEETING_STEPS": MEETING_STEPS,
    }


def coalition_for(slug: str, action: str = "view_workshop") -> Coalition:
    """The coalition by slug, after checking `action`: 404 for people who may not see the
    workshop at all, 403 for those who see it but may not do this."""
    coalition = coalitions.by_slug(slug)
    if coalition is None:
        abort(404)
    require("view_workshop", coalition, 404)
    if action != "view_workshop":
        require(action, coalition)
    return coalition


def me() -> User:
    return current_user._get_current_object()


def form_int(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def spreadsheet(header: list[str], rows: list[list], name: str, fmt: str) -> Response:
    """A CSV or XLSX download (404 for any other format)."""
    from koalicje.web import exports

    if fmt not in ("csv", "xlsx"):
        abort(404)
    body = exports.to_csv(header, rows) if fmt == "csv" else exports.to_xlsx(header, rows)
    return Response(body, mimetype=exports.CSV_TYPE if fmt == "csv" else exports.XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def flags(coalition: Coalition) -> dict[str, bool]:
    return {
        "may_contribute": can("contribute_workshop", coalition),
        "may_decide": can("decide_workshop", coalition),
        "may_vote": can("vote_needs", coalition),
        "may_comment": can("comment_workshop", coalition),
    }


from blueprints.workshop import meetings, partners, plan  # noqa: E402, F401  (routes)
