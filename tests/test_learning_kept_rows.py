"""The learning path's modules and quizzes kept per process (`progress.kept_rows`): the
kept models hold what Peewee's own query gives, and any change to a stored row (an edit, an
archived or a new module, a new quiz version) is shown by the next call."""

from __future__ import annotations

import pytest
from conftest import count_queries, make_user
from factories import make_module

from koalicje.learning import progress
from models import Module, Quiz


def _data(rows) -> list[dict]:
    return [dict(row.__data__) for row in rows]


def _same_as_peewee(query, model) -> list:
    kept = progress.kept_rows(query, model)
    fresh = list(query.build())
    assert _data(kept) == _data(fresh)
    assert [type(row) for row in kept] == [model] * len(fresh)
    assert all(not row._dirty for row in kept)
    # the values' types too (a bool stays a bool, a datetime a datetime, JSON a dict/list)
    assert [[type(v) for v in row.__data__.values()] for row in kept] == \
        [[type(v) for v in row.__data__.values()] for row in fresh]
    return kept


@pytest.fixture
def path_content(app, database):
    with app.app_context():
        first = make_module(slug="pierwszy", quiz=True, task=True)
        make_module(slug="drugi", prerequisites=["pierwszy"], required=False,
                    duration_seconds=None)
        yield first


def test_kept_modules_and_quizzes_are_what_peewee_gives(app, path_content):
    with app.app_context():
        modules = _same_as_peewee(progress._path_modules, Module)
        assert [m.slug for m in modules] == ["pierwszy", "drugi"]
        assert modules[0].meta["task"]["title"]["pl"] == "Zadanie"
        assert modules[1].prerequisites == ["pierwszy"]
        _same_as_peewee(progress._path_quizzes, Quiz)
        # the same values again: the same models, built once
        assert progress.kept_rows(progress._path_modules, Module) is modules


def test_every_change_to_the_rows_is_seen_by_the_next_call(app, path_content):
    with app.app_context():
        kept = progress.kept_rows(progress._path_modules, Module)
        Module.update(title_pl="Nowy tytuł").where(Module.slug == "drugi").execute()
        changed = _same_as_peewee(progress._path_modules, Module)
        assert changed is not kept and changed[1].title_pl == "Nowy tytuł"
        Module.update(meta={"task": None, "materials": []}).where(
            Module.slug == "pierwszy").execute()
        assert _same_as_peewee(progress._path_modules, Module)[0].meta["task"] is None
        make_module(slug="trzeci")
        assert [m.slug for m in _same_as_peewee(progress._path_modules, Module)] == \
            ["pierwszy", "drugi", "trzeci"]
        Module.update(archived=True).where(Module.slug == "drugi").execute()
        assert [m.slug for m in _same_as_peewee(progress._path_modules, Module)] == \
            ["pierwszy", "trzeci"]
        Quiz.update(version=2).where(Quiz.slug == "pierwszy").execute()
        assert _same_as_peewee(progress._path_quizzes, Quiz)[0].version == 2


def test_the_path_shows_an_edit_at_once(app, path_content):
    learner = make_user()
    with app.app_context():
        before = progress.learning_path(learner)
        assert before.get("drugi").module.title_pl.startswith("Moduł")
        Module.update(title_pl="Po zmianie", prerequisites=[]).where(
            Module.slug == "drugi").execute()
        after = progress.learning_path(learner)
        assert after.get("drugi").module.title_pl == "Po zmianie"
        assert after.get("drugi").missing == []
        assert before.get("drugi").missing[0].slug == "pierwszy"


def test_kept_rows_still_run_one_query_each_time(app, path_content):
    learner = make_user()
    with app.app_context():
        progress.learning_path(learner)
        with count_queries() as first:
            progress.learning_path(learner)
        Module.update(title_pl="Inny").where(Module.slug == "drugi").execute()
        with count_queries() as changed:
            progress.learning_path(learner)
        assert first.count == changed.count


def test_a_query_without_every_column_is_refused(app, path_content):
    from koalicje.prepared import prepared

    @prepared
    def slugs_only():
        return Module.select(Module.slug)

    with app.app_context(), pytest.raises(TypeError):
        progress.kept_rows(slugs_only, Module)
