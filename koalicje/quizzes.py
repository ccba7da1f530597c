"""Module quizzes: option order, grading, attempts and the best result.

Plain functions over the models; the views only parse the form and call these.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from koalicje import activity
from koalicje.learning import progress
from koalicje.prepared import prepared
from koalicje.web.labels import localized
from models import Quiz, QuizAttempt, QuizVersion, User, utcnow, write_transaction

# --- option order -------------------------------------------------------------------------


def attempt_seed(user_id: int, quiz_slug: str, number: int) -> int:
    """A seed fixed by who answers, which quiz and which attempt (1 = first)."""
    digest = hashlib.sha256(f"{user_id}:{quiz_slug}:{number}".encode()).hexdigest()
    return int(digest[:16], 16)


def ordered_questions(definition: dict, seed: int) -> list[dict]:
    """The questions with their options in the order shown for one attempt.

    Options of choice questions are shuffled with the attempt's seed (the same order on
    every render of that attempt); true/false keeps "Prawda, Fałsz".
    """
    rng = random.Random(seed)
    out = []
    for question in definition["questions"]:
        options = list(question["options"])
        if question["type"] != "true_false":
            rng.shuffle(options)
        out.append({**question, "options": options})
    return out


def next_attempt_number(user: User, quiz: Quiz) -> int:
    return (
        QuizAttempt.select()
        .where((QuizAttempt.user == user) & (QuizAttempt.quiz == quiz))
        .count()
        + 1
    )


def attempt_number(attempt: QuizAttempt) -> int:
    """1 for the user's first attempt at that quiz, 2 for the second, ..."""
    return (
        QuizAttempt.select()
        .where(
            (QuizAttempt.user == attempt.user_id)
            & (QuizAttempt.quiz == attempt.quiz_id)
            & (QuizAttempt.id <= attempt.id)
        )
        .count()
    )


# --- grading ------------------------------------------------------------------------------


@dataclass
class Grade:
    answers: dict[str, list[str]]
    results: dict[str, bool]
    score: float  # share of questions right, 0..1
    passed: bool
    missing: list[str] = field(default_factory=list)  # unanswered question ids


def parse_answers(definition: dict, form: Any) -> tuple[dict[str, list[str]], list[str]]:
    """Chosen option ids per question from a form (`q-<id>` fields); unknown ids dropped.

    Returns (answers, ids of unanswered questions).
    """
    answers: dict[str, list[str]] = {}
    missing: list[str] = []
    for question in definition["questions"]:
        valid = {option["id"] for option in question["options"]}
        values = form.getlist(f"q-{question['id']}") if hasattr(form, "getlist") else (
            form.get(f"q-{question['id']}") or []
        )
        if isinstance(values, str):
            values = [values]
        chosen = sorted({value for value in values if value in valid})
        if question["type"] != "multiple":
            chosen = chosen[:1]
        if chosen:
            answers[question["id"]] = chosen
        else:
            missing.append(question["id"])
    return answers, missing


def is_correct(question: dict, chosen: list[str]) -> bool:
    """Single and true/false: the one right option. Multiple: exactly the right set."""
    right = {option["id"] for option in question["options"] if option["correct"]}
    return set(chosen) == right


def grade(definition: dict, answers: dict[str, list[str]]) -> Grade:
    results = {
        question["id"]: is_correct(question, answers.get(question["id"], []))
        for question in definition["questions"]
    }
    total = len(results) or 1
    score = sum(results.values()) / total
    passed = score * 100 >= definition["pass_mark"] - 1e-9
    return Grade(answers=answers, results=results, score=score, passed=passed)


# --- attempts -----------------------------------------------------------------------------


def current_version(quiz: Quiz) -> QuizVersion:
    return QuizVersion.get((QuizVersion.quiz == quiz) & (QuizVersion.number == quiz.version))


def version_for(quiz: Quiz, number: str | None) -> QuizVersion:
    """The version a form was shown with (so an edit meanwhile does not mix questions up),
    else the current one."""
    if number and number.isdigit():
        found = QuizVersion.get_or_none(
            (QuizVersion.quiz == quiz) & (QuizVersion.number == int(number))
        )
        if found is not None:
            return found
    return current_version(quiz)


def record_attempt(user: User, quiz: Quiz, version: QuizVersion,
                   answers: dict[str, list[str]]) -> QuizAttempt:
    """Grade and store an attempt, then let the learning path recompute the module."""
    result = grade(version.definition, answers)
    with write_transaction():
        attempt = QuizAttempt.create(
            user=user, quiz=quiz, quiz_version=version, answers=result.answers,
            results=result.results, score=result.score, passed=result.passed,
            created_at=utcnow(),
        )
        activity.touch(user, attempt.created_at)
    refresh_module(user, quiz)
    return attempt


def refresh_module(user: User, quiz: Quiz) -> None:
    """Recompute the quiz's module with the single completion rule (learning area)."""
    if quiz.module_slug:
        progress.refresh_for_module_slug(user, quiz.module_slug)


def attempts_of(user: User, quiz: Quiz) -> list[QuizAttempt]:
    return _attempts_of.rows(user.id, quiz.id)


@prepared
def _attempts_of(user_id: int, quiz_id: int):
    return (
        QuizAttempt.select()
        .where((QuizAttempt.user == user_id) & (QuizAttempt.quiz == quiz_id))
        .order_by(QuizAttempt.created_at.desc(), QuizAttempt.id.desc())
    )


def key_revealed(attempts: list[QuizAttempt], reveal_after: int) -> bool:
    """Whether the result page may show the correct answers: once the learner has passed
    the quiz, or after `reveal_after` attempts (0 or less: never before a pass)."""
    if any(a.passed for a in attempts):
        return True
    return reveal_after > 0 and len(attempts) >= reveal_after


def best_attempt(attempts: list[QuizAttempt]) -> QuizAttempt | None:
    """The attempt that counts: the highest score, the earliest of equals."""
    if not attempts:
        return None
    return max(attempts, key=lambda a: (a.score, -a.id))


@dataclass
class QuizStatus:
    quiz: Quiz
    attempts: int
    best_score: float | None
    passed: bool


def statuses(user: User, quizzes: list[Quiz]) -> dict[int, QuizStatus]:
    """Per quiz: number of attempts, best score, passed — in one aggregate query."""
    found = progress.quiz_stats(user, [q.id for q in quizzes])
    out = {}
    for quiz in quizzes:
        attempts, best, passed = found.get(quiz.id, (0, None, False))
        out[quiz.id] = QuizStatus(quiz=quiz, attempts=attempts, best_score=best, passed=passed)
    return out


def module_status(item: progress.ModuleStatus) -> QuizStatus | None:
    """The status of a module's quiz from the learner's path (which read it already)."""
    if item.quiz is None:
        return None
    return QuizStatus(quiz=item.quiz, attempts=item.quiz_attempts, best_score=item.quiz_best,
                      passed=item.quiz_passed)


def with_current_version(query: Any) -> Any:
    """`query` (of Quiz) with each quiz's current QuizVersion joined as `.current`."""
    return query.select_extend(*QuizVersion._meta.sorted_fields).join(
        QuizVersion, on=((QuizVersion.quiz == Quiz.id) & (QuizVersion.number == Quiz.version)),
        attr="current")


def active_with_current_version(slug: str) -> Quiz | None:
    """The active quiz with this slug, with `.current` (its current QuizVersion), or None."""
    return _active_with_current_version.first(slug)


@prepared
def _active_with_current_version(slug: str):
    return with_current_version(Quiz.active()).where(Quiz.slug == slug).limit(1)


def active_quizzes() -> list[Quiz]:
    """Active quizzes, each with `.current` (its current QuizVersion), in one query."""
    return list(with_current_version(Quiz.select().where(Quiz.not_archived())).order_by(Quiz.id))


def title(quiz: Quiz, locale: str) -> str:
    """The quiz title in `locale` (from its current version when loaded with it)."""
    current = getattr(quiz, "current", None)
    return localized(current.definition["title"], locale) if current else quiz.title


@dataclass(frozen=True)
class Tally:
    passed: int
    total: int


def tally(user: User) -> Tally:
    """How many of the active quizzes (`active_quizzes`) the user has passed: what the home
    page shows, in one query (not the quizzes' definitions, positions and scores)."""
    row = _tally.first(user.id)
    total, passed = row if row else (0, 0)
    return Tally(passed=int(passed or 0), total=int(total or 0))


@prepared
def _tally(user_id: int):
    """(active quizzes, those the user passed): `tally`'s query, its SQL text built once."""
    from peewee import Case, fn

    passed_ids = QuizAttempt.select(QuizAttempt.quiz).where(
        (QuizAttempt.user == user_id) & QuizAttempt.passed)
    return (
        Quiz.select(fn.COUNT(Quiz.id), fn.SUM(Case(None, [(Quiz.id.in_(passed_ids), 1)], 0)))
        .join(QuizVersion, on=(
            (QuizVersion.quiz == Quiz.id) & (QuizVersion.number == Quiz.version)
        ))
        .where(Quiz.not_archived())
        .tuples()
    )


def overview(user: User) -> list[QuizStatus]:
    """The user's active quizzes in the order of their modules, each with its status."""
    from models import Module

    positions = dict(Module.select(Module.slug, Module.position).tuples())
    items = sorted(active_quizzes(), key=lambda q: positions.get(q.module_slug, len(positions) + 1))
    status = statuses(user, items)
    return [status[q.id] for q in items]
