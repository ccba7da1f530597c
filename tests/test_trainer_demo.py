"""Demo data for the trainer dashboard: loads on top of synced modules, idempotently."""

from __future__ import annotations

from koalicje.ops import demo
from models import Module, ModuleProgress, NextStep, QuizAttempt, Visit, utcnow


def counts():
    return (ModuleProgress.select().count(), QuizAttempt.select().count(),
            Visit.select().count(), NextStep.select().count())


def test_demo_without_modules_loads_no_progress(database):
    demo.load()
    progress, _attempts, visits, steps = counts()  # other areas' demo may add attempts
    assert (progress, visits, steps) == (0, 2, 3)  # the visit log needs no modules
    from koalicje.web.markdown import render_markdown

    # as recording a visit does: the notes are stored rendered too
    assert [(v.notes_html == render_markdown(v.notes), bool(v.notes)) for v in Visit.select()] \
        == [(True, True), (True, True)]


def test_demo_gives_the_trainer_a_living_dashboard_and_loads_twice(database):
    # as after `flask content sync`: the contract's module slugs; quizzes come from content/
    slugs = ["czym-jest-partnerstwo", "wsparcie-dla-partnerstw", "webinarium-program-wsparcia",
             "film-spotkanie-badawcze", "webinarium-biblioteka-i-samorzad",
             "webinarium-ngo-i-biznes", "webinarium-rozwijamy-wspolprace"]
    for position, slug in enumerate(slugs, start=1):
        Module.create(slug=slug, position=position, kind="reading", title_pl=slug,
                      title_en=slug, quiz_slug=slug)
    demo.load()
    first = counts()
    assert first[0] > 10 and first[1] > 5
    overdue = NextStep.select().where((NextStep.done == False)  # noqa: E712
                                      & (NextStep.due_date < utcnow().date()))
    assert overdue.count() == 1
    demo.load()
    assert counts() == first
