"""The trainer's overview page."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from blueprints.trainer import bp
from koalicje.permissions import requires
from koalicje.trainer import nudges, overview


@bp.get("/")
@requires("trainer_area")
def index():
    page = request.args.get("page", "1")
    summary = overview.build(current_user, page=int(page) if page.isdigit() else 1)
    return render_template("trainer/overview.html", overview=summary,
                           stopped_text=nudges.stopped_text)
