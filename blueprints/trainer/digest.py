"""Digest settings (signed-in) and one-click unsubscribe (signed token, no sign-in)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField

from koalicje.trainer import digest
from koalicje.web.errors import abort_with
from koalicje.web.extensions import csrf

bp = Blueprint("digest", __name__, url_prefix="/digest")


class DigestForm(FlaskForm):
    posts = BooleanField(_l("Nowe wpisy na tablicach moich koalicji (raz w tygodniu)"))
    nudges = BooleanField(_l("Osoby, którym warto przypomnieć o nauce (dla trenerów i trenerek)"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    prefs = digest.preferences(current_user)
    form = DigestForm(data={"posts": prefs.posts, "nudges": prefs.nudges})
    if form.validate_on_submit():
        nudges = form.nudges.data if current_user.role == "trainer" else prefs.nudges
        digest.set_preferences(current_user, posts=form.posts.data, nudges=nudges)
        flash(_("Zapisano ustawienia podsumowania."), "success")
        return redirect(url_for("digest.settings"), 303)
    status = 422 if form.errors else 200
    return render_template("trainer/digest_settings.html", form=form), status


@bp.get("/preview")
@login_required
def preview():
    """The digest the signed-in person would get if it were sent now (nothing is sent)."""
    built = digest.build(current_user._get_current_object())
    message = digest.render_message(
        built, current_app.config,
        lambda endpoint, **values: url_for(endpoint, _external=True, **values))
    html = message.get_body(("html",)).get_content()
    body = html[html.index("<body>") + len("<body>"):html.rindex("</body>")]
    return render_template("trainer/digest_preview.html", subject=message["Subject"],
                           body=Markup(body), empty=built.empty)  # our own escaped template


def _user_for(token: str):
    user = digest.user_from_token(token, current_app.config["SECRET_KEY"])
    if user is None:
        abort_with(404, _("Ten link do wypisania się jest niepoprawny."))
    return user


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    user = _user_for(token)
    return render_template("trainer/unsubscribe.html", token=token, email=user.email,
                           done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # mail clients post here (RFC 8058); the signed token is the authorisation
def unsubscribe_confirm(token: str):
    user = _user_for(token)
    digest.unsubscribe(user)
    return render_template("trainer/unsubscribe.html", token=token, email=user.email,
                           done=True)
