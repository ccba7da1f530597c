"""Coalition directory and coalition pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required
from playhouse.flask_utils import get_object_or_404

from models import Coalition

bp = Blueprint("coalitions", __name__, url_prefix="/coalitions")


@bp.get("/")
@login_required
def index():
    coalitions = Coalition.select().order_by(Coalition.name)
    return render_template("coalitions/index.html", coalitions=coalitions)


@bp.get("/<slug>")
@login_required
def detail(slug: str):
    coalition = get_object_or_404(Coalition, Coalition.slug == slug)
    return render_template("coalitions/detail.html", coalition=coalition)
