"""Module tasks on the board: the rules, without a request."""

from __future__ import annotations

import pytest
from conftest import add_member, make_coalition, make_user

from koalicje.board import posts
from models import Module


def _module(task=None) -> Module:
    return Module.create(slug="modul-z-zadaniem", position=1, kind="reading", title_pl="M",
                         title_en="M", meta={"task": task} if task is not None else {})


def test_task_of_reads_the_front_matter(database):
    assert posts.task_of(None) is None
    assert posts.task_of(_module()) is None
    Module.delete().execute()
    assert posts.task_of(_module({"title": {"pl": "Zadanie"}})) == {"title": {"pl": "Zadanie"}}
    Module.update(meta={"task": "tekst"}).execute()
    assert posts.task_of(Module.get()) is None  # not a mapping: no task


@pytest.mark.parametrize(("task", "category"), [
    ({}, "success"), ({"category": "need"}, "need"), ({"category": "event"}, "success"),
])
def test_task_category(task, category):
    assert posts.task_category(task) == category


def test_task_boards_are_the_member_boards(database):
    mine = make_coalition(name="Moja")
    make_coalition(name="Cudza")
    user = make_user()
    add_member(user, mine)
    assert [b.id for b in posts.task_boards(user)] == [mine.id]
    assert posts.task_boards(make_user(role="trainer")) == []


def test_answer_task_posts_with_the_module_and_category(database):
    coalition = make_coalition()
    user = make_user()
    add_member(user, coalition)
    module = _module({"category": "event"})
    post = posts.answer_task(user, module, coalition, title="Nasz krok", body="Opis")
    assert (post.module_slug, post.category, post.coalition_id) == (module.slug, "success", coalition.id)
    assert posts.task_post(user, module.slug).id == post.id
    with pytest.raises(ValueError):
        Module.update(meta={}).execute()
        posts.answer_task(user, Module.get(), None, title="x", body="y")
