"""Priorities and the action plan: the chosen needs become the coalition's directions, each
with actions (a responsible partner, a due date, a status). Changing the directions rewrites
the directions section of the coalition's goals (the old goals kept as history) and posts a
summary on the coalition's board."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import JOIN, Case, fn

from koalicje import coalitions
from koalicje.board import posts
from koalicje.prepared import prepared
from koalicje.workshop import Invalid, required_text, stored_text_locale, text
from models import (
    ACTION_STATUSES,
    Coalition,
    GoalsRevision,
    Meeting,
    Need,
    NeedVote,
    PartnerEntry,
    PlanAction,
    Priority,
    User,
    utcnow,
    write_transaction,
)

TITLE_MAX = 200
SECTION_MARK = "<!-- workshop:directions -->"


@dataclass
class Direction:
    priority: Priority
    actions: list[PlanAction] = field(default_factory=list)


def directions(coalition: Coalition) -> list[Direction]:
    """Active directions with their actions and responsible partners (two queries)."""
    result = [Direction(p) for p in Priority.select().where(
        (Priority.coalition == coalition) & Priority.current()
    ).order_by(Priority.position, Priority.id)]
    by_id = {d.priority.id: d for d in result}
    if by_id:
        actions = (
            PlanAction.select(PlanAction, PartnerEntry)
            .join(PartnerEntry, JOIN.LEFT_OUTER, on=(PlanAction.partner == PartnerEntry.id))
            .where(PlanAction.priority.in_(list(by_id)))
            .order_by(PlanAction.due_date.asc(nulls="LAST"), PlanAction.id)
        )
        for action in actions:
            by_id[action.priority_id].actions.append(action)
    return result


def is_overdue(action: PlanAction, today: date | None = None) -> bool:
    today = today or utcnow().date()
    return (action.due_date is not None and action.due_date < today
            and action.status in ("planned", "in_progress"))


def candidate_needs(coalition: Coalition) -> list[tuple[Need, int]]:
    """Needs from the coalition's meetings with their votes, most supported first."""
    votes = fn.COUNT(NeedVote.id)
    return [(need, need.votes) for need in (
        Need.select(Need, votes.alias("votes"))
        .join(Meeting, on=(Need.meeting == Meeting.id))
        .join(NeedVote, JOIN.LEFT_OUTER, on=(NeedVote.need == Need.id))
        .where(Meeting.coalition == coalition)
        .group_by(Need.id).order_by(votes.desc(), Need.id)
    )]


def _directions_section(titles: Sequence[str]) -> str:
    lines = [SECTION_MARK, "", "**" + _("Kierunki działania (z warsztatu koalicji)") + "**", ""]
    lines += [f"- {title}" for title in titles]
    return "\n".join(lines)


def goals_with_directions(goals: str, titles: Sequence[str]) -> str:
    """The goals text with its directions section replaced (added at the end the first time,
    removed when there are no directions); the rest of the goals stays as written."""
    head = goals.split(SECTION_MARK, 1)[0].rstrip()
    if not titles:
        return head
    return (head + "\n\n" if head else "") + _directions_section(titles)


def choose_directions(coalition: Coalition, need_ids: Sequence[int], actor: User) -> list[Priority]:
    """Make the chosen needs the coalition's directions: new ones added, dropped ones retired
    (with their actions kept), goals updated with history, a summary on the board."""
    chosen = {need.id: need for need in Need.select().join(Meeting).where(
        (Meeting.coalition == coalition) & Need.id.in_(list(need_ids) or [0]))}
    if not chosen:
        raise Invalid({"needs": _("Wybierz co najmniej jedną potrzebę.")})
    with stored_text_locale(), write_transaction():
        existing = {p.need_id: p for p in Priority.select().where(
            Priority.coalition == coalition)}
        for position, need_id in enumerate(need_ids):
            if need_id not in chosen:
                continue
            priority = existing.get(need_id)
            if priority is None:
                Priority.create(coalition=coalition, need=need_id, position=position,
                                title=chosen[need_id].text[:TITLE_MAX])
            else:
                priority.active, priority.position = True, position
                priority.save()
        Priority.update(active=False).where(
            (Priority.coalition == coalition) & Priority.need.not_in(list(chosen))
        ).execute()
        titles = [p.title for p in Priority.select().where(
            (Priority.coalition == coalition) & Priority.current()
        ).order_by(Priority.position, Priority.id)]
        coalition = Coalition.get_by_id(coalition.id)
        new_goals = goals_with_directions(coalition.goals, titles)
        if len(new_goals) > coalitions.MAX_GOALS_LENGTH:
            raise Invalid({"needs": _("Cele koalicji byłyby za długie. Skróćcie je "
                                      "albo wybierzcie mniej kierunków.")})
        if new_goals != coalition.goals:
            GoalsRevision.create(coalition=coalition, goals=coalition.goals, author=actor,
                                 reason="workshop.directions")
            coalitions.update_goals(coalition, new_goals, actor)
        summary = "\n".join([_("Koalicja wybrała kierunki działania:"), ""]
                            + [f"- {t}" for t in titles])
        posts.create_post(actor, coalition, title=_("Nasze kierunki działania"), body=summary,
                          category="announcement")
    return [d.priority for d in directions(coalition)]


def goals_history(coalition: Coalition) -> list[GoalsRevision]:
    return list(GoalsRevision.select().where(GoalsRevision.coalition == coalition)
                .order_by(GoalsRevision.id.desc()))


def clean_action(coalition: Coalition, values: Mapping) -> dict:
    errors: dict[str, str] = {}
    title = required_text(
        values, "title", TITLE_MAX, errors, _l("Opisz działanie."),
        _l("Nazwa może mieć najwyżej %(max)d znaków."))
    priority = None
    raw = (values.get("priority") or "").strip()
    if raw.isdigit() and len(raw) < 10:
        priority = Priority.get_or_none((Priority.id == int(raw))
                                        & (Priority.coalition == coalition)
                                        & Priority.current())
    if priority is None:
        errors["priority"] = _("Wybierz kierunek.")
    partner = None
    raw = (values.get("partner") or "").strip()
    if raw:
        if raw.isdigit() and len(raw) < 10:
            partner = PartnerEntry.get_or_none((PartnerEntry.id == int(raw))
                                               & (PartnerEntry.coalition == coalition))
        if partner is None:
            errors["partner"] = _("Wybierz partnera z mapy.")
    responsible = text(values, "responsible", TITLE_MAX)[:TITLE_MAX]
    due = None
    raw = (values.get("due_date") or "").strip()
    if raw:
        try:
            due = date.fromisoformat(raw)
        except ValueError:
            errors["due_date"] = _("Podaj datę, np. 2026-05-31.")
    status = values.get("status") or "planned"
    if status not in ACTION_STATUSES:
        errors["status"] = _("Wybierz status.")
    if errors:
        raise Invalid(errors)
    return {"title": title, "priority": priority, "partner": partner,
            "responsible": responsible, "due_date": due, "status": status}


def add_action(data: Mapping) -> PlanAction:
    with write_transaction():
        return PlanAction.create(**data)


def set_status(action: PlanAction, status: str) -> None:
    if status not in ACTION_STATUSES:
        raise Invalid({"status": _("Wybierz status.")})
    with write_transaction():
        action.status = status
        action.updated_at = utcnow()
        action.save(only=[PlanAction.status, PlanAction.updated_at])


def get_action(coalition: Coalition, action_id: int) -> PlanAction | None:
    return (PlanAction.select().join(Priority)
            .where((PlanAction.id == action_id) & (Priority.coalition == coalition)).first())


def export_rows(items: list[Direction], today: date | None = None) -> tuple[list[str], list[list]]:
    from koalicje.web.labels import action_status_label

    header = [_("Kierunek"), _("Działanie"), _("Odpowiada"), _("Termin"), _("Status"),
              _("Po terminie")]
    rows = []
    for d in items:
        for a in d.actions:
            rows.append([d.priority.title, a.title,
                         a.partner.name if a.partner_id else a.responsible, a.due_date,
                         action_status_label(a.status),
                         _("tak") if is_overdue(a, today) else ""])
    return header, rows


@dataclass
class Summary:
    """What the coalition page shows: current directions and the plan's progress (its
    actions under them, dropped ones left out, as in `stages.Stage`)."""

    directions: list[Priority]
    actions: int
    actions_done: int


def summary(coalition: Coalition) -> Summary:
    """One prepared query: the current directions, each with its actions counted."""
    directions = _directions_with_counts.rows(coalition.id)
    return Summary(directions, sum(p.action_count for p in directions),
                   sum(int(p.done_count or 0) for p in directions))


@prepared
def _directions_with_counts(coalition_id: int):
    done = fn.SUM(Case(None, [(PlanAction.status == "done", 1)], 0))
    return (
        Priority.select(Priority, fn.COUNT(PlanAction.id).alias("action_count"),
                        done.alias("done_count"))
        .join(PlanAction, JOIN.LEFT_OUTER,
              on=((PlanAction.priority == Priority.id) & (PlanAction.status != "dropped")))
        .where((Priority.coalition == coalition_id) & Priority.current())
        .group_by(Priority.id)
        .order_by(Priority.position, Priority.id)
    )


def visit_links(coalition: Coalition) -> list[tuple[str, str]]:
    """(value, label) choices for linking a trainer's visit to the coalition's meetings and
    plan actions; values are "meeting-<id>" and "action-<id>" (two prepared queries)."""
    choices = [(f"meeting-{m.id}", _("Spotkanie: %(title)s", title=m.title))
               for m in _linkable_meetings.rows(coalition.id)]
    choices += [(f"action-{a.id}", _("Działanie: %(title)s", title=a.title))
                for a in _linkable_actions.rows(coalition.id)]
    return choices


@prepared
def _linkable_meetings(coalition_id: int):
    return (Meeting.select(Meeting.id, Meeting.title)
            .where(Meeting.coalition == coalition_id).order_by(Meeting.id.desc()))


@prepared
def _linkable_actions(coalition_id: int):
    return (PlanAction.select(PlanAction.id, PlanAction.title).join(Priority)
            .where(Priority.coalition == coalition_id).order_by(PlanAction.id.desc()))


def parse_visit_link(value: str) -> tuple[str, int] | None:
    """"meeting-3" -> ("meeting", 3); anything else -> None (choices are checked first)."""
    kind, _sep, number = (value or "").partition("-")
    if kind in ("meeting", "action") and number.isdigit():
        return kind, int(number)
    return None
