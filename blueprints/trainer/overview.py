"""The trainer's overview page."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

import nudges
import trainer_overview
from blueprints.trainer import bp
from permissions import requires


@bp.get("/")
@requires("trainer_area")
def index():
    page = request.args.get("page", "1")
    overview = trainer_overview.build(current_user, page=int(page) if page.isdigit() else 1)
    return render_template("trainer/overview.html", overview=overview,
                           stopped_text=nudges.stopped_text)
