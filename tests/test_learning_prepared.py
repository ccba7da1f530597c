"""The learner's pages run prepared queries (koalicje/prepared.py): once a page has been
shown, showing it again builds no SQL text with Peewee; every query runs a kept text."""

from __future__ import annotations

import peewee
import pytest
from conftest import add_member, make_coalition, make_user
from factories import make_module, sync_content

from koalicje.learning import progress
from models import Post, TrainerAssignment

SLUG = "czym-jest-partnerstwo"


@pytest.fixture
def learner(app, database, auth):
    sync_content()  # quizzes and instruments
    person = make_user(name="Ucząca się")
    with app.app_context():
        first = make_module(slug=SLUG, quiz_slug=SLUG, task=True)
        make_module(prerequisites=[SLUG], quiz=True)
        make_module(task=True)
        progress.set_watched(person, first)
        Post.create(coalition=make_coalition(name="Zadania"), author=person, title="z",
                    body_source="x", body_html="<p>x</p>", module_slug=SLUG)
    return auth.as_user(person)


def _built_on_second_visit(client, monkeypatch, path: str) -> list[str]:
    """The SQL Peewee built while `path` was shown a second time."""
    assert client.get(path).status_code == 200  # first visit: the texts are built
    built = []
    original = peewee.Database.execute

    def execute(self, query, *args, **kwargs):
        built.append(self.get_sql_context().sql(query).query()[0])
        return original(self, query, *args, **kwargs)

    monkeypatch.setattr(peewee.Database, "execute", execute)
    try:
        assert client.get(path).status_code == 200
    finally:
        monkeypatch.undo()
    return built


@pytest.mark.parametrize("path", [
    "/", "/learning/", f"/learning/{SLUG}", f"/quizzes/{SLUG}", "/self-assessment/",
])
def test_learner_pages_build_no_sql_on_the_second_visit(client, monkeypatch, learner, path):
    built = _built_on_second_visit(client, monkeypatch, path)
    if path.startswith("/learning/czym"):
        # the learner's task post, looked up by the board area (board.posts.task_post)
        built = [sql for sql in built if not sql.startswith('SELECT "t1"."id", "t1"."coalition_id"')
                 or '"module_slug" = ' not in sql]
    assert built == []


def test_coalition_page_lookup_members_and_trainers_are_prepared(app, client, monkeypatch,
                                                                 learner):
    with app.app_context():
        team = make_coalition(name="Zespół")
        add_member(learner, team, role="coordinator")
        add_member(make_user(name="Bea"), team)
        TrainerAssignment.create(trainer=make_user(role="trainer"), coalition=team)
        Post.create(coalition=team, author=learner, title="t", body_source="x",
                    body_html="<p>x</p>")
        slug = team.slug
    built = _built_on_second_visit(client, monkeypatch, f"/coalitions/{slug}")
    assert not [sql for sql in built if 'FROM "coalition"' in sql.split("WHERE")[0]
                and '"slug" =' in sql]
    assert not [sql for sql in built if 'FROM "membership"' in sql]
    assert not [sql for sql in built if 'JOIN "trainer_assignment"' in sql]
