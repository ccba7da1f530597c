"""The learner's certificate and its public verification page."""

from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.learning import bp
from koalicje.learning import certificate_pdf, certificates, progress
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


@bp.get("/learning/certificate.pdf")
@login_required
def certificate_pdf_download():
    """The certificate as a PDF download; until it is earned, the page that says what is missing."""
    issued = certificates.issue_if_earned(current_user)
    if issued is None:
        return redirect(url_for("learning.certificate"), 303)
    english = str(get_locale()) == "en"
    texts = certificate_pdf.CertificateTexts(
        kicker=_("Certyfikat ukończenia ścieżki szkoleniowej"),
        certify=_("Zaświadczamy, że"),
        name=issued.name,
        completed=_("ukończył(a) ścieżkę szkoleniową „Lokalne partnerstwa bibliotek” na "
                    "platformie Koalicje, obejmującą moduły:"),
        modules=[m.get("title_en") if english and m.get("title_en") else m.get("title_pl", "")
                 for m in issued.modules],
        issued=f'{_("Data wydania:")} {format_date(issued.issued_at, "long")}',
        code_label=_("Kod weryfikacyjny:"),
        code=issued.code,
        verify_label=_("Autentyczność sprawdzisz pod adresem:"),
        verify_url=url_for("learning.verify", code=issued.code, _external=True),
    )
    pdf = certificate_pdf.render(texts, current_app.config.get(
        "CERTIFICATE_FONT_DIR", certificate_pdf.DEFAULT_FONT_DIR))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certyfikat-koalicje-{issued.code}.pdf"')
    return response


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
