"""Recording a visit: owners of next steps, without a request."""

from __future__ import annotations

from datetime import date

from conftest import add_member, count_queries, make_coalition, make_user

from koalicje.trainer import visits
from models import NextStep


def test_owners_by_id_are_members_looked_up_in_one_query(database):
    coalition = make_coalition()
    trainer = make_user(role="trainer")
    anna, bogdan = make_user(name="Anna"), make_user(name="Bogdan")
    outsider = make_user(name="Obcy")
    for person in (bogdan, anna):
        add_member(person, coalition)
    assert [u.name for u in visits.members(coalition)] == ["Anna", "Bogdan"]
    steps = [
        visits.StepInput(f"Krok {n}", owner_user=person.id, owner_name="ignorowane")
        for n, person in enumerate([anna, bogdan, anna, bogdan, outsider])
    ] + [visits.StepInput("Bez konta", owner_name="sołtys")]
    with count_queries() as few:
        visits.record_visit(coalition, trainer, date(2026, 5, 1), "workshop", "", steps[:1])
    with count_queries() as many:
        visit = visits.record_visit(coalition, trainer, date(2026, 5, 2), "workshop", "", steps)
    # one more step costs its insert, never an owner lookup
    assert many.count - few.count == len(steps) - 1
    saved = list(NextStep.select().where(NextStep.visit == visit).order_by(NextStep.id))
    assert [(s.owner_user_id, s.owner_name) for s in saved] == [
        (anna.id, ""), (bogdan.id, ""), (anna.id, ""), (bogdan.id, ""),
        (None, "ignorowane"),  # not a member: no account owner
        (None, "sołtys"),
    ]
