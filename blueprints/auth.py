"""Sign in, sign out, change password, set a new one from a reset link."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from blueprints.main import safe_next
from koalicje import accounts, sessions
from koalicje.web.errors import error_response

bp = Blueprint("auth", __name__)
# Labels for stored codes, for every area's templates.
bp.add_app_template_global(accounts.MIN_PASSWORD_LENGTH, "min_password_length")


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Hasło"), validators=[DataRequired(), Length(max=200)])


def new_password_fields(label: str, confirm_label: str) -> tuple[PasswordField, PasswordField]:
    """A new password (minimum length) and its confirmation, for every form that sets one."""
    password = PasswordField(
        label, validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        confirm_label,
        validators=[DataRequired(), EqualTo("password", message=_l("Hasła się różnią."))],
    )
    return password, confirm


class SetPasswordForm(FlaskForm):
    password, confirm = new_password_fields(_l("Nowe hasło"), _l("Powtórz nowe hasło"))


class PasswordChangeForm(SetPasswordForm):
    current = PasswordField(_l("Obecne hasło"), validators=[DataRequired()])


class NewAccountForm(FlaskForm):
    name = StringField(_l("Imię i nazwisko"), validators=[DataRequired(), Length(max=100)])
    password, confirm = new_password_fields(_l("Hasło"), _l("Powtórz hasło"))


def link_problem(error: Exception, kind: str):
    """A clear page for an invite or reset link that is unknown (404) or spent (410)."""
    if isinstance(error, accounts.LinkNotFound):
        status = 404
        title = _("Nie znaleziono linku")
        message = _("Ten link jest niepełny, został wycofany albo nigdy nie istniał. "
                    "Sprawdź, czy skopiowano go w całości.")
    elif isinstance(error, accounts.LinkGone):
        status = 410
        title = _("Link jest już nieważny")
        message = {
            "used": _("Ten link został już wykorzystany. Każdego linku można użyć tylko raz."),
            "expired": _("Ten link wygasł."),
            "inactive": _("To konto jest wyłączone."),
        }.get(error.reason, _("Ten link wygasł."))
    else:
        raise error
    if kind == "invite":
        advice = _("Poproś osobę, która Cię zaprosiła, o nowe zaproszenie.")
    else:
        advice = _("Poproś administratora o nowy link do ustawienia hasła.")
    return render_template("auth/link_problem.html", status=status, title=title,
                           message=message, advice=advice), status


def throttle_limits() -> accounts.ThrottleLimits:
    config = current_app.config
    return accounts.ThrottleLimits(
        window_seconds=config["LOGIN_WINDOW_SECONDS"],
        per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
    )


def throttled_response(retry_after: int):
    response = error_response(
        429,
        _("Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za %(minutes)d min.",
          minutes=max(1, retry_after // 60)),
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def sign_in(user) -> None:
    """Start a new server-side session for `user` on this device.

    The old cookie session is cleared first, so a CSRF token or value planted before
    signing in does not survive it.
    """
    session.clear()
    user.session_key = sessions.start(user, sessions.Limits.from_config(current_app.config))
    login_user(user, remember=False)
    session.permanent = True
    session["locale"] = user.locale


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"), url_for("main.index"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = LoginForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("auth/login.html", form=form, next_url=next_url), 422
        result = accounts.authenticate(
            form.email.data, form.password.data, request.remote_addr or "", throttle_limits()
        )
        if result.throttled:
            return throttled_response(result.retry_after)
        if result.inactive:
            form.password.errors = [_("To konto jest wyłączone. Jeśli to pomyłka, napisz do "
                                      "administratora programu.")]
            return render_template("auth/login.html", form=form, next_url=next_url), 422
        if result.user is None:
            form.password.errors = [_("Niepoprawny e-mail lub hasło.")]
            return render_template("auth/login.html", form=form, next_url=next_url), 422
        sign_in(result.user)
        return redirect(next_url, 303)
    return render_template("auth/login.html", form=form, next_url=next_url)


@bp.post("/logout")
def logout():
    """End this device's session on the server too: a copy of the cookie stops working."""
    sessions.end(session.get("_user_id"))
    logout_user()
    flash(_("Wylogowano."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.post("/account/sign-out-everywhere")
@login_required
def logout_everywhere():
    """End every session of this account, on every device (this one too)."""
    sessions.end_all(current_user._get_current_object())
    logout_user()
    flash(_("Wylogowano ze wszystkich urządzeń."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if request.method == "POST":
        valid = form.validate()
        if valid:
            check = accounts.check_current_password(
                current_user, form.current.data, request.remote_addr or "", throttle_limits()
            )
            if check.throttled:
                return throttled_response(check.retry_after)
            if check.user is None:
                form.current.errors = [_("Obecne hasło jest niepoprawne.")]
                valid = False
        if valid:
            user = current_user._get_current_object()
            accounts.change_password(user, form.password.data)  # ends every session
            sign_in(user)  # this device goes on with a new one
            flash(_("Hasło zostało zmienione."), "success")
            return redirect(url_for("main.index"), 303)
        return render_template("auth/password.html", form=form), 422
    return render_template("auth/password.html", form=form)



@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    try:
        reset_link = accounts.find_reset(token)
    except (accounts.LinkNotFound, accounts.LinkGone) as error:
        return link_problem(error, kind="reset")
    form = SetPasswordForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("auth/reset.html", form=form, user=reset_link.user), 422
        try:
            user = accounts.use_reset(token, form.password.data)
        except (accounts.LinkNotFound, accounts.LinkGone) as error:
            return link_problem(error, kind="reset")
        sign_in(user)
        flash(_("Ustawiono nowe hasło."), "success")
        return redirect(url_for("main.index"), 303)
    return render_template("auth/reset.html", form=form, user=reset_link.user)
