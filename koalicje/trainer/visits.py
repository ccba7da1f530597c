"""The visit log: a trainer's visits to a coalition and the next steps agreed at them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from peewee import JOIN, prefetch

from koalicje.trainer.scope import coalition_scope, local_today
from models import (
    VISIT_PURPOSES,
    Coalition,
    NextStep,
    User,
    Visit,
    utcnow,
    write_transaction,
)

PURPOSE_LABELS = {
    "local_need": _l("analiza lokalnego problemu lub potrzeby"),
    "partner_potential": _l("analiza potencjału partnerów"),
    "workshop": _l("warsztat"),
    "study_visit": _l("wizyta studyjna"),
}
assert set(PURPOSE_LABELS) == set(VISIT_PURPOSES)


@dataclass
class StepInput:
    description: str
    owner_user: User | None = None
    owner_name: str = ""
    due_date: date | None = None


def record_visit(coalition: Coalition, trainer: User, when: date, purpose: str, notes: str,
                 steps: list[StepInput]) -> Visit:
    if purpose not in VISIT_PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    with write_transaction():
        visit = Visit.create(coalition=coalition, trainer=trainer, date=when, purpose=purpose,
                             notes=notes)
        for step in steps:
            NextStep.create(visit=visit, description=step.description,
                            owner_user=step.owner_user, owner_name=step.owner_name,
                            due_date=step.due_date)
    return visit


def visits_of(coalition: Coalition) -> list[Visit]:
    """The coalition's visits, newest first, each with `.next_steps` loaded (3 queries)."""
    visit_query = (
        Visit.select(Visit, User)
        .join(User, JOIN.LEFT_OUTER, on=(Visit.trainer == User.id))
        .where(Visit.coalition == coalition)
        .order_by(Visit.date.desc(), Visit.id.desc())
    )
    owner = User.alias()
    step_query = (
        NextStep.select(NextStep, owner)
        .join(owner, JOIN.LEFT_OUTER, on=(NextStep.owner_user == owner.id))
        .order_by(NextStep.due_date.asc(nulls="LAST"), NextStep.id)
    )
    return prefetch(visit_query, step_query)


def overdue_steps(viewer: User, today: date | None = None):
    """Open next steps past their due date in the coalitions `viewer` oversees."""
    today = today or local_today()
    owner = User.alias()
    return (
        NextStep.select(NextStep, Visit, Coalition, owner)
        .join(Visit)
        .join(Coalition)
        .switch(NextStep)
        .join(owner, JOIN.LEFT_OUTER, on=(NextStep.owner_user == owner.id))  # no query per owner
        .where(coalition_scope(viewer) & (NextStep.done == False)  # noqa: E712
               & (NextStep.due_date < today))
        .order_by(NextStep.due_date, NextStep.id)
    )


def is_overdue(step: NextStep, today: date | None = None) -> bool:
    today = today or local_today()
    return bool(not step.done and step.due_date and step.due_date < today)


def mark_done(step: NextStep, user: User, done: bool = True) -> None:
    with write_transaction():
        step.done = done
        step.done_at = utcnow() if done else None
        step.done_by = user if done else None
        step.save()
