"""Demo data for the trainer dashboard: loads on top of synced modules, idempotently."""

from __future__ import annotations

from trainer_helpers import make_module

import demo
from models import ModuleProgress, NextStep, QuizAttempt, Visit, utcnow


def counts():
    return (ModuleProgress.select().count(), QuizAttempt.select().count(),
            Visit.select().count(), NextStep.select().count())


def test_demo_without_modules_loads_no_progress(database):
    demo.load()
    assert counts() == (0, 0, 1 + 1, 3)  # the visit log needs no modules


def test_demo_gives_the_trainer_a_living_dashboard_and_loads_twice(database):
    for position in range(1, 9):
        make_module(position, slug=f"m{position}", quiz=position < 8)
    demo.load()
    first = counts()
    assert first[0] > 10 and first[1] > 5
    overdue = NextStep.select().where((NextStep.done == False)  # noqa: E712
                                      & (NextStep.due_date < utcnow().date()))
    assert overdue.count() == 1
    demo.load()
    assert counts() == first
