"""The learning path: modules, the player with watch tracking, uploads, certificates.

One blueprint in three view modules: `path` (the path and module pages, watched action,
light version), `files` (serving recordings and materials, tracking reports, uploads) and
`certificate` (the learner's certificate and its public verification).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("learning", __name__)

from blueprints.learning import certificate, files, helpers, path  # noqa: E402,F401
