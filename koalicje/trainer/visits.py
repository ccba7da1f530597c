"""The visit log: a trainer's visits to a coalition and the next steps agreed at them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from peewee import JOIN, Expression

from koalicje.prepared import prepared
from koalicje.trainer.scope import coalition_scope, local_today
from koalicje.web.markdown import render_markdown
from models import (
    VISIT_PURPOSES,
    Coalition,
    Meeting,
    Membership,
    NextStep,
    PlanAction,
    User,
    Visit,
    utcnow,
    write_transaction,
)


@dataclass
class StepInput:
    description: str
    owner_user: User | int | None = None  # a member, or a member's id (from a form)
    owner_name: str = ""  # someone without an account (ignored when owner_user is set)
    due_date: date | None = None


def members(coalition: Coalition) -> list[User]:
    """The people who may own a next step: the coalition's members, by name (one query)."""
    return _members.rows(coalition.id)


@prepared
def _members(coalition_id: int):
    return (
        User.select(User.id, User.name)
        .join(Membership)
        .where(Membership.coalition == coalition_id)
        .order_by(User.name)
    )


def record_visit(coalition: Coalition, trainer: User, when: date, purpose: str, notes: str,
                 steps: list[StepInput], link: tuple[str, int] | None = None) -> Visit:
    """A visit and its next steps; the notes (Markdown) are rendered here, once, and kept
    beside their source. An owner given by id must be a member of the coalition
    (else the step has no owner); owners are looked up in one query, not one per step.
    `link`: ("meeting", id) or ("action", id) of the coalition's workshop (see
    koalicje.workshop.plan.visit_links)."""
    if purpose not in VISIT_PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    kind, target = link or (None, None)
    ids = {step.owner_user for step in steps if isinstance(step.owner_user, int)}
    owners = {user.id: user for user in members(coalition) if user.id in ids} if ids else {}
    with write_transaction():
        visit = Visit.create(coalition=coalition, trainer=trainer, date=when, purpose=purpose,
                             notes=notes, notes_html=render_markdown(notes),
                             meeting=target if kind == "meeting" else None,
                             action=target if kind == "action" else None)
        for step in steps:
            owner = step.owner_user
            if isinstance(owner, int):
                owner = owners.get(owner)
            NextStep.create(visit=visit, description=step.description,
                            owner_user=owner, owner_name="" if owner else step.owner_name,
                            due_date=step.due_date)
    return visit


def visits_of(coalition: Coalition) -> list[Visit]:
    """The coalition's visits, newest first, each with `.next_steps` (due first) loaded.

    One query (its SQL text built once, `koalicje.prepared`): the visits joined to their
    steps (a visit with none comes once, without a step), their trainer's and the steps'
    owners' names, and the workshop meeting or action they are linked to."""
    out: list[Visit] = []
    for row in _visits.rows(coalition.id):
        if not out or out[-1].id != row.id:
            row.next_steps = []
            out.append(row)
        step = getattr(row, "step", None)
        if step is not None and step.id is not None:
            out[-1].next_steps.append(step)
    return out


@prepared
def _visits(coalition_id: int):
    trainer, owner = User.alias(), User.alias()
    return (
        Visit.select(Visit, trainer.id, trainer.name, Meeting.id, Meeting.title,
                     PlanAction.id, PlanAction.title, NextStep, owner.id, owner.name)
        .join(trainer, JOIN.LEFT_OUTER, on=(Visit.trainer == trainer.id), attr="trainer")
        .switch(Visit).join(Meeting, JOIN.LEFT_OUTER, on=(Visit.meeting == Meeting.id))
        .switch(Visit).join(PlanAction, JOIN.LEFT_OUTER, on=(Visit.action == PlanAction.id))
        .switch(Visit).join(NextStep, JOIN.LEFT_OUTER, on=(NextStep.visit == Visit.id),
                            attr="step")
        .join(owner, JOIN.LEFT_OUTER, on=(NextStep.owner_user == owner.id), attr="owner_user")
        .where(Visit.coalition == coalition_id)
        .order_by(Visit.date.desc(), Visit.id.desc(), NextStep.due_date.asc(nulls="LAST"),
                  NextStep.id)
    )


def overdue_steps(viewer: User, today: date | None = None):
    """Open next steps past their due date in the coalitions `viewer` oversees."""
    return overdue_steps_of(coalition_scope(viewer), today or local_today())


def overdue_steps_of(scope: Expression, today: date | str):
    """`overdue_steps` in the coalitions of `scope` (a condition on Coalition), before
    `today` (a date, or its ISO text in a prepared query)."""
    owner = User.alias()
    return (
        NextStep.select(NextStep, Visit, Coalition, owner)
        .join(Visit)
        .join(Coalition)
        .switch(NextStep)
        .join(owner, JOIN.LEFT_OUTER, on=(NextStep.owner_user == owner.id))  # no query per owner
        .where(overdue_condition(scope, today))
        .order_by(NextStep.due_date, NextStep.id)
    )


def overdue_condition(scope: Expression, today: date | str) -> Expression:
    """The rule of `overdue_steps_of` as a condition on NextStep joined to its Visit's
    Coalition: open, due before `today`, in the coalitions of `scope`."""
    return scope & (NextStep.done == False) & (NextStep.due_date < today)  # noqa: E712


def is_overdue(step: NextStep, today: date | None = None) -> bool:
    today = today or local_today()
    return bool(not step.done and step.due_date and step.due_date < today)


def mark_done(step: NextStep, user: User, done: bool = True) -> None:
    with write_transaction():
        step.done = done
        step.done_at = utcnow() if done else None
        step.done_by = user if done else None
        step.save()
