"""Coalitions: the directory query, members by sector, member management rules, assignments.

Plain functions that views call and tests call directly. Writes go through
`write_transaction()`; rules that protect data (a coalition keeps a coordinator) are checked
inside the same transaction that writes.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from typing import Any, NamedTuple

from flask_babel import gettext as _
from peewee import OP, SQL, Expression, NodeList, Value, fn
from playhouse.shortcuts import model_to_dict

from koalicje import kept, self_assessment
from koalicje.prepared import prepared
from koalicje.web.markdown import render_markdown
from models import (
    MEMBERSHIP_ROLES,
    ROUNDS,
    SECTORS,
    VOIVODESHIPS,
    AuditLog,
    Coalition,
    Membership,
    TrainerAssignment,
    User,
    fold,
    write_transaction,
)

PER_PAGE = 20
MAX_QUERY_LENGTH = 100
MAX_GOALS_LENGTH = 5000
# Slugs that would collide with fixed URLs under /coalitions/.
RESERVED_SLUGS = frozenset({"new"})



class MembershipError(Exception):
    """A member change that would break a rule; the message is shown to the user."""


# --- search -------------------------------------------------------------------------------
# `fold` (models): what the search compares; each coalition keeps its gmina and library
# folded (`Coalition.gmina_folded`, `library_folded`), so a search folds only the term.


@dataclass
class DirectoryFilters:
    q: str = ""
    round: int | None = None
    voivodeship: str = ""
    page: int = 1

    def query_args(self, **overrides: Any) -> dict[str, Any]:
        """The filters as URL parameters (empty ones left out), e.g. for page links."""
        args = {"q": self.q, "round": self.round, "voivodeship": self.voivodeship,
                "page": self.page if self.page > 1 else None}
        args.update(overrides)
        return {key: value for key, value in args.items() if value not in (None, "")}

    @property
    def active(self) -> bool:
        return bool(self.q or self.round or self.voivodeship)


def parse_filters(args: Mapping[str, str]) -> DirectoryFilters:
    """Read filters from query parameters; unknown or malformed values are ignored."""
    q = (args.get("q") or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    round_ = small_int(args.get("round"))
    if round_ not in ROUNDS:
        round_ = None
    voivodeship = (args.get("voivodeship") or "").strip()
    if voivodeship not in VOIVODESHIPS:
        voivodeship = ""
    page = small_int(args.get("page")) or 1
    return DirectoryFilters(q=q, round=round_, voivodeship=voivodeship, page=max(page, 1))


def small_int(text: str | None, digits: int = 9) -> int | None:
    """A non-negative whole number of at most `digits` ASCII digits, else None.

    `str.isdigit()` alone accepts '²', which int() refuses; nine digits fit a 32-bit id.
    """
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > digits:
        return None
    return int(text)


class ListedCoalition(NamedTuple):
    """A row of the directory: what it shows of a coalition (made from a plain tuple, not a
    Coalition model: ~3 µs a row less)."""

    id: int
    slug: str
    name: str
    gmina: str
    voivodeship: str
    library: str
    round: int
    member_count: int


@dataclass
class DirectoryPage:
    coalitions: list[ListedCoalition]
    total: int
    page: int
    pages: int
    per_page: int
    filters: DirectoryFilters = field(default_factory=DirectoryFilters)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# The columns the directory shows (not the goals, nor dates it would parse for nothing).
LISTED = (Coalition.id, Coalition.slug, Coalition.name, Coalition.gmina, Coalition.voivodeship,
          Coalition.library, Coalition.round)


def directory(filters: DirectoryFilters, per_page: int = PER_PAGE) -> DirectoryPage:
    """One page of the directory: two prepared queries (count, page) whatever the data.

    Each coalition carries `member_count`, counted by the database in the same query for
    the page's rows only (a subquery per shown row, not a join over every membership).
    """
    key, values = _directory_condition(filters)
    total = _directory_count.rows(*values, key=key)[0][0]
    pages = max(1, math.ceil(total / per_page))
    page = min(filters.page, pages)
    # ints and texts, as both engines' drivers give them (no row wrapper: ~2 us a row)
    rows = _directory_page.fetchall(*values, per_page, (page - 1) * per_page, key=key)
    filters.page = page
    return DirectoryPage([ListedCoalition._make(row) for row in rows], total, page, pages,
                         per_page, filters)


def _directory_condition(filters: DirectoryFilters) -> tuple[tuple[bool, bool, bool], list]:
    """The directory queries' key (which filters are in use: round, voivodeship, text) and
    their values in that order (the text as a LIKE pattern, its wildcards escaped)."""
    key = (bool(filters.round), bool(filters.voivodeship), bool(filters.q))
    values: list = [filters.round] if filters.round else []
    if filters.voivodeship:
        values.append(filters.voivodeship)
    if filters.q:
        term = fold(filters.q)
        values.append("%" + term.replace("\\", "\\\\").replace("_", "\\_")
                      .replace("%", "\\%") + "%")
    return key, values


def _directory_where(key: tuple[bool, bool, bool], values: tuple) -> Any:
    """The condition of `_directory_condition`'s key over the builder's parameters."""
    by_round, by_voivodeship, by_text = key
    values_left = list(values)
    conditions = []
    if by_round:
        conditions.append(Coalition.round == values_left.pop(0))
    if by_voivodeship:
        conditions.append(Coalition.voivodeship == values_left.pop(0))
    if by_text:
        pattern = values_left.pop(0)

        def like(column):  # as Peewee's `contains` writes a pattern with wildcards
            return Expression(column, OP.ILIKE, NodeList((
                Value(pattern, converter=False), SQL("ESCAPE"), Value("\\", converter=False))))

        conditions.append(like(Coalition.gmina_folded) | like(Coalition.library_folded))
    return reduce(operator.and_, conditions) if conditions else SQL("1 = 1")


@prepared(keyed=True)
def _directory_count(key: tuple[bool, bool, bool], *values: Any):
    return Coalition.select(fn.COUNT(Coalition.id)).where(_directory_where(key, values)).tuples()


@prepared(keyed=True)
def _directory_page(key: tuple[bool, bool, bool], *values: Any):
    *conditions, limit, offset = values
    members = Membership.alias()
    member_count = (members.select(fn.COUNT(members.id))
                    .where(members.coalition == Coalition.id))
    return (
        Coalition.select(*LISTED, member_count.alias("member_count"))
        .where(_directory_where(key, tuple(conditions)))
        .order_by(Coalition.name, Coalition.id)
        .limit(limit).offset(offset).tuples()
    )


# --- the coalition page ---------------------------------------------------------------------


def members_by_sector(coalition: Coalition) -> list[tuple[str, list[Membership]]]:
    """Memberships grouped by sector (in SECTORS order), coordinators first, then by name."""
    groups: dict[str, list[Membership]] = {}
    for membership in _members.rows(coalition.id):
        groups.setdefault(membership.sector, []).append(membership)
    order = {sector: i for i, sector in enumerate(SECTORS)}
    result = []
    for sector in sorted(groups, key=lambda s: (order.get(s, len(order)), s)):
        people = sorted(groups[sector], key=lambda m: m.role != "coordinator")
        result.append((sector, people))
    return result


@prepared
def _members(coalition_id: int):
    """The coalition's memberships with what the page shows of each (not the password hash
    and the rest), by name."""
    return (
        Membership.select(Membership.id, Membership.user, Membership.coalition, Membership.role,
                          Membership.sector, User.id, User.name)
        .join(User)
        .where(Membership.coalition == coalition_id)
        .order_by(User.name, User.id)
    )


def assigned_trainers(coalition: Coalition) -> list[User]:
    """The coalition's trainers, with what the pages show of them (name, email)."""
    return _trainers.rows(coalition.id)


@prepared
def _trainers(coalition_id: int):
    return (
        User.select(User.id, User.name, User.email)
        .join(TrainerAssignment, on=TrainerAssignment.trainer)
        .where(TrainerAssignment.coalition == coalition_id)
        .order_by(User.name, User.id)
    )


MAX_SLUG_LENGTH = 200


def by_slug(slug: str) -> Coalition | None:
    """The coalition with this slug, or None (also for what is never a slug: too long, or
    with a NUL, which PostgreSQL refuses in text)."""
    if len(slug) > MAX_SLUG_LENGTH or "\x00" in slug:
        return None
    return _by_slug.first(slug)


@prepared
def _by_slug(slug: str):
    return Coalition.select().where(Coalition.slug == slug).limit(1)


GOALS_HTML_KEPT = 512  # rendered goals a worker keeps (450 coalitions in the programme)


def goals_html(text: str) -> str:
    """The goals as safe HTML: coordinators write them, so the board's untrusted renderer.

    The HTML depends on the text alone, so each worker renders a text once and keeps it on
    the app (at most GOALS_HTML_KEPT of them): a Markdown parser and nh3 cost more than the
    rest of the goals' part of the page."""
    return kept.value("koalicje.goals_html", text, lambda: render_markdown(text),
                      GOALS_HTML_KEPT)


# --- goals and members ----------------------------------------------------------------------


def update_goals(coalition: Coalition, goals: str, actor: User | None = None) -> None:
    goals = (goals or "").replace("\r\n", "\n").strip()
    if len(goals) > MAX_GOALS_LENGTH:
        raise ValueError("goals too long")
    with write_transaction():
        coalition.goals = goals
        coalition.save(only=[Coalition.goals])
        AuditLog.record(actor, "coalition.goals", coalition.slug)


def _coordinator_count(coalition_id: int) -> int:
    return (
        Membership.select()
        .where((Membership.coalition == coalition_id) & (Membership.role == "coordinator"))
        .count()
    )


def update_membership(membership: Membership, role: str, sector: str,
                      actor: User | None = None) -> Membership:
    """Change a member's role and sector; the last coordinator cannot be demoted."""
    if role not in MEMBERSHIP_ROLES:
        raise MembershipError(_("Nieznana rola w koalicji."))
    if sector not in SECTORS:
        raise MembershipError(_("Nieznany sektor."))
    with write_transaction():
        current = Membership.get_by_id(membership.id)
        if (current.role == "coordinator" and role != "coordinator"
                and _coordinator_count(current.coalition_id) <= 1):
            raise MembershipError(
                _("Koalicja musi mieć co najmniej jedną osobę koordynującą. "
                  "Najpierw wskaż inną osobę jako koordynatora.")
            )
        current.role = role
        current.sector = sector
        current.save(only=[Membership.role, Membership.sector])
        AuditLog.record(actor, "membership.update", str(current.id), f"{role} {sector}")
    membership.role, membership.sector = role, sector
    return current


def remove_membership(membership: Membership, actor: User | None = None) -> None:
    """Remove a member; the last coordinator cannot be removed."""
    with write_transaction():
        current = Membership.get_or_none(Membership.id == membership.id)
        if current is None:
            return
        if current.role == "coordinator" and _coordinator_count(current.coalition_id) <= 1:
            raise MembershipError(
                _("Nie można usunąć jedynej osoby koordynującej koalicję. "
                  "Najpierw wskaż inną osobę jako koordynatora.")
            )
        current.delete_instance()
        self_assessment.refresh_profiles([current.coalition_id])
        AuditLog.record(actor, "membership.remove", str(current.id),
                        f"user {current.user_id} coalition {current.coalition_id}")


# --- admin: coalitions and trainer assignments -----------------------------------------------

COALITION_FIELDS = ("slug", "name", "gmina", "voivodeship", "library", "round", "founded",
                    "goals")


def slug_taken(slug: str, except_id: int | None = None) -> bool:
    if slug in RESERVED_SLUGS:
        return True
    query = Coalition.select().where(Coalition.slug == slug)
    if except_id is not None:
        query = query.where(Coalition.id != except_id)
    return query.exists()


def save_coalition(data: Mapping[str, Any], coalition: Coalition | None = None,
                   actor: User | None = None) -> Coalition:
    """Create a coalition, or update `coalition`, from already validated `data`."""
    values = {name: data[name] for name in COALITION_FIELDS if name in data}
    updating = coalition is not None
    with write_transaction():
        if coalition is None:
            coalition = Coalition.create(**values)
            AuditLog.record(actor, "coalition.create", coalition.slug)
        else:
            Coalition.update(**Coalition.folded(values)).where(Coalition.id == coalition.id).execute()
            AuditLog.record(actor, "coalition.edit", values.get("slug", coalition.slug))
    if updating:
        # Only now, so a refused save leaves the caller's object as it was stored.
        for name, value in Coalition.folded(values).items():
            setattr(coalition, name, value)
    return coalition


def coalition_data(coalition: Coalition) -> dict[str, Any]:
    data = model_to_dict(coalition, only=[getattr(Coalition, f) for f in COALITION_FIELDS])
    if isinstance(data.get("founded"), str):  # SQLite may hand back text
        data["founded"] = date.fromisoformat(data["founded"])
    return data


def assignable_trainers(coalition: Coalition) -> list[User]:
    """Active trainers not yet assigned to `coalition`."""
    assigned = TrainerAssignment.select(TrainerAssignment.trainer).where(
        TrainerAssignment.coalition == coalition
    )
    return list(
        User.select()
        .where((User.role == "trainer") & User.enabled() & User.id.not_in(assigned))
        .order_by(User.name, User.id)
    )


def assign_trainer(coalition: Coalition, trainer: User, actor: User | None = None) -> bool:
    """Assign a trainer; False if `trainer` is not an active trainer. Idempotent."""
    if trainer.role != "trainer" or not trainer.active:
        return False
    with write_transaction():
        _, created = TrainerAssignment.get_or_create(trainer=trainer, coalition=coalition)
        if created:
            AuditLog.record(actor, "assignment.add", coalition.slug, trainer.email)
    return True


def unassign_trainer(coalition: Coalition, trainer_id: int, actor: User | None = None) -> bool:
    """Remove an assignment; False if there was none."""
    with write_transaction():
        removed = (
            TrainerAssignment.delete()
            .where((TrainerAssignment.coalition == coalition)
                   & (TrainerAssignment.trainer == trainer_id))
            .execute()
        )
        if removed:
            AuditLog.record(actor, "assignment.remove", coalition.slug, str(trainer_id))
    return bool(removed)
