"""The trainer overview's per-coalition figures kept at write time (`CoalitionFigures`):
after every kind of write that changes them (a membership added, moved or removed, an account
disabled, enabled or deleted, an activity stamp, progress completed or undone, a quiz passed,
a module made optional or archived or deleted, a coalition deleted) the table equals what it
summarises, counted here member by member, on SQLite and PostgreSQL alike. `flask db recount`
repairs it and migration 17 fills it on an existing database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import (
    add_member,
    assign,
    attempt,
    days_ago,
    make_coalition,
    make_module,
    make_user,
    migrate_from,
    progress,
)

from koalicje import accounts, activity, coalitions
from koalicje.learning import progress as learning
from koalicje.trainer import overview
from models import (
    MIGRATIONS,
    Coalition,
    CoalitionFigures,
    Membership,
    Module,
    ModuleProgress,
    User,
    coalition_figures_from_scratch,
    create_or_migrate,
    db,
    drop_coalition_figures_triggers,
    recount_coalition_figures,
    utcnow,
)

EMPTY = (0, None, 0)


def _stored() -> dict[int, tuple]:
    """The table's rows, without those of coalitions with no enabled members."""
    rows = CoalitionFigures.select(CoalitionFigures.coalition, CoalitionFigures.members,
                                   CoalitionFigures.last_active_at,
                                   CoalitionFigures.completed).tuples()
    return {cid: (members, last, done) for cid, members, last, done in rows
            if (members, last, done) != EMPTY}


def _counted() -> dict[int, tuple]:
    """The same figures counted member by member from the models (the overview's rules: an
    enabled member counts; completions of required modules that are not archived)."""
    counted = {m.id for m in Module.select() if m.required and not m.archived}
    out = {}
    for coalition in Coalition.select():
        people = [m.user for m in Membership.select().where(Membership.coalition == coalition)
                  if m.user.active]
        if not people:
            continue
        done = sum(ModuleProgress.select().where(
            (ModuleProgress.user == p.id) & (ModuleProgress.status == "completed")
            & ModuleProgress.module.in_(list(counted) or [0])).count() for p in people)
        stamps = [p.last_active_at for p in people if p.last_active_at]
        out[coalition.id] = (len(people), max(stamps) if stamps else None, done)
    return out


class World:
    def __init__(self):
        self.admin = make_user(role="admin", name="Administratorka")
        self.trainer = make_user(role="trainer")
        self.lipowa = make_coalition(name="Koalicja Lipowa", slug="lipowa")
        self.debowa = make_coalition(name="Koalicja Dębowa", slug="debowa")
        self.empty = make_coalition(name="Koalicja Pusta", slug="pusta")
        for c in (self.lipowa, self.debowa, self.empty):
            assign(self.trainer, c)
        self.m1 = make_module(1, quiz=True)
        self.m2 = make_module(2)
        self.optional = make_module(3, required=False)
        self.people = [make_user(name=f"Osoba {n}") for n in range(5)]
        for n, person in enumerate(self.people):
            add_member(person, self.lipowa if n < 3 else self.debowa,
                       role="coordinator" if n in (0, 3) else "member")
        add_member(self.people[1], self.debowa)  # in both
        progress(self.people[0], self.m1, "completed", days_ago(9), days_ago(8))
        progress(self.people[1], self.m1, "completed", days_ago(7), days_ago(6))
        progress(self.people[1], self.m2, "in_progress", days_ago(5), days_ago(4))
        progress(self.people[3], self.optional, "completed", days_ago(3), days_ago(2))

    def check(self) -> None:
        expected = _counted()
        assert _stored() == expected
        assert {cid: (members, CoalitionFigures.last_active_at.python_value(last), done)
                for cid, (members, last, done) in coalition_figures_from_scratch().items()
                } == expected
        # and the overview shows them
        built = overview.build(self.trainer, with_profiles=False)
        for s in built.summaries:
            assert (s.members, s.last_activity, s.completed_modules) == expected.get(
                s.coalition.id, EMPTY), s.coalition.slug


@pytest.fixture
def world(app, database):
    with app.app_context():
        w = World()
        w.check()
        yield w


def test_the_world_has_figures_to_keep(world):
    stored = _stored()
    assert stored[world.lipowa.id][0] == 3 and stored[world.lipowa.id][2] == 2
    assert stored[world.debowa.id][0] == 3 and stored[world.debowa.id][2] == 1
    assert world.empty.id not in stored


def test_memberships_added_moved_and_removed(world):
    newcomer = make_user(name="Nowa")
    activity.touch(newcomer, utcnow())
    add_member(newcomer, world.empty)
    world.check()
    Membership.update(coalition=world.lipowa).where(Membership.user == newcomer.id).execute()
    world.check()
    Membership.update(user=world.people[4]).where(Membership.user == newcomer.id).execute()
    world.check()
    coalitions.remove_membership(Membership.get(Membership.user == world.people[2].id),
                                 world.admin)
    world.check()
    Membership.delete().where(Membership.coalition == world.debowa.id).execute()
    world.check()


def test_accounts_disabled_enabled_and_deleted(world):
    accounts.set_active(world.admin, world.people[1], False)
    world.check()
    User.update(active=False).where(User.id.in_([world.people[0].id, world.people[3].id])
                                    ).execute()
    world.check()
    accounts.set_active(world.admin, world.people[1], True)
    world.check()
    world.people[4].delete_instance()  # memberships and progress cascade
    world.check()
    User.delete().where(User.id == world.people[1].id).execute()
    world.check()


def test_activity_stamps_forwards_and_backwards(world):
    activity.touch(world.people[2], utcnow() + timedelta(minutes=1))
    world.check()
    User.update(last_active_at=days_ago(400)).where(User.id == world.people[2].id).execute()
    world.check()
    User.update(last_active_at=None).execute()
    world.check()
    assert activity.recount() > 0
    world.check()


def test_progress_completed_undone_moved_and_deleted(world):
    learning.set_watched(world.people[2], world.m2)  # no quiz, no task: completed
    assert ModuleProgress.get(user=world.people[2].id, module=world.m2.id).status == "completed"
    world.check()
    learning.set_watched(world.people[2], world.m2, watched=False)  # back to in progress
    world.check()
    ModuleProgress.update(status="completed").where(
        ModuleProgress.user == world.people[1].id).execute()
    world.check()
    ModuleProgress.update(module=world.optional).where(
        (ModuleProgress.user == world.people[0].id) & (ModuleProgress.module == world.m1.id)
    ).execute()
    world.check()
    ModuleProgress.update(user=world.people[4]).where(
        ModuleProgress.user == world.people[1].id).execute()
    world.check()
    ModuleProgress.delete().where(ModuleProgress.user == world.people[4].id).execute()
    world.check()
    progress(world.people[3], world.m2, "completed")
    world.check()
    # written directly, without an activity stamp (as a bulk load or an import would)
    ModuleProgress.insert(user=world.people[0], module=world.m2, status="completed",
                          started_at=days_ago(30), updated_at=days_ago(30)).execute()
    world.check()


def test_a_passed_quiz_completes_the_module(world):
    learning.set_watched(world.people[2], world.m1)  # read, the quiz not passed yet
    world.check()
    attempt(world.people[2], world.m1, passed=True)
    learning.refresh(world.people[2], world.m1)
    assert ModuleProgress.get(user=world.people[2].id, module=world.m1.id).status == "completed"
    world.check()


def test_modules_made_optional_archived_and_deleted(world):
    Module.update(required=False).where(Module.id == world.m1.id).execute()
    world.check()
    Module.update(required=True).where(Module.id == world.optional.id).execute()
    world.check()
    world.m1.required = True
    world.m1.archived = True
    world.m1.save()
    world.check()
    Module.update(archived=False).execute()
    world.check()
    Module.delete().where(Module.id == world.optional.id).execute()  # progress cascades
    world.check()


def test_coalitions_created_and_deleted(world):
    fresh = make_coalition(name="Koalicja Nowa", slug="nowa")
    assign(world.trainer, fresh)
    world.check()
    add_member(world.people[0], fresh)
    world.check()
    world.lipowa.delete_instance()  # memberships cascade
    assert not CoalitionFigures.select().where(
        CoalitionFigures.coalition == world.lipowa.id).exists()
    world.check()


def test_recount_and_the_migration_fill_the_table(app, world):
    expected = _stored()
    CoalitionFigures.update(members=CoalitionFigures.members + 1).where(
        CoalitionFigures.coalition == world.lipowa.id).execute()
    CoalitionFigures.delete().where(CoalitionFigures.coalition == world.debowa.id).execute()
    assert recount_coalition_figures() == 2
    assert _stored() == expected
    assert recount_coalition_figures() == 0
    CoalitionFigures.delete().execute()
    db.close()
    output = app.test_cli_runner().invoke(args=["db", "recount"]).output
    assert "Coalitions' members and completions: 2 repaired." in output
    db.connect(reuse_if_open=True)
    assert _stored() == expected
    # An existing database from before the table (and its triggers): migration 17 creates
    # and fills it, and the triggers keep it from then on.
    drop_coalition_figures_triggers()
    db.execute_sql('DROP TABLE "coalition_figures"')
    assert migrate_from(15) == [v for v in sorted(MIGRATIONS) if v > 15]
    assert _stored() == expected
    assert create_or_migrate() == []
    world.check()
    add_member(world.people[0], world.empty)
    world.check()
