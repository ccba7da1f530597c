"""Home page, language switch, the icon and the health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_login import current_user

from koalicje import accounts, quizzes
from koalicje.board import posts
from koalicje.learning import progress
from koalicje.permissions import can, memberships_of
from models import db, open_connection

bp = Blueprint("main", __name__)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after a form (no open redirects).

    Control characters (CR, LF, tab...) are dropped first, as browsers drop them, and the
    checked value is what is returned: a header is never split, "/<LF>/host" is "//host".
    """
    target = "".join(ch for ch in target or "" if ch >= " " and ch != "\x7f")
    if not target:
        return default
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target):  # browsers read "/\\evil.example" as "//evil.example"
        return default
    return target


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    memberships = sorted(memberships_of(current_user).values(), key=lambda m: m.coalition.name)
    return render_template(
        "main/home.html", memberships=memberships,
        learning=progress.learning_path(current_user, preview=can("manage_content")),
        quiz_tally=quizzes.tally(current_user),
        boards=posts.navigation(current_user),
    )


@bp.post("/language")
def language():
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            accounts.set_locale(current_user._get_current_object(), locale)
    return redirect(safe_next(request.form.get("next"), url_for("main.index")), 303)


@bp.get("/favicon.ico")
def favicon():
    """The icon for clients that ask for /favicon.ico without reading the page's <link>."""
    return send_from_directory(current_app.static_folder, "img/favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)


HEALTHY = b'{"database":"ok","status":"ok"}\n'  # what jsonify makes of it, made once


@bp.get("/healthz")
def healthz():
    """One query, no session, no user (app.NO_USER_ENDPOINTS): load balancers call it often."""
    try:
        open_connection()
        db.execute_sql("SELECT 1").fetchone()
    except Exception as error:  # noqa: BLE001 - any database failure means unhealthy
        response = jsonify(status="error", database=str(error.__class__.__name__))
        response.status_code = 503
    else:
        response = current_app.response_class(HEALTHY, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
