"""When each person last did something: one stamp per user, `User.last_active_at`.

What counts as activity (`SOURCES`): module progress (`updated_at`), watching a recording
(`WatchState.updated_at`), a quiz attempt, a self-assessment (draft or submitted,
`updated_at`), a post and a comment (`created_at`; deleted ones do not count). The stamp is
the latest of them, NULL for someone who never did anything.

Every write that adds or moves one of these calls `touch` (or, when something stops
counting, `recompute`) inside its own write transaction, so the stamp commits or rolls back
with the write. The trainer's overview, matrix and nudges read the column instead of taking
MAX() over the big tables on every request. `recount` (`flask db recount`) recomputes every
stamp from scratch and repairs those that differ; `from_scratch` is the rule itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from peewee import fn

from koalicje.rows import to_datetime
from models import (
    Comment,
    ModuleProgress,
    Post,
    QuizAttempt,
    SelfAssessment,
    User,
    WatchState,
)


def _sources():
    """(user column, timestamp column, extra condition) of every kind of activity."""
    return (
        (ModuleProgress.user, ModuleProgress.updated_at, None),
        (WatchState.user, WatchState.updated_at, None),
        (QuizAttempt.user, QuizAttempt.created_at, None),
        (SelfAssessment.user, SelfAssessment.updated_at, None),
        (Post.author, Post.created_at, Post.deleted_at.is_null()),
        (Comment.author, Comment.created_at, Comment.deleted_at.is_null()),
    )


SOURCES = ("progress", "watching", "quiz attempt", "self-assessment", "post", "comment")


def touch(user: User | int, when: datetime) -> None:
    """Something `user` did at `when`: move the stamp forward (never back). One UPDATE;
    call it inside the write's transaction."""
    user_id = user if isinstance(user, int) else user.id
    User.update(last_active_at=when).where(
        (User.id == user_id) & (User.last_active_at.is_null() | (User.last_active_at < when))
    ).execute()


def from_scratch(user_ids: Iterable[int] | None = None) -> dict[int, datetime]:
    """The stamp of each user who did anything, computed from the rows themselves (one
    grouped query per source); only `user_ids` when given."""
    ids = None if user_ids is None else list(user_ids)
    out: dict[int, datetime] = {}
    for user_field, at_field, condition in _sources():
        query = user_field.model.select(user_field, fn.MAX(at_field)).group_by(user_field)
        if condition is not None:
            query = query.where(condition)
        if ids is not None:
            query = query.where(user_field.in_(ids))
        for user_id, value in query.tuples():
            when = to_datetime(value)
            if when is not None and (user_id not in out or when > out[user_id]):
                out[user_id] = when
    return out


def recompute(user_ids: Iterable[int]) -> None:
    """Set the stamps of these users from scratch (after something stopped counting, e.g. a
    deleted post); call it inside the write's transaction."""
    ids = list(user_ids)
    expected = from_scratch(ids)
    for user_id in ids:
        User.update(last_active_at=expected.get(user_id)).where(User.id == user_id).execute()


def recount() -> int:
    """Recompute every stamp from scratch and repair those that differ; returns how many
    were repaired. For `flask db recount`, the migration that added the column, and bulk
    loads that write rows directly (demo and benchmark data)."""
    from models import write_transaction

    with write_transaction():
        expected = from_scratch()
        stored = dict(User.select(User.id, User.last_active_at).tuples())
        wrong = {user_id: expected.get(user_id) for user_id, value in stored.items()
                 if to_datetime(value) != expected.get(user_id)}
        by_value: dict[datetime | None, list[int]] = {}
        for user_id, value in wrong.items():
            by_value.setdefault(value, []).append(user_id)
        for value, ids in by_value.items():
            for start in range(0, len(ids), 500):
                User.update(last_active_at=value).where(
                    User.id.in_(ids[start:start + 500])).execute()
    return len(wrong)
