"""Who needs a nudge: learners with no activity for N days, or stuck on a module.

Both rules count whole periods of at least N days (NUDGE_DAYS, default 14):
- inactive: the last step (the stamp `User.last_active_at`: progress, watching, a quiz
  attempt, a self-assessment, a post or a comment; without any, the day they joined) was N
  days ago or earlier;
- stuck: a module has been in progress since N days ago or earlier.
`needing_nudge` (the full list) runs fixed queries: modules, the learners with their stamp,
their progress rows (plain tuples). `summary` (the trainer's overview) counts in SQL and
builds only the few nudges it shows.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from peewee import Case, fn

from koalicje.prepared import padded_ids, prepared
from koalicje.rows import to_datetime
from koalicje.trainer.scope import (
    active_modules,
    local_date,
    memberships,
    memberships_in,
    scope_args,
    scope_condition,
    scope_key,
)
from koalicje.trainer.timeline import StopPoint, stop_point
from koalicje.web.labels import module_title
from models import Coalition, Membership, Module, ModuleProgress, User, utcnow

DEFAULT_DAYS = 14


@dataclass
class Nudge:
    user: User
    coalitions: list[Coalition]
    last_step: datetime | None  # None: nothing done yet
    inactive: bool
    stuck_modules: list[Module] = field(default_factory=list)
    stopped: StopPoint | None = None

    @property
    def last_date(self):
        return local_date(self.last_step)

    @property
    def coalition_names(self) -> str:
        return ", ".join(c.name for c in self.coalitions)

    @property
    def stuck_titles(self) -> str:
        return ", ".join(module_title(m) for m in self.stuck_modules)


@dataclass
class Summary:
    """What the overview shows: how many need a nudge, per coalition, and the first few;
    and how many enabled learners the viewer oversees (read with them)."""

    total: int
    by_coalition: dict[int, int]
    first: list[Nudge]
    learners: int = 0


def nudge_days() -> int:
    if has_app_context():
        return int(current_app.config.get("NUDGE_DAYS", DEFAULT_DAYS))
    return DEFAULT_DAYS


# What `stop_point` and the stuck rule read of a progress row: plain tuples, not models.
ProgressRow = namedtuple("ProgressRow", "user_id module_id status started_at updated_at")


def _progress_rows(users) -> dict[int, list[ProgressRow]]:
    """The progress rows of `users` (ids or a subquery), by user (one query)."""
    out: dict[int, list[ProgressRow]] = {}
    query = ModuleProgress.select(
        ModuleProgress.user, ModuleProgress.module, ModuleProgress.status,
        ModuleProgress.started_at, ModuleProgress.updated_at,
    ).where(ModuleProgress.user.in_(users))
    for row in query.tuples():
        item = ProgressRow(*row)
        out.setdefault(item.user_id, []).append(item)
    return out


def _people(scope) -> dict[int, dict]:
    """Each learner of the scope once: the account, coalitions, first joining, stamp."""
    people: dict[int, dict] = {}
    for member in scope:
        entry = people.setdefault(
            member.user_id,
            {"user": member.user, "coalitions": [], "joined": member.joined_at,
             "last": member.user.last_active_at},
        )
        entry["coalitions"].append(member.coalition)
        entry["joined"] = min(entry["joined"], member.joined_at)
    return people


def _nudges(people: dict[int, dict], progress: dict[int, list[ProgressRow]],
            modules: list[Module], cutoff: datetime) -> list[Nudge]:
    by_id = {m.id: m for m in modules}
    nudges = []
    for user_id, entry in people.items():
        rows = progress.get(user_id, [])
        stuck = sorted(
            (by_id[p.module_id] for p in rows
             if p.status == "in_progress" and p.module_id in by_id and p.started_at <= cutoff),
            key=lambda m: m.position,
        )
        baseline = entry["last"] or entry["joined"]
        inactive = baseline <= cutoff
        if not (inactive or stuck):
            continue
        nudges.append(
            Nudge(
                user=entry["user"],
                coalitions=sorted(entry["coalitions"], key=lambda c: c.name),
                last_step=entry["last"],
                inactive=inactive,
                stuck_modules=stuck,
                stopped=stop_point(rows, modules),
            )
        )
    nudges.sort(key=lambda n: (n.last_step or datetime.min, n.user.name))
    return nudges


def needing_nudge(viewer: User, days: int | None = None, now: datetime | None = None,
                  coalition: Coalition | None = None) -> list[Nudge]:
    """Learners in what `viewer` oversees who need a nudge, longest-quiet first."""
    days = nudge_days() if days is None else days
    cutoff = (now or utcnow()) - timedelta(days=days)
    scope = memberships(viewer)
    if coalition is not None:
        scope = scope.where(Coalition.id == coalition.id)
    people = _people(scope)
    if not people:
        return []
    return _nudges(people, _progress_rows(scope.select(User.id)), active_modules(),
                   cutoff)


def _needing_condition(cutoff: datetime, first_joined):
    """The two rules as a condition on a learner (`User`): no stamp newer than the cutoff
    (else `first_joined`, their first joining in scope), or a module of the path in
    progress since the cutoff or earlier (looked up per learner through the (user, module)
    index)."""
    progress = ModuleProgress.alias()
    module = Module.alias()
    stuck = (
        progress.select(progress.id)
        .join(module, on=(progress.module == module.id))
        .where((progress.user == User.id) & (progress.status == "in_progress")
               & (progress.started_at <= cutoff) & Module.not_archived(module))
    )
    baseline = fn.COALESCE(User.last_active_at, first_joined)
    return (baseline <= cutoff) | fn.EXISTS(stuck)


@prepared(keyed=True)
def _needing(key: str, *params):
    """Each enabled learner in scope, in the nudge list's order, with 1 when they need a
    nudge, else 0 (key and params: `scope_key`, `scope_args`, then the cutoff): the
    learners are counted from the same rows. Read per account (the accounts with a
    membership in scope), not by grouping the memberships: the first joining in scope is
    looked up only for an account without a stamp."""
    memberships, first = Membership.alias(), Membership.alias()
    in_scope = Coalition.select(Coalition.id).where(scope_condition(key, params))
    first_joined = (first.select(fn.MIN(first.joined_at))
                    .where((first.user == User.id) & first.coalition.in_(in_scope)))
    return (User.select(User.id, Case(None, [(_needing_condition(params[-1], first_joined), 1)], 0))
            .where(User.enabled() & User.id.in_(
                memberships.select(memberships.user).where(memberships.coalition.in_(in_scope))))
            .order_by(User.last_active_at.asc(nulls="FIRST"), User.name, User.id)
            .tuples())


def summary(viewer: User, coalition_ids: list[int], days: int | None = None,
            now: datetime | None = None, first: int = 5,
            modules: list[Module] | None = None) -> Summary:
    """How many learners in what `viewer` oversees need a nudge, how many of them are in
    each of `coalition_ids`, and the first `first` of the list (in its order). The rules
    run in SQL over the learners' stamps (one query for who, one for their coalitions);
    only the shown nudges load progress rows. The same rules as `needing_nudge`.
    `modules`: the active modules, when the caller has read them already. `learners`: how
    many enabled learners are in scope (the rules' query reads each of them once)."""
    days = nudge_days() if days is None else days
    cutoff = (now or utcnow()) - timedelta(days=days)
    # Both read as the driver gives them (ids only): a row per learner in scope and per
    # membership of the page's coalitions, hundreds on a trainer's full scope.
    learners = _needing.fetchall(*scope_args(viewer), cutoff, key=scope_key(viewer))
    needing = [user_id for user_id, needs in learners if needs]
    wanted = set(needing)
    by_coalition: dict[int, int] = {}
    page_ids = padded_ids(sorted(set(coalition_ids)))
    # as the driver gives them: a row per membership of the page's coalitions
    for coalition_id, user_id in _members_of.fetchall(*page_ids, key=len(page_ids)):
        if user_id in wanted:
            by_coalition[coalition_id] = by_coalition.get(coalition_id, 0) + 1
    ids = needing[:first]
    modules = active_modules() if modules is None else modules
    # the few shown, from SQL text prepared per kind of viewer and padded id count (run
    # even for none: the same queries whatever the data)
    shown_ids, key = padded_ids(ids), scope_key(viewer)
    # as the driver gives them: a model per membership, account and coalition cost more
    # than the query
    scope = _shown_members(_scope_members.fetchall(*scope_args(viewer), *shown_ids,
                                                   key=(key, len(shown_ids))))
    progress: dict[int, list[ProgressRow]] = {}
    for row in _progress_of.execute(*shown_ids, key=len(shown_ids)):
        progress.setdefault(row[0], []).append(ProgressRow(*row))
    shown = _nudges(_people(scope), progress, modules, cutoff)
    return Summary(total=len(needing), by_coalition=by_coalition, first=shown[:first],
                   learners=len(learners))


# What `_people` reads of a membership of a shown learner.
_ShownMember = namedtuple("_ShownMember", "user_id user coalition joined_at")


def _shown_members(rows: list[tuple]) -> list[_ShownMember]:
    """`_scope_members`' rows (as the driver gives them) as what `_people` reads of a
    membership: the account with its id, name and stamp, the coalition with its id and
    name (what the overview shows), the stamps as Peewee reads them on either engine."""
    out = []
    for _id, user_id, coalition_id, joined_at, _user, name, last_active_at, _c, title in rows:
        user = User(__no_default__=1, id=user_id, name=name,
                    last_active_at=to_datetime(last_active_at))
        coalition = Coalition(__no_default__=1, id=coalition_id, name=title)
        out.append(_ShownMember(user_id, user, coalition, to_datetime(joined_at)))
    return out


@prepared(keyed=True)
def _members_of(count: int, *ids):
    """(coalition, user) of every membership of the coalitions `ids`, as plain tuples."""
    return (Membership.select(Membership.coalition, Membership.user)
            .where(Membership.coalition.in_(list(ids))).tuples())


@prepared(keyed=True)
def _scope_members(key: tuple[str, int], *params):
    """`memberships(viewer)` of the users `ids` (params: `scope_args`, then the ids; key:
    `scope_key` and the number of ids), with the columns the overview's nudges show."""
    ids = list(params[len(params) - key[1]:])
    # what `_people` and the overview read: not the accounts' other columns (password
    # hash, settings) nor the coalitions' (goals, library, dates)
    return (memberships_in(scope_condition(key[0], params))
            .select(Membership.id, Membership.user, Membership.coalition, Membership.joined_at,
                    User.id, User.name, User.last_active_at, Coalition.id, Coalition.name)
            .where(User.id.in_(ids)))


@prepared(keyed=True)
def _progress_of(count: int, *ids):
    """The progress rows of the users `ids` as `ProgressRow` fields (plain tuples)."""
    return ModuleProgress.select(
        ModuleProgress.user, ModuleProgress.module, ModuleProgress.status,
        ModuleProgress.started_at, ModuleProgress.updated_at,
    ).where(ModuleProgress.user.in_(list(ids))).tuples()


def headers() -> list[str]:
    from flask_babel import gettext as _

    return [_("Osoba"), _("Koalicja"), _("Ostatni krok"), _("Powód"), _("Na czym stanęło")]


def reason_text(nudge: Nudge) -> str:
    from flask_babel import gettext as _

    reasons = []
    if nudge.inactive:
        reasons.append(_("brak aktywności"))
    if nudge.stuck_modules:
        reasons.append(_("bez postępu w: %(modules)s", modules=nudge.stuck_titles))
    return "; ".join(reasons)


def stopped_text(stopped: StopPoint | None) -> str:
    from flask_babel import gettext as _

    if stopped is None or stopped.kind == "done":
        return _("ścieżka ukończona")
    if stopped.kind == "in_progress":
        return _("w trakcie: %(module)s", module=stopped.title)
    return _("następny: %(module)s", module=stopped.title)


def table(nudges: list[Nudge]) -> list[list]:
    """The nudge list as plain rows (order of `headers`), as the page shows it."""
    return [
        [
            n.user.name,
            n.coalition_names,
            local_date(n.last_step),
            reason_text(n),
            stopped_text(n.stopped),
        ]
        for n in nudges
    ]
