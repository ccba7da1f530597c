"""Admin pages: users, coalitions, trainer assignments."""

from __future__ import annotations

from flask import Blueprint, render_template

from models import User
from permissions import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@requires("admin")
def users():
    return render_template("admin/users.html", users=User.select().order_by(User.name))
