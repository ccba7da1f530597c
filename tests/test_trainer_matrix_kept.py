"""The matrix's learner rows kept per process (koalicje/trainer/progress_matrix.py
`_LearnerCells`): each learner's cells are found by the text of their statuses as the
database joins them and by the rows of their best scores. After every kind of write that
changes what a row shows, the matrix built with the kept rows is what a fresh build gives (the store
emptied) and what the stored rows say (with each learner's last-activity stamp and its
local day, kept by the stamp), on both engines, for the page and the exports."""

from __future__ import annotations

import pytest
from conftest import add_member, assign, make_coalition, make_user
from factories import attempt, days_ago, make_module, progress
from flask_babel import force_locale
from peewee import fn

from koalicje.trainer.progress_matrix import MatrixFilter, build
from koalicje.trainer.scope import local_date
from koalicje.web.labels import module_status_label
from models import MODULE_STATUSES, Membership, Module, ModuleProgress, QuizAttempt, User, db

_STORES = ("koalicje.trainer.matrix_learner_cells", "koalicje.trainer.matrix_stamps")


def _plain(matrix) -> list:
    return [(row.user_id, row.name, row.completed, row.last_activity, row.last_date,
             [(c.status, c.score, c.label, c.percent) for c in row.cells])
            for row in matrix.rows]


def _expected(trainer_rows: list, modules: list[Module]) -> list:
    """What the stored rows say of each learner shown: their statuses, best scores and
    the required modules they completed, read one by one."""
    out = []
    for user_id, name, labels in trainer_rows:
        states = {p.module_id: p.status
                  for p in ModuleProgress.select().where(ModuleProgress.user == user_id)}
        best = dict(QuizAttempt.select(QuizAttempt.quiz, fn.MAX(QuizAttempt.score))
                    .where(QuizAttempt.user == user_id).group_by(QuizAttempt.quiz).tuples())
        cells = []
        completed = 0
        for module in modules:
            state = states.get(module.id, "not_started")
            completed += bool(module.required and state == "completed")
            score = best.get(module.quiz_pk) if module.quiz_pk else None
            score = None if score is None else float(score)
            cells.append((state, score, labels[state],
                          None if score is None else round(score * 100)))
        stamp = User.get_by_id(user_id).last_active_at
        out.append((user_id, name, completed, stamp, local_date(stamp), cells))
    return out


def _check(app, trainer, locale: str = "pl") -> None:
    for paginate in (False, True):
        with app.test_request_context("/"), force_locale(locale):
            kept = build(trainer, MatrixFilter(), paginate=paginate)
            for store in _STORES:
                app.extensions.pop(store, None)
            fresh = build(trainer, MatrixFilter(), paginate=paginate)
            labels = {key: module_status_label(key) for key in MODULE_STATUSES}
            expected = _expected([(r.user_id, r.name, labels) for r in fresh.rows],
                                 fresh.modules)
            assert _plain(kept) == _plain(fresh) == expected
            build(trainer, MatrixFilter(), paginate=paginate)  # the next check starts warm


@pytest.fixture
def setup(app):
    db.connect(reuse_if_open=True)
    trainer = make_user(role="trainer")
    coalition = make_coalition()
    assign(trainer, coalition)
    modules = [make_module(1, quiz=True), make_module(2, quiz=True), make_module(3),
               make_module(4, quiz=True, required=False)]
    people = [make_user(name=f"Osoba {n}") for n in range(4)]
    for person in people:
        add_member(person, coalition)
    progress(people[0], modules[0], "completed", days_ago(3))
    progress(people[0], modules[1], "in_progress", days_ago(2))
    attempt(people[0], modules[0], {"q1": True, "q2": True, "q3": False})
    attempt(people[0], modules[0], {"q1": True, "q2": False, "q3": False})
    progress(people[1], modules[3], "completed", days_ago(1))
    attempt(people[2], modules[1], {"q1": True, "q2": False, "q3": False})  # scores only
    yield trainer, coalition, modules, people
    db.close()


def test_kept_learner_rows_are_a_fresh_build_after_every_kind_of_write(app, setup):
    trainer, coalition, modules, people = setup
    _check(app, trainer)
    # a status changes, a progress row is added, one is deleted
    ModuleProgress.update(status="completed").where(
        (ModuleProgress.user == people[0].id) & (ModuleProgress.module == modules[1].id)).execute()
    _check(app, trainer)
    progress(people[3], modules[2], "in_progress")
    _check(app, trainer)
    ModuleProgress.delete().where((ModuleProgress.user == people[0].id)
                                  & (ModuleProgress.module == modules[0].id)).execute()
    _check(app, trainer)
    # a better attempt, a worse one, an attempt deleted, an odd score written directly
    attempt(people[2], modules[1], {"q1": True, "q2": True, "q3": True})
    _check(app, trainer)
    attempt(people[2], modules[1], {"q1": False, "q2": False, "q3": False})
    _check(app, trainer)
    QuizAttempt.delete().where(QuizAttempt.user == people[0].id).execute()
    _check(app, trainer)
    last = attempt(people[3], modules[0], {"q1": True, "q2": False, "q3": False})
    QuizAttempt.update(score=0.1 + 0.2).where(QuizAttempt.id == last.id).execute()
    _check(app, trainer)
    # the learning path changes: a module stops counting, one is archived, one is added
    Module.update(required=False).where(Module.id == modules[0].id).execute()
    _check(app, trainer)
    Module.update(archived=True).where(Module.id == modules[1].id).execute()
    _check(app, trainer)
    added = make_module(5, quiz=True)
    attempt(people[1], added, {"q1": True, "q2": True, "q3": False})
    _check(app, trainer)
    # a learner's stamp moves (to a day in another month, and back to none)
    User.update(last_active_at=days_ago(40)).where(User.id == people[0].id).execute()
    _check(app, trainer)
    User.update(last_active_at=None).where(User.id == people[0].id).execute()
    _check(app, trainer)
    # another language's labels; a learner leaves, one is deactivated
    _check(app, trainer, "en")
    Membership.delete().where(Membership.user == people[1].id).execute()
    _check(app, trainer)
    User.update(active=False).where(User.id == people[2].id).execute()
    _check(app, trainer)


def test_kept_learner_rows_are_shared_tuples(app, setup):
    """The kept cells are tuples (shared by the requests, never changed), and learners
    with the same statuses and scores share one."""
    trainer, coalition, modules, people = setup
    with app.test_request_context("/"):
        first = build(trainer, MatrixFilter(), paginate=False)
        again = build(trainer, MatrixFilter(), paginate=False)
    assert all(isinstance(row.cells, tuple) for row in first.rows)
    assert [id(r.cells) for r in first.rows] == [id(r.cells) for r in again.rows]
    blank = [row for row in first.rows if row.name == "Osoba 3"]
    assert blank and all(c.status == "not_started" for c in blank[0].cells)
