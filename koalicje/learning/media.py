"""Recordings and materials of modules: where files live, what type they really are, uploads.

Two kinds of files:
- named in a module's front matter (`video.file`, `video.light`, ..., `materials[].file`):
  plain names looked up in UPLOAD_DIR/content/ (the deployment copies them there; the demo
  generates a few);
- uploaded by trainers and admins: checked by content (magic bytes), stored in
  UPLOAD_DIR/files/ under a random name with the extension of the detected type, recorded
  as a `MediaFile` attached to a module. An upload for a role replaces what the front matter
  names for that role (the newest upload wins).

Nothing here joins a user-supplied name to a path: files are found through the module's
front matter or the database, never through the URL.
"""

from __future__ import annotations

import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import filetype

from koalicje.prepared import prepared
from models import MEDIA_ROLES, MediaFile, Module, User, utcnow, write_transaction

PLAYABLE = {"video/mp4", "audio/mp4", "video/webm", "audio/webm", "audio/ogg", "audio/mpeg",
            "audio/wav"}
DOCUMENTS = {"application/pdf", "text/plain", "image/png", "image/jpeg",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "application/vnd.oasis.opendocument.text",
             "application/vnd.oasis.opendocument.spreadsheet", "application/zip"}
ALLOWED_BY_ROLE = {
    "recording": PLAYABLE,
    "light": PLAYABLE,
    "captions": {"text/vtt"},
    "transcript": {"text/plain", "application/pdf"},
    "handout": DOCUMENTS,
    "material": DOCUMENTS,
}
EXTENSION_OF = {
    "video/mp4": ".mp4", "audio/mp4": ".m4a", "video/webm": ".webm", "audio/webm": ".webm",
    "audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/wav": ".wav", "text/vtt": ".vtt",
    "text/plain": ".txt", "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/zip": ".zip",
}
TYPE_OF_EXTENSION = {ext: mime for mime, ext in EXTENSION_OF.items()} | {
    ".ogv": "video/ogg", ".oga": "audio/ogg", ".md": "text/plain", ".jpeg": "image/jpeg",
}
# Short labels shown next to materials ("PDF, 1,2 MB").
LABEL_OF = {
    "application/pdf": "PDF", "text/plain": "TXT", "text/vtt": "VTT", "image/png": "PNG",
    "image/jpeg": "JPG", "audio/wav": "WAV", "audio/mpeg": "MP3", "audio/ogg": "OGG",
    "audio/mp4": "M4A", "video/mp4": "MP4", "video/webm": "WebM", "video/ogg": "OGV",
    "audio/webm": "WebM", "application/zip": "ZIP",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
}
INLINE_ROLES = {"recording", "light", "captions"}
CHUNK = 64 * 1024


class UploadError(ValueError):
    """An upload that is refused; `code` is the HTTP status, `reason` a short key for tests."""

    def __init__(self, reason: str, code: int = 422):
        self.reason = reason
        self.code = code
        super().__init__(reason)


# --- type detection by content ----------------------------------------------------------


def _is_utf8_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# What the sniffing library (filetype) reports, mapped to the types we accept. Anything it
# recognises as another format (HEIC, AVIF, QuickTime, 3GP, AAC, Matroska, executables...)
# is refused; a ZIP is a document only when its entries say so, never by its name.
SNIFFED = {
    "application/pdf": "application/pdf",
    "video/mp4": "video/mp4", "video/x-m4v": "video/mp4", "audio/mp4": "audio/mp4",
    "video/webm": "video/webm", "audio/ogg": "audio/ogg", "audio/x-wav": "audio/wav",
    "audio/mpeg": "audio/mpeg", "image/png": "image/png", "image/jpeg": "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text": "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet":
        "application/vnd.oasis.opendocument.spreadsheet",
    "application/zip": "application/zip",
}
SNIFF_BYTES = 8192


def detect_type(path: Path, declared_name: str = "") -> str | None:
    """The MIME type of the file judged by its content (None when not one we accept).

    Binary formats are recognised by filetype (a maintained signature library); WebVTT and
    plain text, which have no magic bytes, by our own checks below.
    """
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    suffix = Path(declared_name).suffix.lower()
    kind = filetype.guess(head)
    if kind is not None:
        mime = SNIFFED.get(kind.mime)
        if mime == "video/webm" and suffix == ".weba":
            return "audio/webm"
        return mime
    if path.stat().st_size <= 5 * 1024 * 1024:
        data = path.read_bytes()
        if _is_utf8_text(data):
            text = data.decode("utf-8").lstrip("\ufeff")
            if text.startswith("WEBVTT"):
                return "text/vtt"
            # Plain text only under a text name: markup posing as a PDF is refused.
            if suffix in {".txt", ".md", ""}:
                return "text/plain"
    return None


def display_name(filename: str) -> str:
    """The last path component of an uploaded name, without control characters."""
    name = (filename or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if ch.isprintable())
    name = name.strip().lstrip(".")
    return name[:150] or "plik"


def download_name(original: str, mime: str) -> str:
    """The name a file is offered under: its own, ending in the extension of its detected type.

    "evil.html" holding a PNG is offered as "evil.png"; a name whose extension already
    stands for that type ("zdjęcie.jpeg", "Poradnik.PDF") is kept.
    """
    path = Path(original)
    if TYPE_OF_EXTENSION.get(path.suffix.lower()) == mime:
        return original
    stem = path.stem if path.suffix and path.stem else original
    return stem + EXTENSION_OF.get(mime, ".bin")


# --- storage ------------------------------------------------------------------------------


def files_dir(upload_dir: str | Path) -> Path:
    return Path(upload_dir) / "files"


def content_media_dir(upload_dir: str | Path) -> Path:
    return Path(upload_dir) / "content"


def save_upload(stream: IO[bytes], filename: str, *, module: Module, role: str, title: str,
                user: User | None, upload_dir: str | Path, max_bytes: int) -> MediaFile:
    """Check and store an upload, attach it to `module`; raise UploadError when refused."""
    if role not in MEDIA_ROLES:
        raise UploadError("role")
    target_dir = files_dir(upload_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    temporary = target_dir / f".incoming-{secrets.token_hex(8)}"
    size = 0
    try:
        with open(temporary, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadError("too_big", 413)
                out.write(chunk)
        if size == 0:
            raise UploadError("empty")
        mime = detect_type(temporary, filename)
        if mime is None or mime not in ALLOWED_BY_ROLE[role]:
            raise UploadError("type", 415)
        stored = f"{secrets.token_hex(16)}{EXTENSION_OF.get(mime, '.bin')}"
        final = target_dir / stored
        os.replace(temporary, final)
    finally:
        if temporary.exists():
            temporary.unlink()
    original = display_name(filename)
    try:
        with write_transaction():
            return MediaFile.create(
                module=module, role=role, title=(title or "").strip()[:200] or original,
                original_name=original, stored_name=stored, content_type=mime, size=size,
                uploaded_by=user,
            )
    except Exception:
        final.unlink(missing_ok=True)
        raise


def remove_upload(media_file: MediaFile, upload_dir: str | Path) -> None:
    """Detach an upload (the row stays, marked deleted) and remove the stored file."""
    with write_transaction():
        media_file.deleted_at = utcnow()
        media_file.save(only=[MediaFile.deleted_at])
    (files_dir(upload_dir) / media_file.stored_name).unlink(missing_ok=True)


# --- what a module offers -----------------------------------------------------------------


@dataclass
class Source:
    role: str
    name: str  # the URL segment under /learning/<slug>/media/
    title: str
    mime: str
    size: int | None
    path: Path
    original_name: str
    upload: MediaFile | None = None

    @property
    def available(self) -> bool:
        return self.path.is_file()

    @property
    def label(self) -> str:
        return LABEL_OF.get(self.mime, self.mime)

    @property
    def is_audio(self) -> bool:
        return self.mime.startswith("audio/")

    @property
    def inline(self) -> bool:
        return self.role in INLINE_ROLES


@dataclass
class Material:
    title: dict[str, str]
    description: dict[str, str] | None
    source: Source | None = None
    url: str | None = None
    declared_size: int | None = None

    @property
    def size(self) -> int | None:
        if self.source is not None and self.source.available:
            return self.source.path.stat().st_size
        return self.declared_size


@dataclass
class ModuleMedia:
    recording: Source | None = None
    light: Source | None = None
    captions: Source | None = None
    transcript: Source | None = None
    handout: Source | None = None
    url: str | None = None
    materials: list[Material] | None = None

    def transcript_text(self, limit: int = 100_000) -> str | None:
        """A plain-text transcript's content, to show on the page (None for PDF or large)."""
        source = self.transcript
        if source is None or not source.available or source.mime != "text/plain":
            return None
        if source.path.stat().st_size > limit:
            return None
        try:
            return source.path.read_text(encoding="utf-8").lstrip("\ufeff")
        except (OSError, UnicodeDecodeError):
            return None

    def player(self, light: bool) -> Source | None:
        """What the player plays: the light rendition first when the learner asked for it."""
        order = (self.light, self.recording) if light else (self.recording, self.light)
        for source in order:
            if source is not None and source.available:
                return source
        return None

    @property
    def has_recording(self) -> bool:
        """Something to watch or listen to: a recording on this server or an address."""
        return self.player(False) is not None or bool(self.url)

    @property
    def has_alternatives(self) -> bool:
        """A transcript, captions or handout on this server (the light version's parts)."""
        return any(source is not None and source.available
                   for source in (self.transcript, self.captions, self.handout, self.light))

    @property
    def track_source(self) -> str | None:
        """The name watch tracking is keyed by: the full recording (the light rendition is
        the same content), or the light one when only that is on the server."""
        for source in (self.recording, self.light):
            if source is not None and source.available:
                return source.name
        return None

    @property
    def youtube_id(self) -> str | None:
        return youtube_id(self.url) if self.url else None

    def by_name(self, name: str) -> Source | None:
        for role in ("recording", "light", "captions", "transcript", "handout"):
            source = getattr(self, role)
            if source is not None and source.name == name:
                return source
        for material in self.materials or []:
            if material.source is not None and material.source.name == name:
                return material.source
        return None


def _content_source(role: str, name: str, upload_dir: str | Path) -> Source:
    path = content_media_dir(upload_dir) / name
    mime = TYPE_OF_EXTENSION.get(Path(name).suffix.lower(), "application/octet-stream")
    size = path.stat().st_size if path.is_file() else None
    return Source(role=role, name=name, title=name, mime=mime, size=size, path=path,
                  original_name=name)


def upload_source(upload: MediaFile, upload_dir: str | Path) -> Source:
    return Source(role=upload.role, name=upload.stored_name, title=upload.title,
                  mime=upload.content_type, size=upload.size,
                  path=files_dir(upload_dir) / upload.stored_name,
                  original_name=upload.original_name, upload=upload)


def module_uploads(module: Module) -> list[MediaFile]:
    return _module_uploads.rows(module.id)


@prepared
def _module_uploads(module_id: int):
    return (
        MediaFile.select()
        .where((MediaFile.module == module_id) & MediaFile.deleted_at.is_null())
        .order_by(MediaFile.created_at, MediaFile.id)
    )


def module_media(module: Module, upload_dir: str | Path,
                 uploads: list[MediaFile] | None = None) -> ModuleMedia:
    """Everything the module page offers: front matter files, overridden by uploads."""
    video = (module.meta or {}).get("video") or {}
    media = ModuleMedia(url=video.get("url"), materials=[])
    content_keys = {"file": "recording", "light": "light", "captions": "captions",
                    "transcript": "transcript", "handout": "handout"}
    for key, role in content_keys.items():
        if video.get(key):
            setattr(media, role, _content_source(role, video[key], upload_dir))
    for item in (module.meta or {}).get("materials") or []:
        material = Material(title=item["title"], description=item.get("description"),
                            url=item.get("url"), declared_size=item.get("size"))
        if item.get("file"):
            material.source = _content_source("material", item["file"], upload_dir)
        media.materials.append(material)
    for upload in uploads if uploads is not None else module_uploads(module):
        source = upload_source(upload, upload_dir)
        if upload.role == "material":
            media.materials.append(Material(title={"pl": upload.title}, description=None,
                                            source=source, declared_size=upload.size))
        else:
            setattr(media, upload.role, source)
    return media


def youtube_id(url: str) -> str | None:
    """The video id of a YouTube address (watch?v=, youtu.be/, embed/), else None."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    candidate = None
    if host in {"youtu.be"}:
        candidate = parts.path.strip("/")
    elif host.endswith("youtube.com") or host.endswith("youtube-nocookie.com"):
        if parts.path == "/watch":
            candidate = (parse_qs(parts.query).get("v") or [None])[0]
        elif parts.path.startswith(("/embed/", "/shorts/", "/live/")):
            candidate = parts.path.split("/")[2]
    if candidate and len(candidate) == 11 and all(c.isalnum() or c in "-_" for c in candidate):
        return candidate
    return None
