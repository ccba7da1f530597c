"""Shared data for the noticeboard tests: a coalition with a coordinator, members, trainers."""

from __future__ import annotations

from dataclasses import dataclass

from conftest import add_member, assign, make_coalition, make_user

from models import Coalition, User, db


@dataclass
class BoardWorld:
    coalition: Coalition
    other: Coalition
    coordinator: User
    member: User
    member2: User
    outsider: User
    trainer: User
    other_trainer: User
    admin: User


def build_board_world() -> BoardWorld:
    """Each test module wraps this in its own `bw` fixture (which also takes `app`)."""
    db.connect(reuse_if_open=True)
    coalition = make_coalition(name="Koalicja Lipowa")
    other = make_coalition(name="Koalicja Dębowa")
    world = BoardWorld(
        coalition=coalition, other=other,
        coordinator=make_user(name="Krystyna Koordynatorka"),
        member=make_user(name="Marek Członek"),
        member2=make_user(name="Maria Druga"),
        outsider=make_user(name="Olga Spoza"),
        trainer=make_user(role="trainer", name="Teodor Trener"),
        other_trainer=make_user(role="trainer", name="Inny Trener"),
        admin=make_user(role="admin", name="Ada Admin"),
    )
    add_member(world.coordinator, coalition, "coordinator", "library")
    add_member(world.member, coalition, "member", "ngo")
    add_member(world.member2, coalition, "member", "business")
    add_member(world.outsider, other, "member", "resident")
    assign(world.trainer, coalition)
    assign(world.other_trainer, other)
    db.close()
    return world


def with_db(fn):
    """Run `fn` with an open connection (for setting up data between requests)."""
    db.connect(reuse_if_open=True)
    try:
        return fn()
    finally:
        db.close()
