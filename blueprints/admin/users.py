"""Admin: users — list with search and filters, role change, deactivation, reset links."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import JOIN
from playhouse.flask_utils import get_object_or_404

from blueprints.admin import bp
from blueprints.main import safe_next
from koalicje import accounts, mail, sessions
from koalicje.permissions import requires
from koalicje.web import labels
from koalicje.web.errors import abort_with
from koalicje.web.htmx import is_fragment_request, render
from models import ROLES, AuditLog, Coalition, Membership, User

PER_PAGE = 25


def _filters() -> dict[str, str]:
    args = request.args
    role = args.get("role", "")
    status = args.get("status", "")
    return {
        "q": args.get("q", "").strip()[:100],
        "role": role if role in ROLES else "",
        "status": status if status in accounts.USER_STATUSES else "",
    }


def _page_number() -> int:
    value = request.args.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


@bp.get("/users")
@requires("admin")
def users():
    filters = _filters()
    query = accounts.search_users(filters["q"], filters["role"], filters["status"])
    total = query.count()
    pages = max(1, -(-total // PER_PAGE))
    page = min(_page_number(), pages)
    return render(
        "admin/users.html",
        "admin/_users_table.html",
        users=list(query.paginate(page, PER_PAGE)),
        filters=filters,
        filter_args={name: value for name, value in filters.items() if value},
        total=total,
        page_no=page,
        pages=pages,
        next_url=request.full_path.rstrip("?"),
        roles=ROLES,
        statuses=accounts.USER_STATUSES,
    )


def _target(user_id: int) -> User:
    return get_object_or_404(User, User.id == user_id)


def _back(user: User) -> str:
    return safe_next(request.form.get("next"), url_for("admin.users"))


def _row(user: User, status: int = 200, error: str | None = None, message: str | None = None):
    return render("admin/user.html", "admin/_user_row.html", status=status,
                  **_detail_context(user), u=user, row_error=error, row_message=message,
                  next_url=_back(user))


def _confirmed() -> bool:
    """A role change or deactivation happens only once confirmed: the htmx form asks in a
    dialog (hx-confirm) and sends confirm=1; a plain form gets a confirmation page first."""
    return request.form.get("confirm") == "1"


def _confirmation(user: User, action: str, question: str, fields: dict[str, str]):
    return render_template("admin/confirm.html", user=user, action=action, question=question,
                           fields=fields, next_url=_back(user))


@bp.get("/users/<int:user_id>")
@requires("admin")
def user(user_id: int):
    return render_template("admin/user.html", **_detail_context(_target(user_id)),
                           next_url=request.full_path.rstrip("?"))


def _detail_context(user: User) -> dict:
    memberships = (
        Membership.select(Membership, Coalition)
        .join(Coalition)
        .where(Membership.user == user)
        .order_by(Coalition.name)
    )
    history = (
        AuditLog.select(AuditLog, User)
        .join(User, join_type=JOIN.LEFT_OUTER, on=(AuditLog.actor == User.id))
        .where(AuditLog.target == f"user:{user.id}")
        .order_by(AuditLog.at.desc())
        .limit(20)
    )
    reset_link = (sessions.take(current_user, f"reset_link:{user.id}")
                  if request.method == "GET" else None)
    return {"user": user, "memberships": list(memberships), "history": list(history),
            "roles": ROLES, "reset_link": reset_link}


@bp.post("/users/<int:user_id>/role")
@requires("admin")
def change_role(user_id: int):
    user = _target(user_id)
    role = request.form.get("role", "")
    if user.id != current_user.id and role in ROLES and role != user.role and not _confirmed():
        return _confirmation(
            user, url_for("admin.change_role", user_id=user.id),
            _("Zmienić rolę osoby %(name)s z „%(old)s” na „%(new)s”?", name=user.name,
              old=labels.role_label(user.role), new=labels.role_label(role)),
            {"role": role})
    try:
        changed = accounts.set_role(current_user._get_current_object(), user, role)
    except accounts.AccountError as error:
        if user.id == current_user.id:
            abort_with(403, error.message)
        return _row(user, 422, error.message)
    message = _("%(name)s ma teraz rolę: %(role)s.", name=user.name,
                role=labels.role_label(user.role)) if changed else None
    if is_fragment_request():
        return _row(user, message=message)
    if message:
        flash(message, "success")
    return redirect(_back(user), 303)


@bp.post("/users/<int:user_id>/active")
@requires("admin")
def change_active(user_id: int):
    user = _target(user_id)
    value = request.form.get("active", "")
    if value not in ("0", "1"):
        abort_with(422, _("Niepoprawna wartość."))
    if value == "0" and user.active and user.id != current_user.id and not _confirmed():
        return _confirmation(
            user, url_for("admin.change_active", user_id=user.id),
            _("Wyłączyć konto osoby %(name)s? Ta osoba nie zaloguje się, a jej wpisy i "
              "postępy zostaną.", name=user.name),
            {"active": "0"})
    try:
        changed = accounts.set_active(current_user._get_current_object(), user, value == "1")
    except accounts.AccountError as error:
        abort_with(403, error.message)
    message = None
    if changed:
        message = (_("Konto %(name)s jest teraz włączone.", name=user.name) if user.active
                   else _("Konto %(name)s jest teraz wyłączone.", name=user.name))
    if is_fragment_request():
        return _row(user, message=message)
    if message:
        flash(message, "success")
    return redirect(_back(user), 303)


@bp.post("/users/<int:user_id>/reset-link")
@requires("admin")
def reset_link(user_id: int):
    user = _target(user_id)
    if not user.active:
        abort_with(422, _("Konto jest wyłączone. Najpierw je włącz."))
    token = accounts.create_reset(user, current_user._get_current_object(),
                                  current_app.config["RESET_HOURS"])
    link = {"user_id": user.id, "url": url_for("auth.reset", token=token, _external=True),
            "hours": current_app.config["RESET_HOURS"], "mailed": False}
    sent = []
    if mail.mail_enabled(current_app.config):
        sent.append(mail.queue_templated(
            current_app.config, "reset", user.email, user.locale,
            _l("Koalicje: ustawienie nowego hasła"), "reset",
            user=user, url=link["url"], hours=link["hours"],
        ))
        link["mailed"] = True
    if is_fragment_request():
        response = render("admin/user.html", "admin/_reset_link.html", user=user,
                          reset_link=link)
    else:
        sessions.keep(current_user, f"reset_link:{user.id}", link)  # server-side, not the cookie
        response = redirect(url_for("admin.user", user_id=user.id), 303)
    return mail.deliver_after_response(response, sent)
