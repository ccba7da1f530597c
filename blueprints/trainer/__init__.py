"""Trainer dashboard: overview, progress matrix, learners, nudges, visits, module statistics;
and the digest settings and one-click unsubscribe (blueprint `digest`)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("trainer", __name__, url_prefix="/trainer")

from blueprints.trainer import modules, overview, progress, visits  # noqa: E402,F401
from blueprints.trainer.digest import bp as digest_bp  # noqa: E402

__all__ = ["bp", "digest_bp"]
