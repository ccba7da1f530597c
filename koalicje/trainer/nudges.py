"""Who needs a nudge: learners with no activity for N days, or stuck on a module.

Both rules count whole periods of at least N days (NUDGE_DAYS, default 14):
- inactive: the last step (progress, quiz attempt or post; without any, the day they joined)
  was N days ago or earlier;
- stuck: a module has been in progress since N days ago or earlier.
Fixed queries: modules, the learners with their last step, the stuck rows, all progress rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, has_app_context

from koalicje.trainer.scope import (
    last_activity_by_user,
    local_date,
    memberships,
)
from koalicje.trainer.timeline import StopPoint, stop_point
from koalicje.web.labels import module_title
from models import Coalition, Module, ModuleProgress, User, utcnow

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


def nudge_days() -> int:
    if has_app_context():
        return int(current_app.config.get("NUDGE_DAYS", DEFAULT_DAYS))
    return DEFAULT_DAYS


def needing_nudge(viewer: User, days: int | None = None, now: datetime | None = None,
                  coalition: Coalition | None = None) -> list[Nudge]:
    """Learners in what `viewer` oversees who need a nudge, longest-quiet first."""
    days = nudge_days() if days is None else days
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    modules = list(Module.active())
    scope = memberships(viewer)
    if coalition is not None:
        scope = scope.where(Coalition.id == coalition.id)
    people: dict[int, dict] = {}
    last_activity = last_activity_by_user(scope.select(User.id))
    for member in scope:
        entry = people.setdefault(
            member.user_id,
            {"user": member.user, "coalitions": [], "joined": member.joined_at,
             "last": last_activity.get(member.user_id)},
        )
        entry["coalitions"].append(member.coalition)
        entry["joined"] = min(entry["joined"], member.joined_at)
    if not people:
        return []
    in_scope = User.id.in_(scope.select(User.id))
    progress_by_user: dict[int, list[ModuleProgress]] = {}
    for p in ModuleProgress.select().join(User).where(in_scope):
        progress_by_user.setdefault(p.user_id, []).append(p)
    by_id = {m.id: m for m in modules}
    nudges = []
    for user_id, entry in people.items():
        rows = progress_by_user.get(user_id, [])
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
