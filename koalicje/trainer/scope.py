"""What a trainer oversees: their coalitions and those coalitions' learners.

Admins oversee every coalition, trainers the ones assigned to them. Everything here builds
SQL (subqueries and expressions) rather than running queries, so the pages that use it keep
a fixed number of queries however many learners and modules there are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from peewee import Case, Expression, fn

from koalicje.prepared import prepared
from models import (
    Coalition,
    Membership,
    Module,
    ModuleProgress,
    TrainerAssignment,
    User,
)


def coalition_scope(user: User) -> Expression:
    """A WHERE condition on Coalition: the coalitions `user` oversees."""
    return scope_condition(scope_key(user), scope_args(user))


def scope_key(user: User) -> str:
    """What decides the SQL of `coalition_scope` (a prepared query's key): the role."""
    return user.role if user.role in ("admin", "trainer") else "nobody"


def scope_args(user: User) -> tuple[int, ...]:
    """The parameters of `coalition_scope`: the trainer's id for a trainer, else none."""
    return (user.id,) if scope_key(user) == "trainer" else ()


def scope_condition(key: str, args: Sequence[Any]) -> Expression:
    """`coalition_scope` of a `scope_key`, from its `scope_args` (first in `args`; what
    follows is the caller's): every coalition for an admin, the assigned ones for a
    trainer, none for anyone else."""
    if key == "admin":
        return Coalition.id.is_null(False)
    if key != "trainer":
        return Coalition.id.is_null(True)  # nothing
    assigned = TrainerAssignment.select(TrainerAssignment.coalition).where(
        TrainerAssignment.trainer == args[0]
    )
    return Coalition.id.in_(assigned)


def scoped_coalitions(user: User):
    """The coalitions `user` oversees, by name."""
    return Coalition.select().where(coalition_scope(user)).order_by(Coalition.name)


def scoped_coalition_list(user: User) -> list[Coalition]:
    """`scoped_coalitions` as a list, from SQL text built once per kind of viewer, each
    with its id, slug and name only (what a filter's choices show: not the goals' text,
    the library, the dates)."""
    return _scoped_coalitions.rows(*scope_args(user), key=scope_key(user))


@prepared(keyed=True)
def _scoped_coalitions(key: str, *scope):
    return (Coalition.select(Coalition.id, Coalition.slug, Coalition.name)
            .where(scope_condition(key, scope)).order_by(Coalition.name))


def active_modules() -> list[Module]:
    """The learning path (`Module.active()`) as a list, from SQL text built once."""
    return _active_modules.rows()


@prepared
def _active_modules():
    return Module.active()


def memberships(user: User):
    """Memberships (with User and Coalition selected) in the coalitions `user` oversees."""
    return memberships_in(coalition_scope(user))


def memberships_in(scope: Expression):
    """`memberships` in the coalitions of `scope` (a condition on Coalition)."""
    return (
        Membership.select(Membership, User, Coalition)
        .join(User, on=(Membership.user == User.id))
        .switch(Membership)
        .join(Coalition, on=(Membership.coalition == Coalition.id))
        .where(scope & User.enabled())
    )


# --- per-learner SQL expressions (correlated subqueries on User.id) -------------------------
# A learner's last activity is not computed here: it is a column, `User.last_active_at`,
# kept by the writes (koalicje/activity.py).


def completed_count_expr(user_field=User.id):
    """How many active required modules the learner has completed."""
    progress = ModuleProgress.alias()
    module = Module.alias()
    return (
        progress.select(fn.COUNT(progress.id))
        .join(module, on=(progress.module == module.id))
        .where(
            (progress.user == user_field)
            & (progress.status == "completed")
            & Module.required_and_active(module)
        )
    )


def started_count_expr(user_field=User.id):
    """How many active modules the learner has any progress in."""
    progress = ModuleProgress.alias()
    module = Module.alias()
    return (
        progress.select(fn.COUNT(progress.id))
        .join(module, on=(progress.module == module.id))
        .where((progress.user == user_field) & Module.not_archived(module))
    )


def module_status_rank_expr(module_id: int, user_field=User.id):
    """0 not started, 1 in progress, 2 completed: for sorting by a module's column."""
    progress = ModuleProgress.alias()
    rank = Case(progress.status, [("completed", 2), ("in_progress", 1)], 0)
    return fn.COALESCE(
        progress.select(rank).where((progress.user == user_field) & (progress.module == module_id)),
        0,
    )


def required_module_count(active_modules: list[Module] | None = None) -> int:
    """How many modules count towards completing the path; from the active modules when
    the caller has them already (no query), else one query."""
    if active_modules is not None:
        return sum(1 for module in active_modules if module.required)
    return Module.select().where(
        Module.required_and_active()
    ).count()


def local_today() -> date:
    """Today in the app's time zone (a next step is overdue from the local day after)."""
    from models import utcnow

    return local_date(utcnow())


def local_date(value: datetime | None) -> date | None:
    """The calendar date of a stored (naive UTC) timestamp in the app's time zone."""
    if value is None:
        return None
    from flask import has_app_context

    if has_app_context():
        from flask_babel import to_user_timezone

        return to_user_timezone(value).date()
    return value.date()


def local_date_of() -> Callable[[datetime | None], date | None]:
    """`local_date` for many timestamps: the time zone looked up once, not once per value,
    and converted as the date filters convert (`web.render.fast_zone`/`to_zone`)."""
    from flask import has_app_context

    if not has_app_context():
        return local_date
    from flask_babel import get_timezone

    from koalicje.web.render import fast_zone, to_zone

    zone = fast_zone(get_timezone())

    def convert(value: datetime | None) -> date | None:
        return None if value is None else to_zone(value, zone).date()

    return convert
