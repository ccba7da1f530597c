"""Data for the learning-path tests: modules, quizzes, attempts, task posts, media files."""

from __future__ import annotations

import itertools
from pathlib import Path

from models import Module, Post, Quiz, QuizAttempt, QuizVersion, User

_n = itertools.count(1)


def make_module(slug: str | None = None, position: int | None = None, *, kind: str = "reading",
                quiz_slug: str | None = None, prerequisites: list[str] | None = None,
                task: bool = False, video: dict | None = None, required: bool = True,
                materials: list | None = None, **fields) -> Module:
    n = next(_n)
    meta = {"presenters": [], "materials": materials or []}
    if video:
        meta["video"] = video
    if task:
        meta["task"] = {"title": {"pl": "Zadanie", "en": "Task"},
                        "prompt": {"pl": "Napisz", "en": "Write"}, "category": "event"}
    data = dict(
        slug=slug or f"modul-{n}", position=position or n, kind=kind,
        title_pl=f"Moduł {n}", title_en=f"Module {n}", summary_pl="Opis modułu",
        summary_en="Module summary", body="## Nagłówek\n\nTreść modułu.", meta=meta,
        quiz_slug=quiz_slug, prerequisites=prerequisites or [], required=required,
        estimated_minutes=10,
    )
    data.update(fields)
    return Module.create(**data)


def make_quiz(slug: str, archived: bool = False) -> Quiz:
    quiz = Quiz.create(slug=slug, module_slug=slug, title=f"Quiz {slug}", archived=archived)
    QuizVersion.create(quiz=quiz, number=1, content_hash="h", definition={})
    return quiz


def attempt(user: User, quiz: Quiz, passed: bool) -> QuizAttempt:
    version = QuizVersion.get(QuizVersion.quiz == quiz)
    return QuizAttempt.create(user=user, quiz=quiz, quiz_version=version,
                              score=1.0 if passed else 0.2, passed=passed)


def task_post(user: User, module: Module, deleted: bool = False) -> Post:
    from models import utcnow

    return Post.create(author=user, title="Plan spotkania", body_source="Plan",
                       body_html="<p>Plan</p>", category="event", module_slug=module.slug,
                       deleted_at=utcnow() if deleted else None)


def write_content_file(upload_dir: str | Path, name: str, data: bytes) -> Path:
    folder = Path(upload_dir) / "content"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path
