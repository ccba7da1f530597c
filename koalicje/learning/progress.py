"""Learning progress: the single completion rule, and the learner's view of the path.

`refresh(user, module)` is the one place that decides whether a module is completed; the
quizzes area calls it after every attempt, the board area after a task post is created or
deleted, and this area after "watched/read" or watch tracking crosses the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import has_app_context

from koalicje import activity, kept
from koalicje.prepared import Prepared, prepared
from koalicje.rows import field_count, model_from_row
from models import (
    Module,
    ModuleProgress,
    Post,
    Quiz,
    QuizAttempt,
    User,
    WatchState,
    utcnow,
    write_transaction,
)

NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"


def _module(module: Module | str) -> Module | None:
    if isinstance(module, Module):
        return module
    return Module.get_or_none(Module.slug == module)


def active_quiz(module: Module) -> Quiz | None:
    """The module's quiz when one with that slug exists and is not archived."""
    if not module.quiz_slug:
        return None
    return Quiz.get_active(module.quiz_slug)


def quiz_passed(user: User, quiz: Quiz) -> bool:
    return (
        QuizAttempt.select()
        .where((QuizAttempt.user == user) & (QuizAttempt.quiz == quiz) & QuizAttempt.passed)
        .exists()
    )


def quiz_stats(user: User, quiz_ids: list[int]) -> dict[int, tuple[int, float | None, bool]]:
    """Per quiz id the user attempted: (attempts, best score, passed), in one aggregate query."""
    if not quiz_ids:
        return {}
    rows = _quiz_stats_query(user.id).where(QuizAttempt.quiz.in_(quiz_ids))
    return {quiz_id: (n, best, bool(passed)) for quiz_id, n, best, passed in rows}


def _quiz_stats_query(user_id: int):
    """(quiz id, attempts, best score, passed attempts) per quiz the user attempted; the
    caller adds which quizzes."""
    from peewee import Case, fn

    return (
        QuizAttempt.select(
            QuizAttempt.quiz,
            fn.COUNT(QuizAttempt.id),
            fn.MAX(QuizAttempt.score),
            # MAX over a boolean works on SQLite only; count passed attempts instead.
            fn.SUM(Case(None, [(QuizAttempt.passed == True, 1)], 0)),  # noqa: E712
        )
        .where(QuizAttempt.user == user_id)
        .group_by(QuizAttempt.quiz)
        .tuples()
    )


def task_done(user: User, module: Module) -> bool:
    return (
        Post.select()
        .where(
            (Post.author == user)
            & (Post.module_slug == module.slug)
            & Post.deleted_at.is_null()
        )
        .exists()
    )


def has_task(module: Module) -> bool:
    return bool((module.meta or {}).get("task"))


def refresh(user: User, module: Module | str) -> ModuleProgress:
    """Recompute and save `user`'s status in `module` (a Module or a slug).

    Completed when (a) watched/read, (b) the module's quiz, if a non-archived Quiz with that
    slug exists, has a passed attempt by the user, and (c) the module's task, if it has one,
    has a non-deleted Post by the user with that module slug. A learner with no activity in
    the module gets an unsaved row with status "not_started".
    """
    target = _module(module)
    if target is None:
        raise LookupError(f"no module {module!r}")
    with write_transaction():
        row = ModuleProgress.get_or_none(
            (ModuleProgress.user == user) & (ModuleProgress.module == target)
        )
        quiz = active_quiz(target)
        quiz_ok = quiz is None or quiz_passed(user, quiz)
        task_ok = not has_task(target) or task_done(user, target)
        watched = bool(row and row.watched)
        if row is None:
            attempted = quiz is not None and QuizAttempt.select().where(
                (QuizAttempt.user == user) & (QuizAttempt.quiz == quiz)
            ).exists()
            if not attempted and not (has_task(target) and task_ok):
                return ModuleProgress(user=user, module=target, status=NOT_STARTED)
            row = ModuleProgress(user=user, module=target, status=IN_PROGRESS)
        completed = watched and quiz_ok and task_ok
        status = COMPLETED if completed else IN_PROGRESS
        if row.id is None or row.status != status:
            row.status = status
            row.completed_at = (row.completed_at or utcnow()) if completed else None
            row.updated_at = utcnow()
            row.save()
            activity.touch(user, row.updated_at)
    return row


def refresh_for_module_slug(user: User, slug: str) -> ModuleProgress | None:
    """`refresh` by slug; None when no module has that slug."""
    module = Module.get_or_none(Module.slug == slug)
    return refresh(user, module) if module else None


def set_watched(user: User, module: Module, watched: bool = True) -> ModuleProgress:
    """Record that the learner watched/read the module (or undo it), then apply the rule."""
    with write_transaction():
        row, _ = ModuleProgress.get_or_create(
            user=user, module=module, defaults={"status": IN_PROGRESS}
        )
        if row.watched != watched:
            row.watched = watched
            row.updated_at = utcnow()
            row.save()
        activity.touch(user, row.updated_at)
    return refresh(user, module)


def touch(user: User, module: Module) -> ModuleProgress:
    """Note that the learner started the module (first play), without changing its status."""
    with write_transaction():
        row, created = ModuleProgress.get_or_create(
            user=user, module=module, defaults={"status": IN_PROGRESS}
        )
        if not created:
            row.updated_at = utcnow()
            row.save(only=[ModuleProgress.updated_at])
        activity.touch(user, row.updated_at)
    return row


# --- the learner's view of the path ------------------------------------------------------


@dataclass
class ModuleStatus:
    module: Module
    status: str = NOT_STARTED
    watched: bool = False
    watched_share: float = 0.0
    watch_position: float = 0.0
    missing: list[Module] = field(default_factory=list)  # prerequisites not yet completed
    quiz: Quiz | None = None
    quiz_passed: bool = False
    quiz_attempts: int = 0
    quiz_best: float | None = None
    task_done: bool = False
    updated_at: object = None
    is_next: bool = False
    preview: bool = False  # staff previewing: prerequisites are shown, not enforced

    @property
    def locked(self) -> bool:
        return bool(self.missing) and not self.preview

    @property
    def has_task(self) -> bool:
        return has_task(self.module)


@dataclass
class LearningPath:
    items: list[ModuleStatus]

    @property
    def required(self) -> list[ModuleStatus]:
        return [item for item in self.items if item.module.required]

    @property
    def completed_count(self) -> int:
        return sum(1 for item in self.required if item.status == COMPLETED)

    @property
    def total(self) -> int:
        return len(self.required)

    @property
    def percent(self) -> int:
        return round(100 * self.completed_count / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.total > 0 and self.completed_count == self.total

    @property
    def next(self) -> ModuleStatus | None:
        return next((item for item in self.items if item.is_next), None)

    def get(self, slug: str) -> ModuleStatus | None:
        return next((item for item in self.items if item.module.slug == slug), None)

    @property
    def resume(self) -> ModuleStatus | None:
        """The module the learner touched last and has not completed."""
        started = [i for i in self.items if i.status == IN_PROGRESS and not i.locked]
        return max(started, key=lambda i: i.updated_at) if started else None


# The path's queries, prepared (their SQL text built once, see koalicje/prepared.py). The
# lists of module ids, quiz slugs and quiz ids the path needs are written as subqueries over
# the active modules, so the text does not change with how many there are.


def _active_module_column(column):
    """The active modules' `column` (id, slug, quiz slug), as a subquery."""
    return Module.select(column).where(Module.not_archived())


def _path_quizzes_filter():
    """The filter "an active quiz some active module names", on Quiz."""
    slugs = _active_module_column(Module.quiz_slug).where(
        Module.quiz_slug.is_null(False) & (Module.quiz_slug != ""))
    return Quiz.slug.in_(slugs) & Quiz.not_archived()


@prepared
def _path_modules():
    return Module.active()


@prepared
def _path_progress(user_id: int):
    """(module id, status, watched, updated at) of the user's rows in active modules."""
    return ModuleProgress.select(
        ModuleProgress.module, ModuleProgress.status, ModuleProgress.watched,
        ModuleProgress.updated_at,
    ).where(
        (ModuleProgress.user == user_id)
        & ModuleProgress.module.in_(_active_module_column(Module.id))).tuples()


@prepared
def _path_watch(user_id: int):
    return WatchState.select().where(WatchState.user == user_id)


@prepared
def _path_quizzes():
    return Quiz.select().where(_path_quizzes_filter())


@prepared
def _path_quiz_stats(user_id: int):
    """`quiz_stats` of the path's quizzes (the same aggregate)."""
    return _quiz_stats_query(user_id).where(
        QuizAttempt.quiz.in_(Quiz.select(Quiz.id).where(_path_quizzes_filter())))


@prepared
def _path_task_posts(user_id: int):
    """The slugs of active modules the user posted in (the caller keeps those with a task)."""
    return Post.select(Post.module_slug).where(
        (Post.author == user_id) & Post.module_slug.in_(_active_module_column(Module.slug))
        & Post.deleted_at.is_null())


KEPT = "koalicje.learning.kept_rows"


def kept_rows(query: Prepared, model: type) -> list:
    """`query.rows()` of a parameterless `model.select()` query of curriculum rows, whose
    models are built again only when the rows' stored values change.

    Every call still runs the query (its rows as the driver gives them: about a quarter of
    what building and decoding the models costs); the models are kept per process in
    `app.extensions` with those values and given again while the values are the same, so a
    module edited or archived by content sync in another process shows at once. The kept
    models are shared by the requests: read them, never change them.
    """
    raw = query.fetchall()
    if not has_app_context():
        return query.rows()
    entries = kept.store(KEPT)
    entry = entries.get(query.name)
    if entry is not None and entry[0] == raw:
        return entry[1]
    return _keep(entries, query, model, raw)


def kept_companion(query: Prepared, member: Any) -> dict | None:
    """A dict that lives as long as the models `kept_rows(query, ...)` gives now, if
    `member` is one of them: what is made from those rows (a module's card) is kept there
    and goes when they change. None outside an app context or when `member` is not among
    the kept models (made from other rows)."""
    if not has_app_context():
        return None
    entry = kept.store(KEPT).get(query.name)
    if entry is None or not any(model is member for model in entry[1]):
        return None
    return entry[2]


def _keep(entries: dict, query: Prepared, model: type, raw: list) -> list:
    width = field_count(model)
    if any(len(row) != width for row in raw):
        raise TypeError(f"{query.name}: kept_rows needs every column of {model.__name__}")
    models = [model_from_row(model, row) for row in raw]
    entries[query.name] = (raw, models, {})
    return models


def learning_path(user: User, preview: bool = False) -> LearningPath:
    """Every active module with the user's status; a fixed number of queries.

    `preview`: trainers and admins may open every module (to check what they attached);
    prerequisites are still listed in `missing` but do not lock.
    """
    user_id = user.id
    modules = kept_rows(_path_modules, Module)
    rows = ({module_id: (status, watched, updated_at)
             for module_id, status, watched, updated_at in _path_progress.rows(user_id)}
            if modules else {})
    watch = {w.module_id: w for w in _path_watch.rows(user_id)}
    quiz_slugs = {m.quiz_slug for m in modules if m.quiz_slug}
    quizzes = {q.slug: q for q in kept_rows(_path_quizzes, Quiz)} if quiz_slugs else {}
    stats = ({quiz_id: (n, best, bool(passed))
              for quiz_id, n, best, passed in _path_quiz_stats.rows(user_id)}
             if quizzes else {})
    task_slugs = {m.slug for m in modules if has_task(m)}
    tasks = {
        p.module_slug for p in _path_task_posts.rows(user_id)
        if p.module_slug in task_slugs
    } if task_slugs else set()

    by_slug = {m.slug: m for m in modules}
    items = []
    for module in modules:
        row = rows.get(module.id)
        quiz = quizzes.get(module.quiz_slug) if module.quiz_slug else None
        items.append(ModuleStatus(
            module=module,
            status=row[0] if row else NOT_STARTED,
            watched=bool(row and row[1]),
            watched_share=watch[module.id].share if module.id in watch else 0.0,
            watch_position=watch[module.id].position if module.id in watch else 0.0,
            quiz=quiz,
            quiz_passed=bool(quiz and stats.get(quiz.id, (0, None, False))[2]),
            quiz_attempts=stats[quiz.id][0] if quiz and quiz.id in stats else 0,
            quiz_best=stats[quiz.id][1] if quiz and quiz.id in stats else None,
            task_done=module.slug in tasks,
            updated_at=row[2] if row else None,
            preview=preview,
        ))
    status_by_slug = {item.module.slug: item.status for item in items}
    for item in items:
        item.missing = [
            by_slug[slug] for slug in item.module.prerequisites or []
            if slug in by_slug and status_by_slug.get(slug) != COMPLETED
        ]
    upcoming = next(
        (i for i in items if i.status != COMPLETED and not i.locked and i.module.required),
        None,
    ) or next((i for i in items if i.status != COMPLETED and not i.locked), None)
    if upcoming:
        upcoming.is_next = True
    return LearningPath(items=items)
