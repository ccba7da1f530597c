"""Statistics: per module (for trainers, over the learners they oversee) and programme-wide.

Every function runs a fixed number of aggregate queries. Quiz definitions are read in one
place, `question_texts`, so a change in the quiz file format touches one function.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from peewee import fn

from koalicje.trainer.scope import memberships
from koalicje.web.labels import localized
from models import (
    ROUNDS,
    SECTORS,
    Coalition,
    Membership,
    Module,
    ModuleProgress,
    Quiz,
    QuizAttempt,
    QuizVersion,
    User,
    is_sqlite,
)

# --- module statistics ----------------------------------------------------------------------


@dataclass
class ModuleStats:
    module: Module
    learners: int
    completed: int
    attempts: int = 0
    average: float | None = None  # mean score of all attempts, 0..1
    best: float | None = None

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.learners if self.learners else None


@dataclass
class QuestionStats:
    id: str
    text: str
    answered: int
    correct: int

    @property
    def share(self) -> float | None:
        return self.correct / self.answered if self.answered else None


@dataclass
class ModuleDetail:
    stats: ModuleStats
    questions: list[QuestionStats] = field(default_factory=list)

    def difficult(self, limit: int = 3, below: float = 0.75) -> list[QuestionStats]:
        """The questions most often answered wrong (under `below` right), hardest first."""
        answered = [q for q in self.questions if q.share is not None and q.share < below]
        return sorted(answered, key=lambda q: (q.share, q.id))[:limit]


def _scoped_users(viewer: User):
    return memberships(viewer).select(User.id)


def module_stats(viewer: User) -> list[ModuleStats]:
    """Completion rate, average and best quiz score of every active module (4 queries)."""
    modules = list(Module.active())
    users = _scoped_users(viewer)
    learners = (
        Membership.select(fn.COUNT(fn.DISTINCT(Membership.user)))
        .where(Membership.user.in_(users))
        .scalar()
    ) or 0
    completed = dict(
        ModuleProgress.select(ModuleProgress.module, fn.COUNT(ModuleProgress.id))
        .where((ModuleProgress.status == "completed") & ModuleProgress.user.in_(users))
        .group_by(ModuleProgress.module)
        .tuples()
    )
    scores = {
        slug: (count, avg, best)
        for slug, count, avg, best in QuizAttempt.select(
            Quiz.slug, fn.COUNT(QuizAttempt.id), fn.AVG(QuizAttempt.score),
            fn.MAX(QuizAttempt.score),
        )
        .join(Quiz)
        .where(QuizAttempt.user.in_(users))
        .group_by(Quiz.slug)
        .tuples()
    }
    out = []
    for module in modules:
        count, avg, best = scores.get(module.quiz_slug, (0, None, None))
        out.append(
            ModuleStats(
                module=module, learners=learners, completed=completed.get(module.id, 0),
                attempts=count, average=None if avg is None else float(avg),
                best=None if best is None else float(best),
            )
        )
    return out


def question_texts(definition: Any, locale: str = "pl") -> list[tuple[str, str]]:
    """(question id, text) in order from a QuizVersion.definition.

    Expects `{"questions": [{"id": ..., "text": {"pl": ..., "en": ...} | str}, ...]}`;
    tolerates `prompt` for `text` and a missing id (then the position, from 1).
    """
    questions = definition.get("questions", []) if isinstance(definition, dict) else []
    out = []
    for position, question in enumerate(questions, start=1):
        if not isinstance(question, dict):
            continue
        qid = str(question.get("id", position))
        out.append((qid, localized(question.get("text", question.get("prompt", "")), locale)))
    return out


def module_detail(viewer: User, module: Module, locale: str = "pl") -> ModuleDetail:
    """One module's statistics and, per question, the share answered correctly."""
    stats = next(s for s in module_stats(viewer) if s.module.id == module.id)
    detail = ModuleDetail(stats=stats)
    if not module.quiz_slug:
        return detail
    answered: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    attempts = (
        QuizAttempt.select(QuizAttempt.results)
        .join(Quiz)
        .where((Quiz.slug == module.quiz_slug) & QuizAttempt.user.in_(_scoped_users(viewer)))
        .tuples()
    )
    for (results,) in attempts:
        for qid, ok in (results or {}).items():
            answered[str(qid)] += 1
            correct[str(qid)] += 1 if ok else 0
    texts: dict[str, str] = {}
    order: list[str] = []
    versions = (
        QuizVersion.select(QuizVersion.definition)
        .join(Quiz)
        .where(Quiz.slug == module.quiz_slug)
        .order_by(QuizVersion.number.desc())
        .tuples()
    )
    for (definition,) in versions:  # newest first: the current wording wins
        for qid, text in question_texts(definition, locale):
            if qid not in texts:
                texts[qid] = text
                order.append(qid)
    order += sorted(set(answered) - set(order))
    detail.questions = [
        QuestionStats(id=qid, text=texts.get(qid, qid), answered=answered[qid],
                      correct=correct[qid])
        for qid in order
        if answered[qid] or qid in texts
    ]
    return detail


# --- programme statistics -------------------------------------------------------------------


def coalitions_per_round() -> dict[int, int]:
    counts = dict(
        Coalition.select(Coalition.round, fn.COUNT(Coalition.id))
        .group_by(Coalition.round)
        .tuples()
    )
    return {r: counts.get(r, 0) for r in ROUNDS}


def members_by_sector(round_: int | None = None) -> dict[str, int]:
    query = Membership.select(Membership.sector, fn.COUNT(Membership.id)).join(Coalition)
    if round_ is not None:
        query = query.where(Coalition.round == round_)
    counts = dict(query.group_by(Membership.sector).tuples())
    return {s: counts.get(s, 0) for s in SECTORS}


def _month(field_):
    if is_sqlite():
        return fn.strftime("%Y-%m", field_)
    return fn.to_char(field_, "YYYY-MM")


def completions_by_month() -> list[tuple[str, int]]:
    """Modules completed per calendar month (YYYY-MM), months without any filled with 0."""
    month = _month(ModuleProgress.completed_at)
    counts = dict(
        ModuleProgress.select(month, fn.COUNT(ModuleProgress.id))
        .where((ModuleProgress.status == "completed") & ModuleProgress.completed_at.is_null(False))
        .group_by(month)
        .tuples()
    )
    if not counts:
        return []
    keys = sorted(counts)
    year, mon = map(int, keys[0].split("-"))
    last = keys[-1]
    out = []
    while True:
        key = f"{year:04d}-{mon:02d}"
        out.append((key, counts.get(key, 0)))
        if key >= last:
            break
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return out
