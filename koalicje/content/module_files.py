"""The learning path as files: content/modules/<NN>-<slug>.md, Markdown with YAML front matter.

`load_modules(content_dir)` reads and validates every module file and returns plain
definitions, raising `ContentError` (file, field, what is wrong) at the first problem;
`apply_modules(definitions, report)` creates or updates modules by slug and archives those
whose file is gone. Progress rows are never touched, so archiving loses nobody's history.
The loader is registered with `content_sync`, which runs `flask content sync`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from koalicje.content import sync
from koalicje.content.sync import ContentError, SyncReport
from koalicje.web.text import SLUG_RE
from models import MODULE_KINDS, POST_CATEGORIES, Module, utcnow

KINDS = MODULE_KINDS
FILE_NAME_RE = re.compile(r"^(\d+)-([a-z0-9-]+)\.md$")
# A media or material file named in front matter: a plain name in UPLOAD_DIR/content/.
SAFE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")

MEDIA_EXTENSIONS = {
    "file": {".mp4", ".webm", ".ogv", ".mp3", ".m4a", ".ogg", ".oga", ".wav"},
    "light": {".mp4", ".webm", ".ogv", ".mp3", ".m4a", ".ogg", ".oga", ".wav"},
    "captions": {".vtt"},
    "transcript": {".txt", ".md", ".pdf"},
    "handout": {".pdf", ".txt", ".odt", ".docx"},
}
MATERIAL_EXTENSIONS = {".pdf", ".odt", ".docx", ".xlsx", ".ods", ".txt", ".png", ".jpg", ".zip"}

TOP_LEVEL = {
    "slug", "position", "kind", "title", "summary", "date", "duration", "presenters", "host",
    "video", "materials", "quiz", "prerequisites", "estimated_minutes", "required", "task",
}
REQUIRED = ("slug", "position", "kind", "title", "summary", "estimated_minutes")
# Below this line of the body comes the English text of the module (optional).
ENGLISH_MARKER = "<!-- en -->"


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date is reported for its field."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class ModuleDefinition:
    path: str
    slug: str
    position: int
    kind: str
    title: dict[str, str]
    summary: dict[str, str]
    body: str
    meta: dict[str, Any]
    quiz_slug: str | None
    prerequisites: list[str]
    required: bool
    estimated_minutes: int
    duration_seconds: int | None
    content_hash: str


# --- reading ------------------------------------------------------------------------------


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    """Return (front matter, Markdown body) of a file that starts with a `---` block."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, "front matter", "the file must start with a line '---'")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ContentError(path, "front matter", "no closing line '---'") from None
    try:
        data = yaml.load("\n".join(lines[1:end]), Loader=_Loader) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        raise ContentError(path, "front matter", f"not valid YAML{where}") from error
    if not isinstance(data, dict):
        raise ContentError(path, "front matter", "must be a mapping of fields")
    return data, "\n".join(lines[end + 1:]).strip()


def split_languages(body: str) -> tuple[str, str]:
    """(Polish, English) parts of a body: the English text follows a line `<!-- en -->`."""
    lines = body.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == ENGLISH_MARKER:
            return "\n".join(lines[:index]).strip(), "\n".join(lines[index + 1:]).strip()
    return body.strip(), ""


def _text(path: Path, name: str, value: Any, *, max_length: int = 2000) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(path, name, "must be a non-empty text")
    if len(value) > max_length:
        raise ContentError(path, name, f"is longer than {max_length} characters")
    return value.strip()


def _both_languages(path: Path, name: str, value: Any, *, en_required: bool = True,
                    max_length: int = 2000) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ContentError(path, name, "must have a Polish and an English text: {pl: ..., en: ...}")
    unknown = set(value) - {"pl", "en"}
    if unknown:
        raise ContentError(path, f"{name}.{sorted(unknown)[0]}", "unknown language (use pl, en)")
    out = {"pl": _text(path, f"{name}.pl", value.get("pl"), max_length=max_length)}
    if en_required or value.get("en") is not None:
        out["en"] = _text(path, f"{name}.en", value.get("en"), max_length=max_length)
    return out


def _int(path: Path, name: str, value: Any, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContentError(path, name, "must be a whole number")
    if value < minimum:
        raise ContentError(path, name, f"must be at least {minimum}")
    return value


def parse_duration(path: Path, value: Any) -> int:
    """Seconds from "h:mm:ss" / "mm:ss" (YAML reads unquoted 16:00 as 960 already)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"(?:(\d+):)?([0-5]?\d):([0-5]\d)", value.strip())
        if match:
            hours, minutes, seconds = (int(g or 0) for g in match.groups())
            total = hours * 3600 + minutes * 60 + seconds
            if total > 0:
                return total
    raise ContentError(path, "duration", 'must be a length like "16:00" or "1:30:00"')


def _url(path: Path, name: str, value: Any) -> str:
    url = _text(path, name, value, max_length=500)
    if not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
        raise ContentError(path, name, "must be an http(s) address")
    return url


def _file_name(path: Path, name: str, value: Any, extensions: set[str]) -> str:
    file_name = _text(path, name, value, max_length=150)
    if not SAFE_NAME_RE.match(file_name) or ".." in file_name:
        raise ContentError(
            path, name, "must be a plain file name (letters, digits, '.', '-', '_'; no folders)"
        )
    suffix = Path(file_name).suffix.lower()
    if suffix not in extensions:
        raise ContentError(path, name, f"type {suffix or '(none)'} is not allowed here "
                                       f"(allowed: {', '.join(sorted(extensions))})")
    return file_name


def _person(path: Path, name: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ContentError(path, name, "must be {name: ..., role: {pl, en}, bio: {pl, en}}")
    unknown = set(value) - {"name", "role", "bio"}
    if unknown:
        raise ContentError(path, f"{name}.{sorted(unknown)[0]}", "unknown field")
    person = {"name": _text(path, f"{name}.name", value.get("name"), max_length=120)}
    if value.get("role") is not None:
        person["role"] = _both_languages(path, f"{name}.role", value["role"], max_length=300)
    if value.get("bio") is not None:
        person["bio"] = _both_languages(path, f"{name}.bio", value["bio"], en_required=False)
    return person


def _video(path: Path, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ContentError(path, "video", "must be {file: ..., url: ..., light: ..., ...}")
    allowed = set(MEDIA_EXTENSIONS) | {"url"}
    unknown = set(value) - allowed
    if unknown:
        raise ContentError(path, f"video.{sorted(unknown)[0]}",
                           f"unknown field (use {', '.join(sorted(allowed))})")
    video = {}
    for key, extensions in MEDIA_EXTENSIONS.items():
        if value.get(key) is not None:
            video[key] = _file_name(path, f"video.{key}", value[key], extensions)
    if value.get("url") is not None:
        video["url"] = _url(path, "video.url", value["url"])
    if not video.get("file") and not video.get("url"):
        raise ContentError(path, "video", "needs a local file (file) or an address (url)")
    return video


def _materials(path: Path, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ContentError(path, "materials", "must be a list")
    materials = []
    for index, item in enumerate(value):
        name = f"materials[{index}]"
        if not isinstance(item, dict):
            raise ContentError(path, name, "must be {title: ..., file: ..., size: ...} or "
                                           "{title: ..., url: ...}")
        unknown = set(item) - {"title", "file", "url", "size", "description"}
        if unknown:
            raise ContentError(path, f"{name}.{sorted(unknown)[0]}", "unknown field")
        title = item.get("title")
        material: dict[str, Any] = {
            "title": _both_languages(path, f"{name}.title", title, en_required=False,
                                     max_length=300)
            if isinstance(title, dict) else {"pl": _text(path, f"{name}.title", title,
                                                         max_length=300)}
        }
        if item.get("description") is not None:
            material["description"] = _both_languages(
                path, f"{name}.description", item["description"], en_required=False
            )
        has_file, has_url = item.get("file") is not None, item.get("url") is not None
        if has_file == has_url:
            raise ContentError(path, name, "needs exactly one of file or url")
        if has_file:
            material["file"] = _file_name(path, f"{name}.file", item["file"],
                                          MATERIAL_EXTENSIONS)
            if item.get("size") is None:
                raise ContentError(path, f"{name}.size", "is required for a file (in bytes)")
            material["size"] = _int(path, f"{name}.size", item["size"], minimum=1)
        else:
            material["url"] = _url(path, f"{name}.url", item["url"])
        materials.append(material)
    return materials


def _task(path: Path, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ContentError(path, "task", "must be {title: {pl, en}, prompt: {pl, en}, category}")
    unknown = set(value) - {"title", "prompt", "category"}
    if unknown:
        raise ContentError(path, f"task.{sorted(unknown)[0]}", "unknown field")
    category = value.get("category")
    if category not in POST_CATEGORIES:
        raise ContentError(path, "task.category", f"must be one of {', '.join(POST_CATEGORIES)}")
    return {
        "title": _both_languages(path, "task.title", value.get("title"), max_length=200),
        "prompt": _both_languages(path, "task.prompt", value.get("prompt")),
        "category": category,
    }


def parse_module_file(path: Path) -> ModuleDefinition:
    """Read and validate one module file (raises ContentError naming file and field)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ContentError(path, "file", "is not UTF-8 text") from None
    data, body = split_front_matter(path, text)
    unknown = set(data) - TOP_LEVEL
    if unknown:
        raise ContentError(path, sorted(unknown)[0], "unknown field (a typo?)")
    for name in REQUIRED:
        if data.get(name) is None:
            raise ContentError(path, name, "is missing")

    slug = data["slug"]
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > 80:
        raise ContentError(path, "slug", "must be lowercase letters, digits and hyphens")
    match = FILE_NAME_RE.match(path.name)
    if not match or match.group(2) != slug:
        raise ContentError(path, "slug", f"the file must be named <NN>-{slug}.md")
    position = _int(path, "position", data["position"], minimum=1)
    kind = data["kind"]
    if kind not in KINDS:
        raise ContentError(path, "kind", f"must be one of {', '.join(KINDS)}")
    title = _both_languages(path, "title", data["title"], max_length=200)
    summary = _both_languages(path, "summary", data["summary"])
    estimated = _int(path, "estimated_minutes", data["estimated_minutes"], minimum=1)
    body, english = split_languages(body)
    if not body:
        raise ContentError(path, "body", "the module needs a description below the front matter")

    meta: dict[str, Any] = {}
    if data.get("date") is not None:
        value = data["date"]
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise ContentError(path, "date", "must be a date like 2014-02-07")
        meta["date"] = value.isoformat()
    duration = parse_duration(path, data["duration"]) if data.get("duration") is not None else None
    presenters = data.get("presenters") or []
    if not isinstance(presenters, list):
        raise ContentError(path, "presenters", "must be a list of people")
    meta["presenters"] = [_person(path, f"presenters[{i}]", p) for i, p in enumerate(presenters)]
    if data.get("host") is not None:
        meta["host"] = _person(path, "host", data["host"])
    if data.get("video") is not None:
        meta["video"] = _video(path, data["video"])
    meta["materials"] = _materials(path, data["materials"]) if data.get("materials") else []
    if data.get("task") is not None:
        meta["task"] = _task(path, data["task"])
    if english:
        meta["body_en"] = english
    if kind in ("webinar", "film") and not meta.get("presenters"):
        raise ContentError(path, "presenters", f"a {kind} needs at least one presenter")

    quiz = data.get("quiz")
    if quiz is not None and (not isinstance(quiz, str) or not SLUG_RE.match(quiz)):
        raise ContentError(path, "quiz", "must be a quiz slug (lowercase letters, digits, hyphens)")
    prerequisites = data.get("prerequisites") or []
    if not isinstance(prerequisites, list) or not all(
        isinstance(p, str) and SLUG_RE.match(p) for p in prerequisites
    ):
        raise ContentError(path, "prerequisites", "must be a list of module slugs")
    required = data.get("required", True)
    if not isinstance(required, bool):
        raise ContentError(path, "required", "must be true or false")

    return ModuleDefinition(
        path=str(path), slug=slug, position=position, kind=kind, title=title, summary=summary,
        body=body, meta=meta, quiz_slug=quiz, prerequisites=list(prerequisites),
        required=required, estimated_minutes=estimated, duration_seconds=duration,
        content_hash=hashlib.sha256(raw).hexdigest(),
    )


def module_file_slugs(content_dir: Path | str) -> set[str]:
    """Slugs of the module files in content_dir/modules, by file name (for other loaders
    that refer to modules, e.g. a quiz's `module:`), without parsing them."""
    folder = Path(content_dir) / "modules"
    return {
        match.group(2)
        for path in (folder.glob("*.md") if folder.is_dir() else [])
        if (match := FILE_NAME_RE.match(path.name))
    }


def load_modules(content_dir: Path) -> list[ModuleDefinition]:
    """Validate every file in content_dir/modules; also slugs, positions and prerequisites."""
    folder = Path(content_dir) / "modules"
    if not folder.is_dir():
        return []
    definitions = [parse_module_file(path) for path in sorted(folder.glob("*.md"))]
    by_slug: dict[str, ModuleDefinition] = {}
    positions: dict[int, ModuleDefinition] = {}
    for d in definitions:
        if d.slug in by_slug:
            raise ContentError(d.path, "slug", f"{d.slug!r} is also used by {by_slug[d.slug].path}")
        if d.position in positions:
            raise ContentError(d.path, "position",
                               f"{d.position} is also used by {positions[d.position].path}")
        by_slug[d.slug] = d
        positions[d.position] = d
    for d in definitions:
        for index, slug in enumerate(d.prerequisites):
            if slug == d.slug:
                raise ContentError(d.path, f"prerequisites[{index}]", "a module cannot require itself")
            if slug not in by_slug:
                raise ContentError(d.path, f"prerequisites[{index}]", f"no module {slug!r}")
    _check_cycles(by_slug)
    return sorted(definitions, key=lambda d: d.position)


def _check_cycles(by_slug: dict[str, ModuleDefinition]) -> None:
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(slug: str) -> None:
        state[slug] = 1
        for prerequisite in by_slug[slug].prerequisites:
            if state.get(prerequisite) == 1:
                raise ContentError(by_slug[slug].path, "prerequisites",
                                   f"circular: {slug} and {prerequisite} require each other")
            if prerequisite not in state:
                visit(prerequisite)
        state[slug] = 2

    for slug in by_slug:
        if slug not in state:
            visit(slug)


# --- writing ------------------------------------------------------------------------------


def _values(d: ModuleDefinition) -> dict[str, Any]:
    return {
        "position": d.position, "kind": d.kind, "title_pl": d.title["pl"],
        "title_en": d.title["en"], "summary_pl": d.summary["pl"], "summary_en": d.summary["en"],
        "body": d.body, "meta": d.meta, "quiz_slug": d.quiz_slug,
        "prerequisites": d.prerequisites, "required": d.required,
        "estimated_minutes": d.estimated_minutes, "duration_seconds": d.duration_seconds,
        "content_hash": d.content_hash, "archived": False,
    }


def apply_modules(definitions: list[ModuleDefinition], report: SyncReport) -> None:
    """Create or update modules by slug; archive the ones without a file. Idempotent."""
    existing = {m.slug: m for m in Module.select()}
    seen = set()
    for d in definitions:
        seen.add(d.slug)
        module = existing.get(d.slug)
        if module is None:
            Module.create(slug=d.slug, updated_at=utcnow(), **_values(d))
            report.created.append(f"module {d.slug}")
        elif module.content_hash != d.content_hash or module.archived:
            for name, value in _values(d).items():
                setattr(module, name, value)
            module.updated_at = utcnow()
            module.save()
            report.updated.append(f"module {d.slug}")
        else:
            report.unchanged.append(f"module {d.slug}")
    for slug, module in existing.items():
        if slug not in seen and not module.archived:
            module.archived = True
            module.updated_at = utcnow()
            module.save()
            report.archived.append(f"module {slug}")


sync.register(sync.Loader(name="modules", load=load_modules, apply=apply_modules))
