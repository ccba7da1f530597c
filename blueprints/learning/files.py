"""Recordings and materials: serving them (with byte ranges), watch reports, uploads."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from blueprints.learning import bp
from blueprints.learning.helpers import get_module, learner_path, upload_dir
from koalicje.learning import media, progress, watching
from koalicje.permissions import can, require
from koalicje.web.errors import abort_with, error_response
from koalicje.web.labels import MEDIA_ROLE_LABELS, media_role_label
from koalicje.web.limits import accepts_uploads
from models import MediaFile

FILE_CSP = "default-src 'none'; sandbox"

@bp.get("/learning/<slug>/media/<name>")
@login_required
def media_file(slug: str, name: str):
    """A file of the module, found through its front matter or uploads, never by path."""
    module = get_module(slug)
    source = media.module_media(module, upload_dir()).by_name(name)
    if source is None:
        # Older uploads replaced by a newer one stay downloadable from the manage page.
        upload = MediaFile.get_or_none(
            (MediaFile.module == module) & (MediaFile.stored_name == name)
            & MediaFile.deleted_at.is_null()
        )
        source = media.upload_source(upload, upload_dir()) if upload else None
    if source is None or not source.available:
        abort_with(404, _("Tego pliku nie ma na serwerze."))
    response = send_file(
        source.path,
        mimetype=source.mime,
        as_attachment=not source.inline,
        download_name=media.download_name(source.original_name, source.mime),
        conditional=True,
        etag=True,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers.setdefault("Accept-Ranges", "bytes")
    return response


@bp.post("/learning/<slug>/report")
@login_required
def report(slug: str):
    """A watch report from the player: position, duration and the ranges just played."""
    module = get_module(slug)
    item = learner_path().get(module.slug)
    if item.locked:
        abort_with(403, _("Ten moduł jest jeszcze zablokowany."))
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    try:
        parsed = watching.parse_report(data or {})
    except watching.ReportError as error:
        return jsonify(error=str(error)), 400
    # Keyed by what the module plays now, not by what an old open page says it played.
    parsed.source = media.module_media(module, upload_dir()).track_source
    if parsed.source is None:
        return jsonify(error="this module has no local recording to track"), 409
    state = watching.record(current_user, module, parsed, current_app.config["WATCH_THRESHOLD"])
    row = progress.refresh(current_user, module)
    return jsonify(share=round(state.share, 4), position=state.position,
                   watched=bool(row.watched), status=row.status)


class UploadForm(FlaskForm):
    # A select always sends one of its options; `required` without an empty first option is
    # invalid HTML (Nu checker), so the attribute is left out.
    role = SelectField(_l("Rodzaj pliku"), choices=[SelectChoice(key, label) for key, label in MEDIA_ROLE_LABELS.items()],
                       validators=[DataRequired()], render_kw={"required": False})
    title = StringField(_l("Tytuł (widoczny dla uczących się)"), validators=[Length(max=200)])
    file = FileField(_l("Plik"), validators=[FileRequired(_l("Wybierz plik."))])


UPLOAD_MESSAGES = {
    "too_big": _l("Plik jest za duży. Największy dopuszczalny rozmiar to %(limit)s MB."),
    "type": _l("Ten plik nie pasuje do wybranego rodzaju pliku („%(kind)s”). Dozwolone formaty: "
               "%(allowed)s."),
    "empty": _l("Plik jest pusty."),
    "role": _l("Nieznany rodzaj pliku."),
}


def _limit_mb() -> int:
    return current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)


def _files_page(module, form, status=200):
    uploads = media.module_uploads(module)
    return render_template(
        "learning/files.html", module=module, form=form, uploads=uploads,
        limit_mb=_limit_mb(), max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
        too_big=str(UPLOAD_MESSAGES["too_big"]) % {"limit": _limit_mb()},
    ), status


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A request over the limit, refused before its body is read: on the upload form, say
    how large a file may be (the general 413 page elsewhere)."""
    if request.endpoint == "learning.upload" and current_user.is_authenticated \
            and can("manage_content"):
        return error_response(413, str(UPLOAD_MESSAGES["too_big"]) % {"limit": _limit_mb()})
    return error_response(413)


@bp.get("/learning/<slug>/files")
@login_required
def files(slug: str):
    require("manage_content")
    module = get_module(slug)
    return _files_page(module, UploadForm())


@bp.post("/learning/<slug>/files")
@login_required
@accepts_uploads
def upload(slug: str):
    require("manage_content")
    module = get_module(slug)
    form = UploadForm()
    if not form.validate_on_submit():
        return _files_page(module, form, 422)
    stored = form.file.data
    try:
        media.save_upload(
            stored.stream, stored.filename or "", module=module, role=form.role.data,
            title=form.title.data, user=current_user, upload_dir=upload_dir(),
            max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
        )
    except media.UploadError as error:
        allowed = ", ".join(sorted({media.LABEL_OF.get(m, m)
                                    for m in media.ALLOWED_BY_ROLE.get(form.role.data, ())}))
        kind = media_role_label(form.role.data)
        form.file.errors = [str(UPLOAD_MESSAGES[error.reason]) % {
            "limit": _limit_mb(), "allowed": allowed, "kind": kind}]
        return _files_page(module, form, error.code)
    flash(_("Plik został dodany do modułu."), "success")
    return redirect(url_for("learning.files", slug=slug), 303)


@bp.post("/learning/<slug>/files/<int:file_id>/delete")
@login_required
def delete_file(slug: str, file_id: int):
    require("manage_content")
    module = get_module(slug)
    upload = MediaFile.get_or_none(
        (MediaFile.id == file_id) & (MediaFile.module == module) & MediaFile.deleted_at.is_null()
    )
    if upload is None:
        abort_with(404, _("Nie ma takiego pliku."))
    media.remove_upload(upload, upload_dir())
    flash(_("Plik został usunięty z modułu."), "success")
    return redirect(url_for("learning.files", slug=slug), 303)
