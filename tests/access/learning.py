"""Learning path routes: who may see the path, play and track, upload, and verify."""

from pathlib import Path

from flask import current_app

from access import Case
from models import Certificate, MediaFile, Module

SIGNED_IN_200 = dict(user=200, member=200, other_trainer=200, trainer=200, coordinator=200,
                     admin=200)
SIGNED_IN_303 = {persona: 303 for persona in SIGNED_IN_200}
STAFF_ONLY = dict(user=403, member=403, coordinator=403)
SLUG = "modul-dostepu"


def setup(world):
    module = Module.create(
        slug=SLUG, position=1, kind="film", title_pl="Moduł", title_en="Module",
        summary_pl="Opis", summary_en="Summary", body="Treść", estimated_minutes=5,
        meta={"presenters": [{"name": "Ktoś"}], "materials": []},
    )
    files = Path(current_app.config["UPLOAD_DIR"]) / "files"
    files.mkdir(parents=True, exist_ok=True)
    (files / "0123456789abcdef0123456789abcdef.txt").write_text("Transkrypcja", "utf-8")
    upload = MediaFile.create(
        module=module, role="transcript", title="Transkrypcja", original_name="t.txt",
        stored_name="0123456789abcdef0123456789abcdef.txt", content_type="text/plain", size=12,
    )
    (files / "fedcba9876543210fedcba9876543210.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVE")
    MediaFile.create(
        module=module, role="recording", title="Nagranie", original_name="n.wav",
        stored_name="fedcba9876543210fedcba9876543210.wav", content_type="audio/wav", size=12,
    )
    certificate = Certificate.create(user=world.member, code="ABCD-EFGH-JKMN", name="Członek",
                                     modules=[])
    world.extra["learning"] = {"module": module, "upload": upload, "certificate": certificate}


REPORT = {"source": "x.wav", "position": "2", "duration": "10", "ranges": "[[0, 2]]"}

CASES = [
    Case("learning.index", "GET", lambda w: "/learning/", anonymous=302, **SIGNED_IN_200),
    Case("learning.detail", "GET", lambda w: f"/learning/{SLUG}", anonymous=302,
         **SIGNED_IN_200),
    Case("learning.progress_region", "GET", lambda w: f"/learning/{SLUG}/progress",
         headers={"HX-Request": "true"}, anonymous=200, **SIGNED_IN_200),
    Case("learning.watched", "POST", lambda w: f"/learning/{SLUG}/watched",
         data=lambda w: {"watched": "1"}, anonymous=302, **SIGNED_IN_303),
    Case("learning.report", "POST", lambda w: f"/learning/{SLUG}/report",
         data=lambda w: REPORT, anonymous=302, **SIGNED_IN_200),
    Case("learning.light", "POST", lambda w: "/learning/light", data=lambda w: {"light": "1"},
         anonymous=302, **SIGNED_IN_303),
    Case("learning.media_file", "GET",
         lambda w: f"/learning/{SLUG}/media/{w.extra['learning']['upload'].stored_name}",
         anonymous=302, **SIGNED_IN_200),
    Case("learning.files", "GET", lambda w: f"/learning/{SLUG}/files", anonymous=302,
         other_trainer=200, trainer=200, admin=200, **STAFF_ONLY),
    Case("learning.upload", "POST", lambda w: f"/learning/{SLUG}/files",
         data=lambda w: {"role": "material", "title": "Bez pliku"}, anonymous=302,
         other_trainer=422, trainer=422, admin=422, **STAFF_ONLY),
    # One world per case: the first trainer's delete succeeds, later ones find nothing.
    Case("learning.delete_file", "POST",
         lambda w: f"/learning/{SLUG}/files/{w.extra['learning']['upload'].id}/delete",
         anonymous=302, other_trainer=303, trainer=404, admin=404, **STAFF_ONLY),
    Case("learning.certificate", "GET", lambda w: "/learning/certificate", anonymous=302,
         **SIGNED_IN_200),
    Case("learning.certificate_pdf_download", "GET", lambda w: "/learning/certificate.pdf",
         anonymous=302, member=200, **{p: 303 for p in SIGNED_IN_200 if p != "member"}),
    Case("learning.lookup", "GET", lambda w: "/certificates/", anonymous=200, **SIGNED_IN_200),
    Case("learning.verify", "GET", lambda w: "/certificates/ABCD-EFGH-JKMN", anonymous=200,
         **SIGNED_IN_200),
]
