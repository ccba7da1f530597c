"""The trainer's pages run prepared queries (koalicje/prepared.py): once a page has been
shown, showing it again builds no SQL text with Peewee; every query runs a kept text."""

from __future__ import annotations

import pytest
from conftest import add_member, assign, make_coalition, make_user, soup
from factories import days_ago, make_module, progress, sync_content
from test_learning_prepared import _built_on_second_visit  # what the second visit built

from koalicje import self_assessment
from models import db


@pytest.fixture
def trainer(app, database, auth):
    sync_content()  # the self-assessment instrument
    person = make_user(role="trainer")
    with app.app_context():
        db.connect(reuse_if_open=True)
        module = make_module(1, quiz=True)
        instrument = self_assessment.active_instruments()[0]
        answers = {s["id"]: 4 for d in instrument.current.definition["dimensions"]
                   for s in d["statements"]}
        for number in range(3):
            coalition = make_coalition(name=f"Koalicja {number}")
            assign(person, coalition)
            for index in range(4):
                learner = make_user(name=f"Osoba {number}-{index}")
                add_member(learner, coalition, "member", "ngo")
                progress(learner, module, "in_progress", days_ago(30), days_ago(30))
                draft = self_assessment.start(learner, instrument, coalition)
                self_assessment.save_answers(draft, answers, "ngo")
                self_assessment.submit(draft)
    return auth.as_user(person)


def test_the_overview_builds_no_sql_on_the_second_visit(client, monkeypatch, trainer):
    assert _built_on_second_visit(client, monkeypatch, "/trainer/") == []
    page = soup(client.get("/trainer/"))  # with what those queries show
    assert len(page.select("article.coalition-profile table tbody tr")) > 3 * 5
    assert len(page.select("ul.nudge-preview li")) == 5
    assert len(page.select("td[data-col=workshop] .workshop-stage")) == 3


@pytest.mark.parametrize("path", [
    "/trainer/matrix", "/trainer/matrix?q=osoba_1%25&sort=m-modul-1&dir=desc&page=2",
    "/trainer/matrix?coalition=koalicja-1&round=1&voivodeship=lubelskie&status=completed",
    "/trainer/matrix?status=in_progress&module=modul-1&sort=last",
    "/trainer/matrix.csv?status=not_started&sort=completed", "/trainer/matrix.xlsx",
])
def test_the_matrix_and_its_exports_build_no_sql_on_the_second_visit(client, monkeypatch,
                                                                     trainer, path):
    assert _built_on_second_visit(client, monkeypatch, path) == []
