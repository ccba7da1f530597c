"""Factories for the trainer dashboard tests: modules, quizzes, progress and attempts."""

from __future__ import annotations

from datetime import datetime, timedelta

from models import Module, ModuleProgress, Quiz, QuizAttempt, QuizVersion, User, utcnow


def make_module(position: int, slug: str | None = None, quiz: bool = True,
                questions: int = 3, required: bool = True) -> Module:
    slug = slug or f"modul-{position}"
    module = Module.create(
        slug=slug, position=position, kind="reading", title_pl=f"Moduł {position}",
        title_en=f"Module {position}", quiz_slug=slug if quiz else None, required=required,
    )
    if quiz:
        q = Quiz.create(slug=slug, module_slug=slug, title=f"Test {position}")
        QuizVersion.create(
            quiz=q, number=1, content_hash="h",
            definition={"questions": [
                {"id": f"q{n}", "text": {"pl": f"Pytanie {n}", "en": f"Question {n}"}}
                for n in range(1, questions + 1)
            ]},
        )
    return module


def progress(user: User, module: Module, status: str, started: datetime | None = None,
             updated: datetime | None = None) -> ModuleProgress:
    now = utcnow()
    started = started or now
    updated = updated or started
    return ModuleProgress.create(
        user=user, module=module, status=status, watched=status == "completed",
        started_at=started, updated_at=updated,
        completed_at=updated if status == "completed" else None,
    )


def attempt(user: User, module: Module, results: dict[str, bool],
            at: datetime | None = None) -> QuizAttempt:
    quiz = Quiz.get(Quiz.slug == module.quiz_slug)
    version = quiz.versions.order_by(QuizVersion.number.desc()).first()
    score = sum(results.values()) / len(results)
    return QuizAttempt.create(
        user=user, quiz=quiz, quiz_version=version, results=results, answers={},
        score=score, passed=score >= quiz.pass_mark, created_at=at or utcnow(),
    )


def days_ago(days: float, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)
