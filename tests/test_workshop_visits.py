"""Visits link to a workshop meeting or plan action; migration 6 adds the links, keeping data."""

from __future__ import annotations

from datetime import date

from conftest import add_member, make_coalition, make_user
from playhouse.migrate import PostgresqlMigrator, migrate

import models
from koalicje.trainer import visits
from koalicje.workshop import meetings
from models import SchemaVersion, Visit, create_or_migrate, db


def test_migration_6_adds_visit_links_and_keeps_visits(database):
    coalition = make_coalition()
    trainer = make_user(role="trainer")
    visit = visits.record_visit(coalition, trainer, date(2026, 3, 1), "workshop", "Notatka", [])
    # the visit table as version 5 had it (SQLite cannot drop a foreign-key column: copy)
    if models.is_sqlite():
        db.execute_sql("PRAGMA foreign_keys=0")
        db.execute_sql('CREATE TABLE "visit_v5" AS SELECT id, coalition_id, trainer_id, date, '
                       'purpose, notes, created_at FROM "visit"')
        db.execute_sql('DROP TABLE "visit"')
        db.execute_sql('ALTER TABLE "visit_v5" RENAME TO "visit"')
        db.execute_sql("PRAGMA foreign_keys=1")
    else:
        migrator = PostgresqlMigrator(db.obj)
        migrate(migrator.drop_column("visit", "meeting_id"),
                migrator.drop_column("visit", "action_id"))
    assert "meeting_id" not in {c.name for c in db.get_columns("visit")}
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=5)
    # 6 and any later migration (7 fills each person's activity stamp)
    assert create_or_migrate() == [v for v in sorted(models.MIGRATIONS) if v >= 6]
    assert {"meeting_id", "action_id"} <= {c.name for c in db.get_columns("visit")}
    kept = Visit.get_by_id(visit.id)
    assert (kept.notes, kept.meeting_id, kept.action_id) == ("Notatka", None, None)
    assert create_or_migrate() == []  # idempotent
    assert models.current_version() == models.SCHEMA_VERSION


def test_visit_links_to_a_meeting(client, auth, database):
    coalition = make_coalition(slug="zalesie")
    coordinator = make_user()
    add_member(coordinator, coalition, "coordinator", "library")
    trainer = make_user(role="trainer")
    models.TrainerAssignment.create(trainer=trainer, coalition=coalition)
    meeting = meetings.create_meeting(coalition, meetings.clean_meeting(
        {"title": "Spotkanie badawcze"}), coordinator)
    other = meetings.create_meeting(make_coalition(), meetings.clean_meeting(
        {"title": "Cudze spotkanie"}), coordinator)
    db.close()
    auth.as_user(trainer)
    form = {"date": "2026-03-01", "purpose": "workshop", "notes": "Moderacja",
            "csrf_token": auth.csrf()}
    assert client.post("/trainer/visits/zalesie", data={
        **form, "link": f"meeting-{meeting.id}"}).status_code == 303
    # a meeting of another coalition is not offered and not accepted
    assert client.post("/trainer/visits/zalesie", data={
        **form, "link": f"meeting-{other.id}"}).status_code == 422
    db.connect(reuse_if_open=True)
    assert [v.meeting_id for v in Visit.select()] == [meeting.id]
    db.close()
    page = client.get("/trainer/visits/zalesie").get_data(as_text=True)
    assert "Spotkanie badawcze" in page
