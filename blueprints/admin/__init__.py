"""Admin pages: one blueprint, a module per subject (users here; coalitions, assignments)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from blueprints.admin import users  # noqa: E402, F401  (registers the views on bp)
