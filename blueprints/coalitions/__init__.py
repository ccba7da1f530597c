"""Coalitions: the directory, coalition pages, goals, members, admin management.

Views only; the rules live in the top-level `coalitions` module.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from flask_login import login_required

from koalicje import coalitions
from models import MEMBERSHIP_ROLES, ROUNDS, SECTORS, VOIVODESHIPS, Coalition

bp = Blueprint("coalitions", __name__, url_prefix="/coalitions")


@bp.before_request
@login_required
def signed_in_only() -> None:
    """Every coalition page is for signed-in people."""


@bp.context_processor
def labels() -> dict[str, Any]:
    return {
        "SECTORS": SECTORS,
        "MEMBERSHIP_ROLES": MEMBERSHIP_ROLES,
        "ROUNDS": ROUNDS,
        "VOIVODESHIPS": VOIVODESHIPS,
    }


def get_coalition(slug: str) -> Coalition:
    coalition = coalitions.by_slug(slug)
    if coalition is None:
        abort(404)
    return coalition


from blueprints.coalitions import directory, manage, members  # noqa: E402, F401  (routes)
