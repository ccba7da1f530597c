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


def _linked_visits(coalition, trainer, owner, count: int, steps: int) -> None:
    """`count` visits, every other one linked to a workshop meeting or a plan action, each
    with `steps` next steps (owned by a member, by a named person, or nobody)."""
    from koalicje.workshop import meetings
    from models import PlanAction, Priority

    meeting = meetings.create_meeting(coalition, meetings.clean_meeting(
        {"title": "Spotkanie badawcze"}), owner)
    priority = Priority.create(coalition=coalition, title="Młodzież")
    action = PlanAction.create(priority=priority, title="Klub filmowy")
    for n in range(count):
        link = [("meeting", meeting.id), ("action", action.id), None][n % 3]
        visits.record_visit(coalition, trainer, date(2026, 1, 1 + n), "workshop", f"W{n}", [
            visits.StepInput(f"Krok {n}.{k}", owner_user=owner.id if k % 3 == 0 else None,
                             owner_name="wójt" if k % 3 == 1 else "",
                             due_date=date(2026, 3, 1 + k) if k % 2 else None)
            for k in range(steps)], link=link)


def test_visits_of_loads_steps_owners_and_links_in_one_query_whatever_the_count(database):
    coalition = make_coalition()
    trainer = make_user(role="trainer", name="Trenerka")
    owner = make_user(name="Anna")
    add_member(owner, coalition)
    _linked_visits(coalition, trainer, owner, 1, 1)
    with count_queries() as few:
        shown = [(v.notes, v.trainer.name, [s.owner_label for s in v.next_steps])
                 for v in visits.visits_of(coalition)]
    assert shown == [("W0", "Trenerka", ["Anna"])]

    other = make_coalition()
    add_member(owner, other)
    _linked_visits(other, trainer, owner, 9, 4)
    visits.record_visit(other, trainer, date(2026, 1, 5), "workshop", "bez kroków", [])
    with count_queries() as many:
        loaded = visits.visits_of(other)
        for visit in loaded:
            _ = (visit.trainer.name, visit.meeting_id and visit.meeting.title,
                 visit.action_id and visit.action.title,
                 [(s.owner_label, s.due_date) for s in visit.next_steps])
    assert few.count == many.count == 1
    # newest first (the same day: the later one first); steps by due date, undated last
    assert [v.notes for v in loaded] == ["W8", "W7", "W6", "W5", "bez kroków", "W4", "W3",
                                        "W2", "W1", "W0"]
    assert loaded[4].next_steps == []
    assert [(s.description, s.owner_label) for s in loaded[0].next_steps] == [
        ("Krok 8.1", "wójt"), ("Krok 8.3", "Anna"), ("Krok 8.0", "Anna"), ("Krok 8.2", "")]
    assert [v.meeting.title if v.meeting_id else v.action.title if v.action_id else None
            for v in loaded[-3:]] == [None, "Klub filmowy", "Spotkanie badawcze"]
    assert all(s.visit_id == v.id for v in loaded for s in v.next_steps)


def test_recording_a_visit_stores_its_notes_rendered(database):
    from koalicje.web.markdown import render_markdown
    from models import Visit

    coalition, trainer = make_coalition(), make_user(role="trainer")
    notes = "Ustaliłyśmy **trzy** sprawy:\n\n- ankieta\n- festyn\n\n<script>alert(1)</script>"
    visit = visits.record_visit(coalition, trainer, date(2026, 5, 1), "workshop", notes, [])
    empty = visits.record_visit(coalition, trainer, date(2026, 5, 2), "workshop", "", [])
    stored = Visit.get_by_id(visit.id)
    assert stored.notes == notes
    assert stored.notes_html == render_markdown(notes)
    assert "<strong>trzy</strong>" in stored.notes_html and "<script>" not in stored.notes_html
    assert Visit.get_by_id(empty.id).notes_html == ""


def test_migration_13_renders_the_notes_of_existing_visits(database):
    from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

    import models
    from koalicje.web.markdown import render_markdown
    from models import SchemaVersion, Visit, create_or_migrate, db

    coalition, trainer = make_coalition(), make_user(role="trainer")
    written = visits.record_visit(coalition, trainer, date(2026, 5, 1), "workshop",
                                  "Mapa **zasobów**", [visits.StepInput("Ankieta"),
                                                       visits.StepInput("Festyn")])
    blank = visits.record_visit(coalition, trainer, date(2026, 5, 2), "workshop", "", [])
    migrator = SqliteMigrator(db.obj) if models.is_sqlite() else PostgresqlMigrator(db.obj)
    migrate(migrator.drop_column("visit", "notes_html"))  # the table as version 12 had it
    assert "notes_html" not in {c.name for c in db.get_columns("visit")}
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=12)

    assert 13 in create_or_migrate()
    assert Visit.get_by_id(written.id).notes_html == render_markdown("Mapa **zasobów**")
    assert Visit.get_by_id(blank.id).notes_html == ""
    assert Visit.get_by_id(written.id).notes == "Mapa **zasobów**"
    # the visits and their next steps are kept (no table rebuild cascading to the steps)
    assert [v.id for v in Visit.select().order_by(Visit.id)] == [written.id, blank.id]
    assert [s.description for s in NextStep.select().order_by(NextStep.id)] == [
        "Ankieta", "Festyn"]
    assert create_or_migrate() == []  # idempotent
