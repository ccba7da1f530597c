"""Uploads by trainers and admins: size limit, type by content, safe names, serving."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from conftest import make_user, soup
from factories import make_module

from koalicje.learning import media
from koalicje.ops import demo_media
from models import MediaFile

PDF = b"%PDF-1.4\n" + b"x" * 200
WAV_HEADER = b"RIFF\x24\x00\x00\x00WAVEfmt "


@pytest.fixture
def trainer(database):
    return make_user(role="trainer")


@pytest.fixture
def module(database):
    return make_module(slug="z-plikami", kind="webinar")


def post_file(client, auth, data: bytes, filename: str, role: str = "material",
              title: str = "Plik"):
    return client.post(
        "/learning/z-plikami/files",
        data={"role": role, "title": title, "csrf_token": auth.csrf(),
              "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"]) / "files"
    return sorted(p for p in folder.iterdir()) if folder.exists() else []


def test_upload_material_is_stored_under_a_generated_name_and_listed(app, client, auth,
                                                                     trainer, module):
    auth.as_user(trainer)
    response = post_file(client, auth, PDF, "Poradnik partnerstwa.pdf", title="Poradnik")
    assert response.status_code == 303
    upload = MediaFile.get()
    assert upload.content_type == "application/pdf" and upload.size == len(PDF)
    assert upload.original_name == "Poradnik partnerstwa.pdf"
    assert upload.stored_name != upload.original_name and upload.stored_name.endswith(".pdf")
    assert [p.name for p in stored_files(app)] == [upload.stored_name]
    assert not str(Path(app.config["UPLOAD_DIR"])).startswith(str(Path(app.static_folder)))
    page = soup(client.get("/learning/z-plikami"))
    link = page.select_one(f'.module-materials a[href="/learning/z-plikami/media/{upload.stored_name}"]')
    assert link.text == "Poradnik"
    served = client.get(link["href"])
    assert served.status_code == 200 and served.data == PDF
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "Poradnik" in disposition


def test_recording_upload_replaces_the_player_source(app, client, auth, trainer, module,
                                                     tmp_path):
    demo_media.write_wav(tmp_path / "demo.wav", rate=8000, sample_width=1, seconds=1)
    data = (tmp_path / "demo.wav").read_bytes()
    auth.as_user(trainer)
    assert post_file(client, auth, data, "webinarium.wav", role="recording").status_code == 303
    upload = MediaFile.get()
    assert upload.content_type == "audio/wav"
    page = soup(client.get("/learning/z-plikami"))
    assert upload.stored_name in page.select_one("#module-player source")["src"]


def test_too_big_is_refused_and_nothing_is_kept(app, client, auth, trainer, module):
    app.config["UPLOAD_MAX_BYTES"] = 100
    auth.as_user(trainer)
    response = post_file(client, auth, PDF, "duzy.pdf")
    assert response.status_code == 413
    assert "za duży" in soup(response).select_one(".field-error").text
    assert MediaFile.select().count() == 0
    assert stored_files(app) == []


@pytest.mark.parametrize("data,filename,role", [
    (b"MZ\x90\x00" + b"\x00" * 100, "nagranie.mp4", "recording"),  # a Windows program
    (b"<html><script>alert(1)</script></html>", "notatka.pdf", "material"),  # HTML as PDF
    (PDF, "nagranie.mp4", "recording"),  # a real PDF is not a recording
    (b"1\n00:00:00,000 --> 00:00:01,000\nHej\n", "napisy.vtt", "captions"),  # SRT, not VTT
    (b"\x00\x01\x02binary", "x.txt", "transcript"),
])
def test_wrong_type_is_refused_by_content(app, client, auth, trainer, module, data, filename,
                                          role):
    auth.as_user(trainer)
    response = post_file(client, auth, data, filename, role=role)
    assert response.status_code == 415
    assert soup(response).select_one(".field-error")
    assert MediaFile.select().count() == 0 and stored_files(app) == []


def test_wrong_type_message_names_the_field_and_the_hint_lists_every_format(
        client, auth, trainer, module):
    """The error speaks of the "Rodzaj pliku" chosen (not a "rola"); the hint lists ZIP too."""
    auth.as_user(trainer)
    page = soup(post_file(client, auth, PDF, "nagranie.mp4", role="recording"))
    error = page.select_one(".field-error").text
    assert "roli" not in error and "rodzaju pliku" in error and "Nagranie" in error
    hint = page.select_one("#file").find_next("small").text
    allowed = {"PDF", "DOCX", "ODT", "XLSX", "ODS", "TXT", "PNG", "JPG", "ZIP", "MP4", "WebM"}
    assert all(label in hint for label in allowed)


@pytest.mark.parametrize("filename", [
    "../../../etc/passwd.pdf", "..\\..\\app.py.pdf", "/tmp/absolute.pdf", "....//x.pdf",
    ".hidden.pdf", "nul\x00byte.pdf",
])
def test_path_tricks_in_the_name_cannot_escape(app, client, auth, trainer, module, filename):
    auth.as_user(trainer)
    response = post_file(client, auth, PDF, filename)
    assert response.status_code == 303
    upload = MediaFile.get()
    assert "/" not in upload.original_name and "\\" not in upload.original_name
    assert not upload.original_name.startswith(".")
    assert "\x00" not in upload.original_name
    files = stored_files(app)
    assert [p.name for p in files] == [upload.stored_name]
    assert files[0].resolve().parent == (Path(app.config["UPLOAD_DIR"]) / "files").resolve()


def test_missing_empty_file_and_unknown_role_are_422(app, client, auth, trainer, module):
    auth.as_user(trainer)
    token = auth.csrf()
    no_file = client.post("/learning/z-plikami/files", data={"role": "material",
                                                              "csrf_token": token})
    assert no_file.status_code == 422
    bad_role = post_file(client, auth, PDF, "a.pdf", role="virus")
    assert bad_role.status_code == 422
    empty = post_file(client, auth, b"", "pusty.pdf")
    assert empty.status_code == 422
    assert soup(empty).select_one(".field-error")
    assert MediaFile.select().count() == 0 and stored_files(app) == []


def test_a_record_that_cannot_be_written_leaves_no_file(app, trainer, module, monkeypatch):
    def refuse(**fields):
        raise RuntimeError("the database said no")

    monkeypatch.setattr(MediaFile, "create", refuse)
    with pytest.raises(RuntimeError):
        media.save_upload(io.BytesIO(PDF), "a.pdf", module=module, role="material",
                          title="Plik", user=trainer, upload_dir=app.config["UPLOAD_DIR"],
                          max_bytes=10_000)
    monkeypatch.undo()
    assert MediaFile.select().count() == 0 and stored_files(app) == []


def test_learners_cannot_upload(app, client, auth, database, module):
    auth.as_user(make_user())
    assert post_file(client, auth, PDF, "a.pdf").status_code == 403
    assert MediaFile.select().count() == 0
    assert stored_files(app) == []


def test_delete_detaches_and_removes_the_file(app, client, auth, trainer, module):
    auth.as_user(trainer)
    post_file(client, auth, PDF, "a.pdf")
    upload = MediaFile.get()
    response = client.post(f"/learning/z-plikami/files/{upload.id}/delete",
                           data={"csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert MediaFile.get().deleted_at is not None
    assert stored_files(app) == []
    assert client.get(f"/learning/z-plikami/media/{upload.stored_name}").status_code == 404


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.mark.parametrize("filename, content, offered", [
    ("evil.html", PNG, "evil.png"),
    ("zdjęcie.jpeg", b"\xff\xd8\xff" + b"\x00" * 100, "zdjęcie.jpeg"),  # same type, kept
    ("Poradnik.PDF", PDF, "Poradnik.PDF"),
    ("bez rozszerzenia", PDF, "bez rozszerzenia.pdf"),
    ("raport.pdf.exe", PDF, "raport.pdf.pdf"),
])
def test_download_is_named_after_the_detected_type(client, auth, trainer, module, filename,
                                                   content, offered):
    import unicodedata
    from urllib.parse import unquote

    auth.as_user(trainer)
    assert post_file(client, auth, content, filename).status_code == 303
    upload = MediaFile.get()
    served = client.get(f"/learning/z-plikami/media/{upload.stored_name}")
    assert served.status_code == 200
    disposition = served.headers["Content-Disposition"]
    names = [unquote(part.split("=", 1)[1].strip('"').removeprefix("UTF-8''"))
             for part in disposition.split("; ") if part.startswith("filename")]
    ascii_fallback = unicodedata.normalize("NFKD", offered).encode("ascii", "ignore").decode()
    assert names and set(names) <= {offered, ascii_fallback}, names


# --- request size: small for everyone, large only for uploads by those who may upload ------


BIG = 3 * 1024 * 1024  # over the form limit, far under the upload limit


def test_large_bodies_are_refused_except_for_uploads(app, client, auth, trainer, module):
    from conftest import csrf_from

    assert app.config["MAX_CONTENT_LENGTH"] < BIG < app.config["UPLOAD_MAX_BYTES"]
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * BIG,
                                           "csrf_token": token})
    assert response.status_code == 413  # anonymous: refused before the body is read
    learner = make_user()
    auth.as_user(learner)
    response = client.post("/board/posts", data={"title": "Duży", "body": "x" * BIG,
                                                  "category": "need", "csrf_token": auth.csrf()})
    assert response.status_code == 413  # a form-only route
    response = post_file(client, auth, PDF + b"x" * BIG, "duzy.pdf")
    assert response.status_code == 413  # may not upload: the small limit
    auth.logout()
    auth.as_user(trainer)
    response = post_file(client, auth, PDF + b"x" * BIG, "duzy.pdf")
    assert response.status_code == 303
    assert MediaFile.get().size == len(PDF) + BIG


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (len(body) + 4).to_bytes(4, "big") + body + b"\x00\x00\x00\x08free" + b"\x00" * 64


def _ebml(doctype: bytes) -> bytes:
    return (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04"
            b"\x42\xf3\x81\x08\x42\x82" + bytes([0x80 | len(doctype)]) + doctype + b"\x00" * 64)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("a.pdf", PDF, "application/pdf"),
    ("a.wav", WAV_HEADER + b"\x00" * 20, "audio/wav"),
    ("a.mp3", b"ID3\x03" + b"\x00" * 20, "audio/mpeg"),
    ("a.mp4", _ftyp(b"isom", b"isom", b"mp41"), "video/mp4"),
    ("a.m4a", _ftyp(b"M4A ", b"M4A ", b"isom"), "audio/mp4"),
    ("a.webm", _ebml(b"webm"), "video/webm"),
    ("a.vtt", b"\xef\xbb\xbfWEBVTT\n\n", "text/vtt"),
    ("a.txt", "Zażółć\n".encode(), "text/plain"),
    ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
    ("a.docx", _zip("[Content_Types].xml", "_rels/.rels", "word/document.xml"), DOCX),
    ("a.zip", _zip("raport.txt"), "application/zip"),
    # formats a hand-written check mislabelled
    ("a.docx", _zip("raport.txt", "inne.txt"), "application/zip"),  # any ZIP named .docx
    ("a.mp4", _ftyp(b"heic", b"mif1", b"heic"), None),  # HEIC photo
    ("a.mp4", _ftyp(b"avif", b"avif", b"mif1", b"miaf"), None),  # AVIF image
    ("a.mp4", _ftyp(b"qt  ", b"qt  "), None),  # QuickTime
    ("a.mp4", _ftyp(b"3gp4", b"3gp4", b"3gp5"), None),  # 3GP
    ("a.mp3", b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 60, None),  # AAC (ADTS)
    ("a.webm", _ebml(b"matroska"), None),  # Matroska
    ("a.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00", None),
], ids=lambda value: "" if isinstance(value, bytes) else None)
def test_detect_type_by_content(tmp_path, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    assert media.detect_type(path, name) == expected


# --- large uploads: progress with JavaScript, a plain form without, 413 that names the limit -


def test_upload_form_is_a_plain_form_with_a_progress_bar_for_javascript(app, client, auth,
                                                                        trainer, module):
    auth.as_user(trainer)
    page = soup(client.get("/learning/z-plikami/files"))
    form = page.select_one("form[data-upload-progress]")
    # Without JavaScript: an ordinary multipart POST to the upload view.
    assert form["method"] == "post" and form["enctype"] == "multipart/form-data"
    assert form["action"] == "/learning/z-plikami/files"
    assert form.select_one("input[type=file][name=file]") is not None
    assert not form.select_one("select[name=role]").has_attr("required")  # valid HTML (Nu)
    # With it: htmx sends it (boosted, so redirects and error pages swap the whole page) and
    # static/js/upload.js fills the progress bar, hidden until a file is on its way.
    assert form["hx-boost"] == "true"
    assert int(form["data-max-bytes"]) == app.config["UPLOAD_MAX_BYTES"]
    assert "300 MB" in form["data-too-big"] and "{percent}" in form["data-sending"]
    box = form.select_one(".upload-progress")
    assert box.has_attr("hidden")
    bar = box.select_one("progress")
    assert page.select_one(f"label[for={bar['id']}]") is not None
    assert box.select_one("[role=status][aria-live=polite]") is not None
    script = page.select_one("script[src^='/static/js/upload.js']")
    assert script is not None and script.has_attr("defer")
    assert (Path(app.static_folder) / "js/upload.js").read_text().count("htmx:xhr:progress")


def test_boosted_upload_answers_whole_pages(app, client, auth, trainer, module):
    """htmx (boosted) gets what the plain form gets: the redirect, or the page with the
    message for a refused file (415 here), never a fragment."""
    auth.as_user(trainer)
    headers = {"HX-Request": "true", "HX-Boosted": "true"}
    response = client.post(
        "/learning/z-plikami/files", headers=headers, content_type="multipart/form-data",
        data={"role": "material", "title": "x", "csrf_token": auth.csrf(),
              "file": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100), "x.pdf")})
    assert response.status_code == 415
    page = soup(response)
    assert page.select_one("html header") is not None
    assert "nie pasuje do wybranego rodzaju pliku" in page.select_one("#file-error").text
    response = post_file(client, auth, PDF, "ok.pdf")
    assert response.status_code == 303


def test_request_over_the_upload_limit_gets_a_413_page_naming_the_limit(app, client, auth,
                                                                       trainer, module):
    app.config["UPLOAD_MAX_BYTES"] = 1024 * 1024  # the request may carry 1 MB + form room
    auth.as_user(trainer)
    response = post_file(client, auth, PDF + b"x" * (3 * 1024 * 1024), "ogromny.pdf")
    assert response.status_code == 413
    page = soup(response)
    assert page.select_one("h1").text == "Za duży plik"
    assert "Największy dopuszczalny rozmiar to 1 MB" in page.select_one("main").text
    assert MediaFile.select().count() == 0 and stored_files(app) == []
    # Elsewhere the general message stays.
    other = client.post("/board/posts", data={"body": "x" * (3 * 1024 * 1024)})
    assert other.status_code == 413 and "1 MB" not in soup(other).select_one("main").text


def test_a_large_upload_reaches_the_view_on_disk_and_is_copied_in_chunks(
        app, client, auth, trainer, module, monkeypatch):
    """A file part over 500 KB is spooled to a temporary file under UPLOAD_DIR; save_upload
    copies it in CHUNK-sized reads: a 300 MB upload never sits in memory."""
    seen = {}
    real_save = media.save_upload

    class Recording:
        def __init__(self, stream):
            self.stream, self.reads = stream, []

        def read(self, size=-1):
            self.reads.append(size)
            return self.stream.read(size)

    def spy(stream, *args, **kwargs):
        seen["rolled_to_disk"] = stream._rolled  # SpooledTemporaryFile: True once on disk
        seen["file"] = os.readlink(f"/proc/self/fd/{stream.fileno()}")
        recording = Recording(stream)
        seen["reads"] = recording.reads
        return real_save(recording, *args, **kwargs)

    monkeypatch.setattr(media, "save_upload", spy)
    auth.as_user(trainer)
    size = 2 * 1024 * 1024
    assert post_file(client, auth, PDF + b"x" * size, "duzy.pdf").status_code == 303
    assert seen["rolled_to_disk"] is True
    # ... under UPLOAD_DIR (the disk that keeps uploads), not /tmp, which may be RAM (tmpfs).
    assert seen["file"].startswith(str(Path(app.config["UPLOAD_DIR"]) / "incoming") + "/")
    assert seen["reads"] and set(seen["reads"]) == {media.CHUNK}
    assert MediaFile.get().size == len(PDF) + size
