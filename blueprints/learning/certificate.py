"""The learner's certificate and its public verification page."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.learning import bp
from koalicje.learning import certificates, progress
from koalicje.web.errors import abort_with


@bp.get("/learning/certificate")
@login_required
def certificate():
    """The printable certificate once earned; until then, what is still missing."""
    issued = certificates.issue_if_earned(current_user)
    if issued is None:
        path = progress.learning_path(current_user)
        remaining = [i for i in path.required if i.status != progress.COMPLETED]
        return render_template("learning/certificate_pending.html", path=path,
                               remaining=remaining)
    return render_template("learning/certificate.html", certificate=issued)


@bp.get("/certificates/")
def lookup():
    """A form to type a code from a printed certificate (public)."""
    code = request.args.get("code", "").strip()
    if code:
        normalized = certificates.normalize_code(code)
        if normalized:
            return redirect(url_for("learning.verify", code=normalized), 303)
        return render_template("certificates/lookup.html", code=code,
                               error=_("To nie wygląda na kod certyfikatu (np. ABCD-EFGH-JKMN).")), 422
    return render_template("certificates/lookup.html", code="", error=None)


@bp.get("/certificates/<code>")
def verify(code: str):
    """Public: anyone holding a code can check the certificate; unknown codes are 404."""
    found = certificates.verify(code)
    if found is None:
        abort_with(404, _("Nie ma certyfikatu o takim kodzie."))
    return render_template("certificates/verify.html", certificate=found)
