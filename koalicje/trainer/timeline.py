"""One learner's story: what they did, in order, and where they stopped.

Sources: module progress (started, watched or read, completed), quiz attempts, posts and,
when the quizzes area's model is present, self-assessments (`self_assessment_events`, the one
place to adapt). A fixed number of queries: one per source plus the modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN

import models
from koalicje.trainer.scope import active_modules, coalition_scope
from koalicje.web.labels import localized, module_title
from models import Coalition, Module, ModuleProgress, Post, Quiz, QuizAttempt, QuizVersion, User


@dataclass
class Event:
    at: datetime
    kind: str  # started | watched | completed | quiz | post | self_assessment
    title: str
    score: float | None = None
    passed: bool | None = None
    detail: str = ""


@dataclass
class StopPoint:
    """Where a learner stopped: a module in progress, the next module to start, or done."""

    kind: str  # in_progress | next | done
    module: Module | None = None
    since: datetime | None = None

    @property
    def title(self) -> str:
        return module_title(self.module) if self.module else ""


def stop_point(progress: Iterable[ModuleProgress], modules: list[Module]) -> StopPoint:
    """The most recently touched module in progress; else the first not completed; else done.

    `progress` rows of one learner; `modules` the active modules in path order.
    """
    active = {m.id: m for m in modules}
    rows = [p for p in progress if p.module_id in active]
    in_progress = sorted(
        (p for p in rows if p.status == "in_progress"), key=lambda p: p.updated_at, reverse=True
    )
    if in_progress:
        return StopPoint("in_progress", active[in_progress[0].module_id], in_progress[0].started_at)
    completed = {p.module_id for p in rows if p.status == "completed"}
    for module in modules:
        if module.id not in completed:
            return StopPoint("next", module)
    return StopPoint("done")


def self_assessment_events(user: User, viewer: User | None = None) -> list[Event]:
    """Submitted self-assessments, when the quizzes area's `SelfAssessment` model exists.

    The one place that reads that model: `submitted_at` (else `created_at`), the instrument's
    title and the coalition's name; drafts are left out. With `viewer`, only those made
    without a coalition or for a coalition the viewer oversees (like posts). One query.
    """
    model = getattr(models, "SelfAssessment", None)
    if model is None or not hasattr(model, "user"):
        return []
    from flask_babel import gettext as _

    instrument = getattr(models, "Instrument", None)
    columns = [model]
    if instrument is not None and hasattr(model, "instrument"):
        columns.append(instrument)
    if hasattr(model, "coalition"):
        columns.append(Coalition)
    version_model = getattr(models, "InstrumentVersion", None)
    if version_model is not None and hasattr(model, "instrument_version"):
        columns.append(version_model)
    query = model.select(*columns)
    if instrument in columns:
        query = query.join(instrument, on=(model.instrument == instrument.id)).switch(model)
    if version_model in columns:
        query = query.join(version_model, on=(model.instrument_version == version_model.id))
        query = query.switch(model)
    if Coalition in columns:
        query = query.join(Coalition, JOIN.LEFT_OUTER, on=(model.coalition == Coalition.id))
    query = query.where(model.user == user)
    if viewer is not None and Coalition in columns:
        query = query.where(model.coalition.is_null() | coalition_scope(viewer))
    if hasattr(model, "status"):
        query = query.where(model.status == "submitted")
    events = []
    for row in query:
        at = getattr(row, "submitted_at", None) or getattr(row, "created_at", None)
        if at is None:
            continue
        title = row.instrument.title if instrument in columns else _("Samoocena")
        version = row.instrument_version if version_model in columns else None
        if version is not None and isinstance(version.definition, dict):
            title = localized(version.definition.get("title") or title)
        coalition = row.coalition if Coalition in columns and row.coalition_id else None
        events.append(Event(at=at, kind="self_assessment", title=title,
                            detail=coalition.name if coalition else ""))
    return events


def timeline(user: User, viewer: User | None = None) -> tuple[list[Event], StopPoint]:
    """The learner's events, newest first, and where they stopped.

    With `viewer`, posts and self-assessments are limited to coalitions the viewer oversees
    (and the programme board), so a trainer does not read what belongs to another coalition;
    hidden posts are left out.
    """
    from flask_babel import gettext as _

    modules = active_modules()
    progress = list(
        ModuleProgress.select(ModuleProgress, Module)
        .join(Module)
        .where(ModuleProgress.user == user)
    )
    events: list[Event] = []
    for p in progress:
        title = module_title(p.module)
        events.append(Event(p.started_at, "started", title))
        if p.status == "completed" and p.completed_at:
            events.append(Event(p.completed_at, "completed", title))
        elif p.watched:
            events.append(Event(p.updated_at, "watched", title))
    attempts = (
        QuizAttempt.select(QuizAttempt, Quiz, QuizVersion)
        .join(Quiz)
        .switch(QuizAttempt)
        .join(QuizVersion)
        .where(QuizAttempt.user == user)
    )
    for a in attempts:
        # The title in the reader's language, from the version the attempt answered.
        title = localized(a.quiz_version.definition.get("title") or a.quiz.title)
        events.append(Event(a.created_at, "quiz", title, score=a.score, passed=a.passed))
    posts = (
        Post.select(Post, Coalition)
        .join(Coalition, JOIN.LEFT_OUTER)
        .where((Post.author == user) & Post.deleted_at.is_null() & Post.hidden_at.is_null())
    )
    if viewer is not None:
        posts = posts.where(Post.coalition.is_null() | coalition_scope(viewer))
    for post in posts:
        board = post.coalition.name if post.coalition_id else _("Tablica programu")
        events.append(Event(post.created_at, "post", post.title, detail=board))
    events += self_assessment_events(user, viewer)
    events.sort(key=lambda e: e.at, reverse=True)
    return events, stop_point(progress, modules)
