"""The trainer's overview: per coalition, members, completion, last activity and what needs
attention; plus the coalition self-assessment profile from the quizzes area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from math import ceil
from typing import Any, NamedTuple

from peewee import JOIN, fn

from koalicje import self_assessment
from koalicje.prepared import padded_ids, prepared
from koalicje.rows import to_datetime
from koalicje.trainer import nudges as nudge_rules
from koalicje.trainer.nudges import Nudge
from koalicje.trainer.scope import (
    local_date,
    local_today,
    required_module_count,
    scope_args,
    scope_condition,
    scope_key,
)
from koalicje.trainer.visits import overdue_condition
from koalicje.workshop.stages import stages_of
from models import (
    Coalition,
    CoalitionFigures,
    Module,
    NextStep,
    User,
    Visit,
    utcnow,
)

PER_PAGE = 20


class PageCoalition(NamedTuple):
    """What the overview shows of a coalition of its page (`_scope_page`'s columns)."""

    id: int
    slug: str
    name: str
    gmina: str
    voivodeship: str
    round: int


@dataclass
class CoalitionSummary:
    # from `build`: a PageCoalition (id, slug, name, gmina, voivodeship and round)
    coalition: Any
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


class OverdueStep(NamedTuple):
    """What the overview shows of an overdue next step (plain values, not four models; a
    tuple: made and hashed in C, the page keeps each step's markup by it)."""

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
    # The scope's queries are prepared per kind of viewer (admin, trainer, anyone else).
    key, scope = scope_key(viewer), scope_args(viewer)
    total = _scope_count.fetchall(*scope, key=key)[0][0]
    page = max(1, min(page, max(1, ceil(total / PER_PAGE))))
    # as the driver gives them, each a `PageCoalition` (twenty models cost more than the query)
    coalitions = [PageCoalition._make(row) for row in _scope_page.fetchall(
        *scope, PER_PAGE, (page - 1) * PER_PAGE, key=key)]
    ids = [c.id for c in coalitions]
    modules = path_modules()
    required = required_module_count(modules)
    # kept at write time (`CoalitionFigures`): twenty rows, not every member's progress
    members, last, completed = _coalition_figures(ids)
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
    # the overview shows each profile's dimensions, not its breakdown by sector
    profiles = (self_assessment.coalition_profiles(coalitions, sectors=False)
                if with_profiles else {})
    workshop = stages_of(ids)
    for cid, summary in summaries.items():
        summary.last_activity = last.get(cid)
        summary.profile = profiles.get(cid)
        summary.workshop = workshop[cid]
    return Overview(summaries=[summaries[c.id] for c in coalitions], nudges=nudges.first,
                    nudge_count=nudges.total, overdue=overdue, total_coalitions=total,
                    page=page, learners=nudges.learners)


def path_modules() -> list[Module]:
    """The learning path (`active_modules`) with only what the overview reads of a module
    (what counts, the order, the title of where a learner stopped): not the Markdown body
    nor the JSON front matter, which cost more to read than the rest of the query."""
    return _path_modules.rows()


@prepared
def _path_modules():
    return (Module.select(Module.id, Module.slug, Module.position, Module.kind,
                          Module.title_pl, Module.title_en, Module.required, Module.archived)
            .where(Module.not_archived()).order_by(Module.position))


@prepared(keyed=True)
def _scope_count(key: str, *scope):
    """How many coalitions the viewer oversees (`key`, `scope`: `scope_key`, `scope_args`)."""
    return Coalition.select(fn.COUNT(Coalition.id)).where(scope_condition(key, scope)).tuples()


@prepared(keyed=True)
def _scope_page(key: str, *params):
    """A page of the coalitions the viewer oversees, by name (params: `scope_args`, then
    the limit and the offset), with what the overview shows of each (not the goals' text,
    the library, the dates: twenty rows of them cost more to read than the query)."""
    return (Coalition.select(Coalition.id, Coalition.slug, Coalition.name, Coalition.gmina,
                             Coalition.voivodeship, Coalition.round).where(scope_condition(key, params)).order_by(Coalition.name)
            .limit(params[-2]).offset(params[-1]).tuples())


def _overdue(viewer: User, today: date | None) -> list[OverdueStep]:
    """`overdue_steps` (the same rule) as plain values: the overview lists
    every overdue step of its scope, and four model instances per step cost more than the
    query. The day goes in as ISO text (how SQLite stores a date; PostgreSQL reads the
    literal as a date), so the prepared text takes it as a parameter."""
    day = str(today or local_today())  # a date's str is its ISO text: YYYY-MM-DD
    # as the driver gives them (dozens of rows: Peewee's row wrapper cost more than the
    # query); the due date is a date on PostgreSQL, its ISO text on SQLite
    rows = _overdue_rows.fetchall(*scope_args(viewer), day, key=scope_key(viewer))
    # the label as NextStep.owner_label gives it: the member's name, else the named person
    return [OverdueStep(cid, slug, name, description, user_name if owner_id else other,
                        _day_of(due))
            for cid, slug, name, description, owner_id, user_name, other, due in rows]


def _day_of(value: Any) -> date:
    """A DateField's value as the driver gives it (a date, or its ISO text on SQLite) as a
    date, as Peewee reads it."""
    if type(value) is date:
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


@prepared(keyed=True)
def _overdue_rows(key: str, *params):
    """The overdue steps' plain values (params: `scope_args`, then the day as ISO text)."""
    owner = User.alias()
    return (
        NextStep.select(Coalition.id, Coalition.slug, Coalition.name, NextStep.description,
                        NextStep.owner_user, owner.name, NextStep.owner_name, NextStep.due_date)
        .join(Visit)
        .join(Coalition)
        .switch(NextStep)
        .join(owner, JOIN.LEFT_OUTER, on=(NextStep.owner_user == owner.id))
        .where(overdue_condition(scope_condition(key, params), params[-1]))
        .order_by(NextStep.due_date, NextStep.id)
        .tuples()
    )


@prepared(keyed=True)
def _figures(count: int, *ids):
    """(coalition id, enabled members, their latest stamp, their completions of the path's
    counted modules) of the coalitions `ids`, as kept at write time (`CoalitionFigures`)."""
    return (CoalitionFigures.select(CoalitionFigures.coalition, CoalitionFigures.members,
                                    CoalitionFigures.last_active_at, CoalitionFigures.completed)
            .where(CoalitionFigures.coalition.in_(list(ids))).tuples())


def _coalition_figures(ids: list[int]
                       ) -> tuple[dict[int, int], dict[int, datetime], dict[int, int]]:
    """Per coalition of `ids`: how many enabled members it has, their latest stamp and
    their completions of the path's required modules (kept at write time; a coalition
    without a row has no members)."""
    if not ids:
        return {}, {}, {}
    page_ids = padded_ids(ids)
    # as the driver gives them: `to_datetime` reads the stamp whatever the engine's type
    rows = _figures.fetchall(*page_ids, key=len(page_ids))
    members: dict[int, int] = {}
    last: dict[int, datetime] = {}
    completed: dict[int, int] = {}
    for cid, count, value, done in rows:
        members[cid] = count
        completed[cid] = done
        if (when := to_datetime(value)) is not None:
            last[cid] = when
    return members, last, completed
