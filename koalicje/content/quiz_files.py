"""Content loaders for quizzes (content/quizzes/*.yaml) and self-assessment instruments
(content/self_assessment/*.yaml).

Each loader validates every file first and raises `ContentError` (file, field, what is
wrong); only then does `apply` write. A changed file gets a new version (one per content
hash), so attempts and answers made against an older version stay readable.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from koalicje.content import module_files
from koalicje.content.sync import ContentError, Loader, SyncReport, register
from koalicje.web.text import SLUG_RE
from models import (
    Instrument,
    InstrumentVersion,
    Quiz,
    QuizVersion,
    utcnow,
)


def module_titles(lang: str | None = None) -> dict[str, str]:
    """Module titles by slug in the current language, from the synced modules."""
    from koalicje.web.labels import module_title
    from models import Module

    return {
        module.slug: module_title(module, lang)
        for module in Module.select(Module.slug, Module.title_pl, Module.title_en)
    }


QUESTION_TYPES = ("single", "multiple", "true_false")
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
BAND_KEYS = ("strong", "discuss", "attention")
MAX_TEXT = 2000


# --- shared helpers -----------------------------------------------------------------------


def module_slugs(content_dir: Path) -> set[str]:
    """Slugs of the module files a quiz may belong to (content/modules/<NN>-<slug>.md)."""
    return module_files.module_file_slugs(content_dir)


def content_hash(definition: dict) -> str:
    data = json.dumps(definition, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(path, "(file)", f"not valid YAML: {error}") from error
    except UnicodeDecodeError as error:
        raise ContentError(path, "(file)", "not UTF-8 text") from error
    if not isinstance(data, dict):
        raise ContentError(path, "(file)", "expected a mapping of fields at the top level")
    return data


def localized(path: Path, where: str, value: Any, required: bool = True) -> dict[str, str]:
    """A text in both languages: a string (Polish, English falls back to it) or {pl, en}."""
    if value is None or value == "":
        if required:
            raise ContentError(path, where, "missing")
        return {"pl": "", "en": ""}
    if isinstance(value, str):
        value = {"pl": value}
    if not isinstance(value, dict) or not isinstance(value.get("pl"), str) or not value["pl"]:
        raise ContentError(path, where, "expected text, or {pl: ..., en: ...} with pl given")
    extra = set(value) - {"pl", "en"}
    if extra:
        raise ContentError(path, where, f"unknown languages: {', '.join(sorted(extra))}")
    english = value.get("en") or value["pl"]
    if not isinstance(english, str):
        raise ContentError(path, where + ".en", "expected text")
    for lang, text in (("pl", value["pl"]), ("en", english)):
        if len(text) > MAX_TEXT:
            raise ContentError(path, f"{where}.{lang}", f"longer than {MAX_TEXT} characters")
    return {"pl": value["pl"].strip(), "en": english.strip()}


def _slug(path: Path, data: dict, seen: dict[str, Path]) -> str:
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise ContentError(path, "slug", "missing or not a slug (lowercase letters, digits, -)")
    if slug in seen:
        raise ContentError(path, "slug", f"{slug!r} is already used by {seen[slug].name}")
    seen[slug] = path
    return slug


def _id(path: Path, where: str, value: Any, seen: set[str]) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not ID_RE.match(value):
        raise ContentError(path, where, "missing or not an id (letters, digits, _ or -)")
    if value in seen:
        raise ContentError(path, where, f"duplicate id {value!r}")
    seen.add(value)
    return value


def _list(path: Path, where: str, value: Any, minimum: int = 1, maximum: int = 100) -> list:
    if not isinstance(value, list) or not value:
        raise ContentError(path, where, "expected a non-empty list")
    if not minimum <= len(value) <= maximum:
        raise ContentError(path, where, f"expected {minimum} to {maximum} entries, got {len(value)}")
    return value


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


# --- quizzes ------------------------------------------------------------------------------


def parse_quiz(path: Path, data: dict, modules: set[str], seen: dict[str, Path]) -> dict:
    """Validate one quiz file and return its normalized definition."""
    slug = _slug(path, data, seen)
    module = data.get("module")
    if not isinstance(module, str) or not module:
        raise ContentError(path, "module", "missing: name the module this quiz belongs to")
    if module not in modules:
        raise ContentError(path, "module", f"no module with slug {module!r}")
    pass_mark = data.get("pass_mark")
    if isinstance(pass_mark, bool) or not isinstance(pass_mark, int | float):
        raise ContentError(path, "pass_mark", "missing or not a number (percent, 1–100)")
    if not 1 <= pass_mark <= 100:
        raise ContentError(path, "pass_mark", "must be a percent between 1 and 100")
    questions = []
    ids: set[str] = set()
    for index, raw in enumerate(_list(path, "questions", data.get("questions"), 1, 30), 1):
        where = f"questions[{index}]"
        if not isinstance(raw, dict):
            raise ContentError(path, where, "expected a mapping")
        qid = _id(path, where + ".id", raw.get("id"), ids)
        kind = raw.get("type")
        if kind not in QUESTION_TYPES:
            raise ContentError(path, where + ".type", f"must be one of {', '.join(QUESTION_TYPES)}")
        question = {
            "id": qid,
            "type": kind,
            "text": localized(path, where + ".text", raw.get("text")),
            "explanation": localized(path, where + ".explanation", raw.get("explanation")),
        }
        if kind == "true_false":
            answer = raw.get("answer")
            if not isinstance(answer, bool):
                raise ContentError(path, where + ".answer", "true/false questions need answer: true or false")
            question["options"] = [
                {"id": "true", "text": {"pl": "Prawda", "en": "True"}, "correct": answer},
                {"id": "false", "text": {"pl": "Fałsz", "en": "False"}, "correct": not answer},
            ]
        else:
            options = []
            option_ids: set[str] = set()
            for o_index, option in enumerate(
                _list(path, where + ".options", raw.get("options"), 2, 8), 1
            ):
                o_where = f"{where}.options[{o_index}]"
                if not isinstance(option, dict):
                    raise ContentError(path, o_where, "expected a mapping")
                correct = option.get("correct", False)
                if not isinstance(correct, bool):
                    raise ContentError(path, o_where + ".correct", "must be true or false")
                options.append({
                    "id": _id(path, o_where + ".id", option.get("id"), option_ids),
                    "text": localized(path, o_where + ".text", option.get("text")),
                    "correct": correct,
                })
            correct_count = sum(o["correct"] for o in options)
            if kind == "single" and correct_count != 1:
                raise ContentError(path, where + ".options", "a single-choice question needs exactly one correct option")
            if kind == "multiple" and correct_count < 1:
                raise ContentError(path, where + ".options", "a multiple-choice question needs at least one correct option")
            question["options"] = options
        questions.append(question)
    return {
        "slug": slug,
        "module": module,
        "title": localized(path, "title", data.get("title")),
        "intro": localized(path, "intro", data.get("intro"), required=False),
        "pass_mark": float(pass_mark),
        "questions": questions,
    }


def load_quizzes(content_dir: Path) -> list[dict]:
    modules = module_slugs(content_dir)
    seen: dict[str, Path] = {}
    return [
        parse_quiz(path, read_yaml(path), modules, seen)
        for path in _files(content_dir / "quizzes")
    ]


def apply_quizzes(definitions: list[dict], report: SyncReport) -> None:
    existing = {quiz.slug: quiz for quiz in Quiz.select()}
    for definition in definitions:
        slug = definition["slug"]
        digest = content_hash(definition)
        quiz = existing.pop(slug, None)
        fields = {
            "module_slug": definition["module"],
            "title": definition["title"]["pl"],
            "pass_mark": definition["pass_mark"] / 100,
            "archived": False,
        }
        if quiz is None:
            quiz = Quiz.create(slug=slug, version=1, **fields)
            QuizVersion.create(quiz=quiz, number=1, content_hash=digest, definition=definition)
            report.created.append(f"quiz {slug}")
            continue
        versions = list(quiz.versions.order_by(QuizVersion.number))
        current = next((v for v in versions if v.number == quiz.version), None)
        if current is not None and current.content_hash == digest and not quiz.archived:
            report.unchanged.append(f"quiz {slug}")
            continue
        same = next((v for v in versions if v.content_hash == digest), None)
        if same is None:  # new content: a new version; a return to old content reuses it
            same = QuizVersion.create(
                quiz=quiz, number=(versions[-1].number if versions else 0) + 1,
                content_hash=digest, definition=definition, created_at=utcnow(),
            )
        fields["version"] = same.number
        Quiz.update(**fields).where(Quiz.id == quiz.id).execute()
        report.updated.append(f"quiz {slug}")
    for slug, quiz in existing.items():
        if not quiz.archived:
            Quiz.update(archived=True).where(Quiz.id == quiz.id).execute()
            report.archived.append(f"quiz {slug}")


# --- self-assessment instruments ----------------------------------------------------------


def parse_instrument(path: Path, data: dict, modules: set[str], seen: dict[str, Path]) -> dict:
    slug = _slug(path, data, seen)
    bands = []
    band_keys: set[str] = set()
    for index, raw in enumerate(_list(path, "bands", data.get("bands"), 1, 5), 1):
        where = f"bands[{index}]"
        if not isinstance(raw, dict):
            raise ContentError(path, where, "expected a mapping")
        key = raw.get("key")
        if key not in BAND_KEYS or key in band_keys:
            raise ContentError(path, where + ".key", f"must be one of {', '.join(BAND_KEYS)}, each once")
        band_keys.add(key)
        low = raw.get("min")
        if isinstance(low, bool) or not isinstance(low, int | float) or not 1 <= low <= 5:
            raise ContentError(path, where + ".min", "must be a number from 1 to 5")
        bands.append({"key": key, "min": float(low), "label": localized(path, where + ".label", raw.get("label"))})
    bands.sort(key=lambda band: band["min"], reverse=True)
    if bands[-1]["min"] != 1:
        raise ContentError(path, "bands", "the lowest band must start at 1 so every mean has a band")
    dimensions = []
    dimension_slugs: set[str] = set()
    statement_ids: set[str] = set()
    for index, raw in enumerate(_list(path, "dimensions", data.get("dimensions"), 1, 12), 1):
        where = f"dimensions[{index}]"
        if not isinstance(raw, dict):
            raise ContentError(path, where, "expected a mapping")
        dslug = raw.get("slug")
        if not isinstance(dslug, str) or not SLUG_RE.match(dslug) or dslug in dimension_slugs:
            raise ContentError(path, where + ".slug", "missing, not a slug, or used twice")
        dimension_slugs.add(dslug)
        recommend = raw.get("recommend", [])
        if not isinstance(recommend, list) or not all(isinstance(s, str) for s in recommend):
            raise ContentError(path, where + ".recommend", "expected a list of module slugs")
        for module in recommend:
            if module not in modules:
                raise ContentError(path, where + ".recommend", f"no module with slug {module!r}")
        statements = []
        for s_index, item in enumerate(
            _list(path, where + ".statements", raw.get("statements"), 2, 6), 1
        ):
            s_where = f"{where}.statements[{s_index}]"
            if not isinstance(item, dict):
                raise ContentError(path, s_where, "expected a mapping")
            reverse = item.get("reverse", False)
            if not isinstance(reverse, bool):
                raise ContentError(path, s_where + ".reverse", "must be true or false")
            statements.append({
                "id": _id(path, s_where + ".id", item.get("id"), statement_ids),
                "text": localized(path, s_where + ".text", item.get("text")),
                "reverse": reverse,
            })
        if not any(s["reverse"] for s in statements):
            raise ContentError(path, where + ".statements", "needs at least one reverse-worded statement (reverse: true)")
        dimensions.append({
            "slug": dslug,
            "title": localized(path, where + ".title", raw.get("title")),
            "description": localized(path, where + ".description", raw.get("description"), required=False),
            "strength": localized(path, where + ".strength", raw.get("strength"), required=False),
            "weakness": localized(path, where + ".weakness", raw.get("weakness"), required=False),
            "recommend": recommend,
            "statements": statements,
        })
    per_page = data.get("per_page", "dimension")
    if per_page != "dimension":
        raise ContentError(path, "per_page", "only 'dimension' (one page per dimension) is supported")
    return {
        "slug": slug,
        "title": localized(path, "title", data.get("title")),
        "intro": localized(path, "intro", data.get("intro"), required=False),
        "group": bool(data.get("group", False)),
        "bands": bands,
        "dimensions": dimensions,
    }


def load_instruments(content_dir: Path) -> list[dict]:
    modules = module_slugs(content_dir)
    seen: dict[str, Path] = {}
    return [
        parse_instrument(path, read_yaml(path), modules, seen)
        for path in _files(content_dir / "self_assessment")
    ]


def apply_instruments(definitions: list[dict], report: SyncReport) -> None:
    existing = {item.slug: item for item in Instrument.select()}
    for definition in definitions:
        slug = definition["slug"]
        digest = content_hash(definition)
        instrument = existing.pop(slug, None)
        if instrument is None:
            instrument = Instrument.create(slug=slug, title=definition["title"]["pl"], version=1)
            InstrumentVersion.create(instrument=instrument, number=1, content_hash=digest,
                                     definition=definition)
            report.created.append(f"instrument {slug}")
            continue
        versions = list(instrument.versions.order_by(InstrumentVersion.number))
        current = next((v for v in versions if v.number == instrument.version), None)
        if current is not None and current.content_hash == digest and not instrument.archived:
            report.unchanged.append(f"instrument {slug}")
            continue
        same = next((v for v in versions if v.content_hash == digest), None)
        if same is None:
            same = InstrumentVersion.create(
                instrument=instrument, number=(versions[-1].number if versions else 0) + 1,
                content_hash=digest, definition=definition,
            )
        fields: dict[str, Any] = {
            "title": definition["title"]["pl"], "archived": False, "version": same.number,
        }
        Instrument.update(**fields).where(Instrument.id == instrument.id).execute()
        report.updated.append(f"instrument {slug}")
    for slug, instrument in existing.items():
        if not instrument.archived:
            Instrument.update(archived=True).where(Instrument.id == instrument.id).execute()
            report.archived.append(f"instrument {slug}")


register(Loader("quizzes", load_quizzes, apply_quizzes))
register(Loader("self_assessment", load_instruments, apply_instruments))


def sync_own(content_dir: Path | str) -> SyncReport:
    """Sync only quizzes and instruments (tests, demo): validate both, then write both."""
    from models import write_transaction

    content_dir = Path(content_dir)
    quizzes, instruments = load_quizzes(content_dir), load_instruments(content_dir)
    report = SyncReport()
    with write_transaction():
        apply_quizzes(quizzes, report)
        apply_instruments(instruments, report)
    return report
