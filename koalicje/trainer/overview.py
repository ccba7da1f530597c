"""The trainer's overview: per coalition, members, completion, last activity and what needs
attention; plus the coalition self-assessment profile from the quizzes area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from math import ceil
from typing import Any

from peewee import JOIN, fn

from koalicje import self_assessment
from koalicje.trainer import nudges as nudge_rules
from koalicje.trainer.nudges import Nudge
from koalicje.trainer.scope import (
    local_date,
    required_module_count,
    scoped_coalitions,
    to_datetime,
)
from koalicje.trainer.visits import overdue_steps
from koalicje.workshop.stages import stages_of
from models import (
    Coalition,
    Membership,
    Module,
    ModuleProgress,
    NextStep,
    User,
    Visit,
    utcnow,
)

PER_PAGE = 20


@dataclass
class CoalitionSummary:
    coalition: Coalition
    members: int = 0
    completed_modules: int = 0
    required: int = 0
    last_activity: datetime | None = None
    nudges: int = 0
    overdue: int = 0
    profile: Any = None
    workshop: Any = None  # koalicje.workshop.stages.Stage

    @property
    def completion(self) -> float | None:
        """Share of required modules completed, over all members (0..1)."""
        possible = self.members * self.required
        return self.completed_modules / possible if possible else None


@dataclass(frozen=True)
class OverdueStep:
    """What the overview shows of an overdue next step (plain values, not four models)."""

    coalition_id: int
    coalition_slug: str
    coalition_name: str
    description: str
    owner_label: str
    due_date: date


@dataclass
class Overview:
    summaries: list[CoalitionSummary]
    nudges: list[Nudge]  # the first few of the list (the whole list is the nudges page)
    nudge_count: int  # everyone who needs a nudge
    overdue: list[OverdueStep]
    total_coalitions: int
    page: int = 1
    per_page: int = PER_PAGE
    learners: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total_coalitions / self.per_page))


def build(viewer: User, page: int = 1, now: datetime | None = None,
          with_profiles: bool = True) -> Overview:
    now = now or utcnow()
    everything = scoped_coalitions(viewer)
    total = everything.count()
    page = max(1, min(page, max(1, ceil(total / PER_PAGE))))
    coalitions = list(everything.paginate(page, PER_PAGE))
    ids = [c.id for c in coalitions]
    modules = list(Module.active())
    required = required_module_count(modules)
    members, last = _members_and_last_activity(ids)
    # the required modules by id (read above) rather than joined: half the query's time
    counted = [m.id for m in modules if m.required]
    completed = dict(
        Membership.select(Membership.coalition, fn.COUNT(ModuleProgress.id))
        .join(User)
        .join(ModuleProgress, on=(ModuleProgress.user == User.id))
        .where(
            Membership.coalition.in_(ids)
            & User.enabled()
            & (ModuleProgress.status == "completed")
            & ModuleProgress.module.in_(counted)
        )
        .group_by(Membership.coalition)
        .tuples()
    ) if ids else {}
    nudges = nudge_rules.summary(viewer, ids, now=now, modules=modules)
    overdue = _overdue(viewer, local_date(now))
    summaries = {
        c.id: CoalitionSummary(coalition=c, members=members.get(c.id, 0),
                               completed_modules=completed.get(c.id, 0), required=required)
        for c in coalitions
    }
    for cid, count in nudges.by_coalition.items():
        summaries[cid].nudges = count
    for step in overdue:
        if step.coalition_id in summaries:
            summaries[step.coalition_id].overdue += 1
    profiles = self_assessment.coalition_profiles(coalitions) if with_profiles else {}
    workshop = stages_of(ids)
    for cid, summary in summaries.items():
        summary.last_activity = last.get(cid)
        summary.profile = profiles.get(cid)
        summary.workshop = workshop[cid]
    learners = (
        Membership.select(fn.COUNT(fn.DISTINCT(Membership.user)))
        .join(User)
        .where(Membership.coalition.in_(everything.select(Coalition.id))
               & User.enabled())
        .scalar()
    ) or 0
    return Overview(summaries=[summaries[c.id] for c in coalitions], nudges=nudges.first,
                    nudge_count=nudges.total, overdue=overdue, total_coalitions=total, page=page, learners=learners)


def _overdue(viewer: User, today: date | None) -> list[OverdueStep]:
    """`overdue_steps` (the rule, used as a subquery) as plain values: the overview lists
    every overdue step of its scope, and four model instances per step cost more than the
    query."""
    owner = User.alias()
    rows = (
        NextStep.select(Coalition.id, Coalition.slug, Coalition.name, NextStep.description,
                        NextStep.owner_user, owner.name, NextStep.owner_name, NextStep.due_date)
        .join(Visit)
        .join(Coalition)
        .switch(NextStep)
        .join(owner, JOIN.LEFT_OUTER, on=(NextStep.owner_user == owner.id))
        .where(NextStep.id.in_(overdue_steps(viewer, today=today).select(NextStep.id)))
        .order_by(NextStep.due_date, NextStep.id)
        .tuples()
    )
    # the label as NextStep.owner_label gives it: the member's name, else the named person
    return [OverdueStep(cid, slug, name, description, user_name if owner_id else other, due)
            for cid, slug, name, description, owner_id, user_name, other, due in rows]


def _members_and_last_activity(ids: list[int]) -> tuple[dict[int, int], dict[int, datetime]]:
    """Per coalition, how many enabled members it has and their latest stamp (one grouped
    query)."""
    if not ids:
        return {}, {}
    rows = (
        Membership.select(Membership.coalition, fn.COUNT(Membership.id), fn.MAX(User.last_active_at))
        .join(User, on=(Membership.user == User.id))
        .where(Membership.coalition.in_(ids) & User.enabled())
        .group_by(Membership.coalition)
        .tuples()
    )
    members: dict[int, int] = {}
    last: dict[int, datetime] = {}
    for cid, count, value in rows:
        members[cid] = count
        if (when := to_datetime(value)) is not None:
            last[cid] = when
    return members, last
