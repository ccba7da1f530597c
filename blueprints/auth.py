"""Sign in, sign out, change password."""

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
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

import accounts
from blueprints.main import safe_next
from errors import error_response

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Hasło"), validators=[DataRequired(), Length(max=200)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Obecne hasło"), validators=[DataRequired()])
    password = PasswordField(
        _l("Nowe hasło"),
        validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=200)],
    )
    confirm = PasswordField(
        _l("Powtórz nowe hasło"),
        validators=[DataRequired(), EqualTo("password", message=_l("Hasła się różnią."))],
    )


def throttle_limits() -> accounts.ThrottleLimits:
    config = current_app.config
    return accounts.ThrottleLimits(
        window_seconds=config["LOGIN_WINDOW_SECONDS"],
        per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
    )


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
            response = error_response(
                429,
                _("Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za %(minutes)d min.",
                  minutes=max(1, result.retry_after // 60)),
            )
            response.headers["Retry-After"] = str(result.retry_after)
            return response
        if result.user is None:
            form.password.errors = [_("Niepoprawny e-mail lub hasło.")]
            return render_template("auth/login.html", form=form, next_url=next_url), 422
        login_user(result.user, remember=False)
        session.permanent = True
        session["locale"] = result.user.locale
        return redirect(next_url, 303)
    return render_template("auth/login.html", form=form, next_url=next_url)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("Wylogowano."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if request.method == "POST":
        valid = form.validate()
        if valid and not current_user.check_password(form.current.data):
            form.current.errors = [_("Obecne hasło jest niepoprawne.")]
            valid = False
        if valid:
            accounts.change_password(current_user._get_current_object(), form.password.data)
            login_user(current_user._get_current_object())
            flash(_("Hasło zostało zmienione."), "success")
            return redirect(url_for("main.index"), 303)
        return render_template("auth/password.html", form=form), 422
    return render_template("auth/password.html", form=form)

