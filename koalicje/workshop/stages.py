"""How far each coalition has come in its workshop: partners mapped, research meeting held,
priorities chosen, plan under way, last activity. A fixed number of queries for any number
of coalitions (the trainer's overview asks for a page of them at once)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN, Case, fn

from koalicje.prepared import padded_ids, prepared
from models import Meeting, Need, PartnerEntry, PlanAction, Priority

STAGES = ("start", "partners", "meeting", "priorities", "plan")


@dataclass
class Stage:
    partners: int = 0  # entries on the partners' map
    meetings_held: int = 0
    needs: int = 0
    priorities: int = 0  # active directions
    actions: int = 0
    actions_done: int = 0
    last_activity: datetime | None = None

    @property
    def reached(self) -> str:
        """The furthest step reached, one of STAGES."""
        if self.actions:
            return "plan"
        if self.priorities:
            return "priorities"
        if self.meetings_held:
            return "meeting"
        if self.partners:
            return "partners"
        return "start"

    @property
    def progress(self) -> float | None:
        """Share of the plan's actions done (dropped ones left out), 0..1."""
        return self.actions_done / self.actions if self.actions else None

    def _touch(self, when: datetime | None) -> None:
        if when is not None and (self.last_activity is None or when > self.last_activity):
            self.last_activity = when


def stages_of(coalition_ids: Iterable[int]) -> dict[int, Stage]:
    """Stage per coalition id (four queries, whatever the number of coalitions; their SQL
    text is prepared once per length of the padded id list)."""
    ids = sorted(set(coalition_ids))
    result = {cid: Stage() for cid in ids}
    if not ids:
        return result
    params = padded_ids(ids)
    key = len(params)
    for cid, count, last in _partners.rows(*params, key=key):
        result[cid].partners = count
        result[cid]._touch(last)
    for cid, held_count, last, needs in _meetings.rows(*params, key=key):
        result[cid].meetings_held = 1 if held_count else 0
        result[cid].needs = needs
        result[cid]._touch(last)
    for cid, count, last in _priorities.rows(*params, key=key):
        result[cid].priorities = count
        result[cid]._touch(last)
    for cid, count, finished, last in _actions.rows(*params, key=key):
        result[cid].actions = count
        result[cid].actions_done = int(finished or 0)
        result[cid]._touch(last)
    return result


@prepared(keyed=True)
def _partners(count: int, *ids):
    """(coalition, entries on the partners' map, the latest change) of the coalitions `ids`."""
    return (PartnerEntry.select(PartnerEntry.coalition, fn.COUNT(PartnerEntry.id),
                                fn.MAX(PartnerEntry.updated_at))
            .where(PartnerEntry.coalition.in_(list(ids))).group_by(PartnerEntry.coalition)
            .tuples())


@prepared(keyed=True)
def _meetings(count: int, *ids):
    """(coalition, meetings held, the latest change, needs noted)."""
    held = fn.SUM(Case(None, [(Meeting.held == True, 1)], 0))  # noqa: E712
    return (Meeting.select(Meeting.coalition, held, fn.MAX(Meeting.updated_at),
                           fn.COUNT(Need.id))
            .join(Need, join_type=JOIN.LEFT_OUTER, on=(Need.meeting == Meeting.id))
            .where(Meeting.coalition.in_(list(ids))).group_by(Meeting.coalition).tuples())


@prepared(keyed=True)
def _priorities(count: int, *ids):
    """(coalition, active directions, the latest one's creation)."""
    return (Priority.select(Priority.coalition, fn.COUNT(Priority.id), fn.MAX(Priority.created_at))
            .where(Priority.coalition.in_(list(ids)) & Priority.current())
            .group_by(Priority.coalition).tuples())


@prepared(keyed=True)
def _actions(count: int, *ids):
    """(coalition, actions of its active directions not dropped, those done, the latest
    change)."""
    done = fn.SUM(Case(None, [(PlanAction.status == "done", 1)], 0))
    return (PlanAction.select(Priority.coalition, fn.COUNT(PlanAction.id), done,
                              fn.MAX(PlanAction.updated_at))
            .join(Priority)
            .where(Priority.coalition.in_(list(ids)) & Priority.current()
                   & (PlanAction.status != "dropped"))
            .group_by(Priority.coalition).tuples())
