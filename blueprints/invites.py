"""Invites: create and revoke them (admins, trainers, coordinators), accept one by its link."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length

from blueprints.auth import NewAccountForm, link_problem, sign_in
from koalicje import invites, mail, sessions
from koalicje.accounts import LinkGone, LinkNotFound
from koalicje.permissions import require
from koalicje.web import labels
from koalicje.web.errors import abort_with
from koalicje.web.htmx import is_fragment_request
from models import Coalition, Invite

bp = Blueprint("invites", __name__)
PENDING_SHOWN = 200  # newest first; an admin sees everyone's


class InviteForm(FlaskForm):
    email = EmailField(_l("Adres e-mail osoby zapraszanej"),
                       validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Rola w serwisie"), validate_choice=False)
    coalition = SelectField(_l("Koalicja"), validate_choice=False)
    membership_role = SelectField(_l("Rola w koalicji"), validate_choice=False,
                                  default="member")
    sector = SelectField(_l("Sektor"), validate_choice=False, default="library")


def invite_form(creator) -> InviteForm:
    form = InviteForm()
    form.role.choices = labels.role_choices(reversed(invites.allowed_roles(creator)))
    coalitions = [(str(c.id), f"{c.name} ({c.gmina})")
                  for c in invites.invitable_coalitions(creator)]
    if invites.may_invite_without_coalition(creator):
        coalitions.insert(0, ("", _("— bez koalicji —")))
    form.coalition.choices = coalitions
    form.membership_role.choices = labels.role_choices(("member", "coordinator"))
    form.sector.choices = labels.sector_choices()
    if request.method == "GET" and request.args.get("coalition"):
        form.coalition.data = request.args["coalition"]
    return form


def _coalition_from(form: InviteForm) -> Coalition | None:
    value = (form.coalition.data or "").strip()
    if not value:
        return None
    coalition = Coalition.get_or_none(Coalition.id == int(value)) if value.isdigit() else None
    if coalition is None:
        abort_with(404, _("Nie ma takiej koalicji."))
    return coalition


def _index_page(form: InviteForm, status: int = 200):
    return render_template(
        "invites/index.html",
        form=form,
        pending=list(invites.pending_invites(current_user).limit(PENDING_SHOWN)),
        new_invite=sessions.take(current_user, "new_invite") if status == 200 else None,
    ), status


@bp.route("/invites/", methods=["GET", "POST"])
@login_required
def index():
    require("create_invites")
    form = invite_form(current_user)
    if request.method != "POST":  # GET and HEAD only show; never fall through to a change
        return _index_page(form)
    if not form.validate():
        return _index_page(form, 422)
    req = invites.InviteRequest(
        email=form.email.data,
        role=form.role.data or "user",
        coalition=_coalition_from(form),
        membership_role=form.membership_role.data or "member",
        sector=form.sector.data or "",
    )
    try:
        invite, token = invites.create_invite(
            current_user._get_current_object(), req, current_app.config["INVITE_DAYS"]
        )
    except invites.InviteForbidden as error:
        abort_with(403, error.message)
    except invites.InviteError as error:
        getattr(form, error.field).errors = [error.message]
        return _index_page(form, 422)
    url = url_for("invites.accept", token=token, _external=True)
    days = current_app.config["INVITE_DAYS"]
    sent = []
    if mail.mail_enabled(current_app.config):
        sent.append(mail.queue_templated(
            current_app.config, "invite", invite.email, str(get_locale()),
            _l("Zaproszenie do serwisu Koalicje"), "invite",
            invite=invite, inviter=current_user, url=url, days=days,
        ))
    sessions.keep(current_user, "new_invite", {  # server-side, not in the readable cookie
        "email": invite.email, "url": url, "days": days, "mailed": bool(sent),
    })
    return mail.deliver_after_response(redirect(url_for("invites.index"), 303), sent)


@bp.post("/invites/<int:invite_id>/revoke")
@login_required
def revoke(invite_id: int):
    invite = Invite.get_or_none(Invite.id == invite_id)
    if invite is None or invite.used_at is not None or not invites.may_revoke(current_user,
                                                                                invite):
        abort(404)
    invites.revoke(current_user._get_current_object(), invite)
    if is_fragment_request():
        return "", 200
    flash(_("Zaproszenie dla %(email)s zostało wycofane.", email=invite.email), "success")
    return redirect(url_for("invites.index"), 303)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str):
    try:
        invite = invites.find_invite(token)
    except (LinkNotFound, LinkGone) as error:
        return link_problem(error, kind="invite")
    existing = invites.invited_account(invite)
    if existing is not None:
        return _accept_existing(token, invite, existing)
    if current_user.is_authenticated:
        abort_with(403, _("Na tym urządzeniu jest zalogowane konto %(email)s, a to zaproszenie "
                          "jest dla innej osoby. Wyloguj się, aby je przyjąć.",
                          email=current_user.email))
    form = NewAccountForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("invites/accept.html", invite=invite, form=form), 422
        try:
            user = invites.accept_new(token, form.name.data, form.password.data,
                                      locale=str(get_locale()))
        except invites.AccountExists:
            return redirect(url_for("invites.accept", token=token), 303)
        except (LinkNotFound, LinkGone) as error:  # spent meanwhile by another request
            return link_problem(error, kind="invite")
        sign_in(user)
        flash(_("Witaj w Koalicjach! Twoje konto jest gotowe."), "success")
        return redirect(_after_joining(invite), 303)
    return render_template("invites/accept.html", invite=invite, form=form)


def _accept_existing(token: str, invite: Invite, existing):
    if not current_user.is_authenticated:
        return render_template("invites/existing.html", invite=invite, signed_in=False)
    if current_user.id != existing.id:
        abort_with(403, _("To zaproszenie jest dla innej osoby. Wyloguj się i zaloguj na "
                          "konto, dla którego jest zaproszenie."))
    if request.method == "POST":  # CSRF is checked for every POST (CSRFProtect)
        try:
            invites.accept_existing(token, current_user._get_current_object())
        except (LinkNotFound, LinkGone) as error:  # spent meanwhile by another request
            return link_problem(error, kind="invite")
        except invites.WrongAccount:
            abort(403)
        flash(_("Dołączono do koalicji."), "success")
        return redirect(_after_joining(invite), 303)
    return render_template("invites/existing.html", invite=invite, signed_in=True)


def _after_joining(invite: Invite) -> str:
    if invite.coalition is not None:
        return url_for("coalitions.detail", slug=invite.coalition.slug)
    return url_for("main.index")


@bp.app_template_global()
def invite_summary(invite: Invite) -> str:
    """One line: the role and, where it fits, coalition, role in it and sector."""
    parts = [labels.role_label(invite.role)]
    if invite.coalition is not None:
        parts.append(invite.coalition.name)
        parts.append(labels.role_label(invite.membership_role))
        parts.append(labels.sector_label(invite.sector))
    return " · ".join(parts)

