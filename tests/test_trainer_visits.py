"""Visit log: recording visits and next steps, the coordinator's read-only view, overdue
steps on the overview, marking steps done."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import add_member, assign, csrf_from, make_coalition, make_user, soup

from koalicje.trainer import visits
from models import NextStep, Visit, db, utcnow

TODAY = utcnow().date()


@pytest.fixture
def world(app):
    db.connect(reuse_if_open=True)
    w = {
        "trainer": make_user(role="trainer", name="Trener"),
        "other_trainer": make_user(role="trainer"),
        "coalition": make_coalition(name="Koalicja Łąk", slug="laki"),
        "coordinator": make_user(name="Koordynatorka"),
        "member": make_user(name="Członek"),
    }
    assign(w["trainer"], w["coalition"])
    add_member(w["coordinator"], w["coalition"], role="coordinator")
    add_member(w["member"], w["coalition"])
    db.close()
    return w


def post_visit(client, data):
    page = client.get("/trainer/visits/laki")
    form = {"csrf_token": csrf_from(page.get_data(as_text=True)), "date": TODAY.isoformat(),
            "purpose": "workshop", "notes": "Warsztat o diagnozie"}
    form.update(data)
    return client.post("/trainer/visits/laki", data=form)


def test_trainer_records_a_visit_with_next_steps(client, auth, world):
    auth.as_user(world["trainer"])
    response = post_visit(client, {
        "steps-0-description": "Ankieta dla mieszkańców",
        "steps-0-owner_user": str(world["coordinator"].id),
        "steps-0-due_date": (TODAY + timedelta(days=7)).isoformat(),
        "steps-1-description": "Rozmowa z wójtem", "steps-1-owner_name": "sołtys",
        "steps-2-description": "",
    })
    assert response.status_code == 303
    db.connect(reuse_if_open=True)
    visit = Visit.get()
    assert (visit.purpose, visit.notes, visit.trainer.id) == ("workshop", "Warsztat o diagnozie",
                                                              world["trainer"].id)
    steps = list(visit.next_steps.order_by(NextStep.id))
    assert [(s.description, s.owner_label) for s in steps] == [
        ("Ankieta dla mieszkańców", "Koordynatorka"), ("Rozmowa z wójtem", "sołtys")]
    assert steps[0].due_date == TODAY + timedelta(days=7)
    db.close()
    page = soup(client.get("/trainer/visits/laki"))
    assert page.select_one("article.visit").get_text(" ", strip=True).count("warsztat") == 1
    assert len(page.select("li.next-step")) == 2


@pytest.mark.parametrize("data, field", [
    ({"purpose": "picnic"}, "purpose"),
    ({"date": "31.02.2026"}, "date"),
    ({"date": ""}, "date"),
    ({"steps-0-due_date": "2026-12-01"}, "steps-0-description"),
    ({"steps-0-owner_user": "999999", "steps-0-description": "x"}, "steps-0-owner_user"),
    ({"notes": "x" * 5001}, "notes"),
])
def test_bad_visit_input_is_422_and_nothing_is_saved(client, auth, world, data, field):
    auth.as_user(world["trainer"])
    response = post_visit(client, data)
    assert response.status_code == 422
    assert soup(response).select_one(f"#{field}[aria-invalid=true]") is not None
    db.connect(reuse_if_open=True)
    assert Visit.select().count() == 0
    db.close()


def make_visit(world, due, done=False):
    db.connect(reuse_if_open=True)
    visit = visits.record_visit(world["coalition"], world["trainer"], TODAY - timedelta(days=30),
                                "local_need", "Notatka", [
                                    visits.StepInput("Krok po terminie", owner_name="wójt",
                                                     due_date=due)])
    step = visit.next_steps.get()
    if done:
        visits.mark_done(step, world["trainer"])
    db.close()
    return step


def assert_not_done(step):
    db.connect(reuse_if_open=True)
    kept = NextStep.get_by_id(step.id)
    db.close()
    assert (kept.done, kept.done_at, kept.done_by_id) == (False, None, None)


def test_coordinator_sees_visits_read_only(client, auth, world):
    make_visit(world, TODAY - timedelta(days=1))
    auth.as_user(world["coordinator"])
    page = soup(client.get("/trainer/visits/laki"))
    assert page.select_one("li.next-step").get_text(" ", strip=True).startswith("Krok po terminie")
    assert page.select_one("#visit-form") is None
    assert page.select_one("li.next-step form") is None


def test_member_and_unassigned_trainer_get_404(client, auth, world):
    step = make_visit(world, TODAY)
    for who in ("member", "other_trainer"):
        auth.as_user(world[who])
        assert client.get("/trainer/visits/laki").status_code == 404
        token = auth.csrf()
        assert client.post(f"/trainer/next-steps/{step.id}/done",
                           data={"csrf_token": token, "done": "1"}).status_code == 404
        auth.logout()
    assert_not_done(step)


def test_overdue_is_strictly_after_the_due_date(world, app):
    db.connect(reuse_if_open=True)
    make_visit(world, TODAY - timedelta(days=1))
    make_visit(world, TODAY)
    make_visit(world, TODAY - timedelta(days=5), done=True)
    db.connect(reuse_if_open=True)
    overdue = list(visits.overdue_steps(world["trainer"], today=TODAY))
    assert [s.due_date for s in overdue] == [TODAY - timedelta(days=1)]
    assert list(visits.overdue_steps(world["other_trainer"], today=TODAY)) == []
    db.close()


def test_the_overviews_prepared_overdue_list_keeps_the_rule_and_the_scope(world, app):
    """The overview's list (the day bound as ISO text to a prepared query): due before
    today only, in the trainer's coalitions only, on both engines."""
    from koalicje.trainer import overview

    make_visit(world, TODAY - timedelta(days=1))
    make_visit(world, TODAY)
    make_visit(world, TODAY - timedelta(days=5), done=True)
    with app.app_context(), db.connection_context():
        for _ in range(2):  # built, then from the kept text
            steps = overview._overdue(world["trainer"], TODAY)
            assert [s.due_date for s in steps] == [TODAY - timedelta(days=1)]
            assert overview._overdue(world["other_trainer"], TODAY) == []
            assert overview._overdue(world["coordinator"], TODAY) == []


def test_overdue_steps_show_on_the_overview(client, auth, world):
    make_visit(world, TODAY - timedelta(days=2))
    auth.as_user(world["trainer"])
    page = soup(client.get("/trainer/"))
    assert "Krok po terminie" in page.select_one("ul.overdue-steps").get_text()
    assert page.select_one("[data-coalition=laki] [data-col=overdue]").get_text() == "1"
    assert "1 zaległy" in page.select_one("[data-count=overdue]").get_text()


def test_mark_done_with_htmx_and_without(client, htmx, auth, world):
    step = make_visit(world, TODAY - timedelta(days=2))
    auth.as_user(world["trainer"])
    token = auth.csrf()
    response = htmx.post(f"/trainer/next-steps/{step.id}/done",
                         data={"csrf_token": token, "done": "1"})
    assert response.status_code == 200
    item = soup(response).select_one("li.next-step")
    assert item["id"] == f"step-{step.id}" and item["data-done"] == "1"
    assert soup(client.get("/trainer/")).select_one("ul.overdue-steps") is None
    response = client.post(f"/trainer/next-steps/{step.id}/done",
                           data={"csrf_token": token, "done": "0"})
    assert response.status_code == 303
    db.connect(reuse_if_open=True)
    assert NextStep.get_by_id(step.id).done is False
    db.close()
    assert client.post(f"/trainer/next-steps/{step.id}/done",
                       data={"csrf_token": token, "done": "maybe"}).status_code == 400
    assert_not_done(step)
    assert client.post("/trainer/next-steps/999999/done",
                       data={"csrf_token": token}).status_code == 404


def test_coordinator_cannot_mark_steps_done(client, auth, world):
    step = make_visit(world, TODAY)
    auth.as_user(world["coordinator"])
    response = client.post(f"/trainer/next-steps/{step.id}/done",
                           data={"csrf_token": auth.csrf(), "done": "1"})
    assert response.status_code == 403
    assert_not_done(step)


def test_visit_dates_are_shown(client, auth, world):
    make_visit(world, date(2030, 1, 15))
    auth.as_user(world["trainer"])
    page = soup(client.get("/trainer/visits/laki"))
    assert page.select_one("li.next-step time")["datetime"] == "2030-01-15"


def test_step_rows_beyond_the_form_are_dropped_not_a_500(client, auth, world):
    auth.as_user(world["trainer"])
    response = post_visit(client, {f"steps-{n}-description": f"Krok {n}" for n in range(5)})
    assert response.status_code == 303
    db.connect(reuse_if_open=True)
    assert [s.description for s in NextStep.select().order_by(NextStep.id)] == [
        "Krok 0", "Krok 1", "Krok 2"]
    db.close()


def test_visit_notes_are_shown_as_sanitized_markdown(client, auth, world):
    auth.as_user(world["trainer"])
    notes = "Ustaliłyśmy **trzy** sprawy:\n\n- ankieta\n- festyn\n\n<script>alert(1)</script>"
    assert post_visit(client, {"notes": notes}).status_code == 303
    shown = soup(client.get("/trainer/visits/laki")).select_one(".visit-notes")
    assert shown.select_one("strong").text == "trzy"
    assert [li.text for li in shown.select("li")] == ["ankieta", "festyn"]
    assert "**" not in shown.text and shown.select_one("script") is None


def test_visit_log_page_queries_do_not_grow_with_visits_steps_and_members(client, auth, world):
    from conftest import count_queries

    def queries() -> int:
        client.get("/trainer/visits/laki")  # warm-up: the session's first request
        with count_queries() as counter:
            response = client.get("/trainer/visits/laki")
        assert response.status_code == 200
        return counter.count

    def add(visit_count: int, members: int) -> None:
        db.connect(reuse_if_open=True)
        people = [make_user(name=f"Osoba {n}") for n in range(members)]
        for person in people:
            add_member(person, world["coalition"])
        for n in range(visit_count):
            visits.record_visit(world["coalition"], world["other_trainer"],
                                TODAY - timedelta(days=n), "workshop", f"**Notatka** {n}", [
                visits.StepInput(f"Krok {n}.{k}", owner_user=people[k % len(people)].id,
                                 due_date=TODAY + timedelta(days=k)) for k in range(3)])
        db.close()

    add(1, 1)
    auth.as_user(world["trainer"])
    few = queries()
    add(10, 12)
    many = queries()
    page = soup(client.get("/trainer/visits/laki"))
    assert len(page.select("article.visit")) == 11
    assert len(page.select("li.next-step")) == 33
    assert len(page.select("#steps-0-owner_user option")) == 1 + 2 + 13  # "—", the members
    assert few == many, (few, many)


def test_visit_log_shows_the_notes_as_rendered_when_recorded(client, auth, world):
    db.connect(reuse_if_open=True)
    recorded = visits.record_visit(world["coalition"], world["trainer"], TODAY, "workshop",
                                   "Pierwsza", [])
    # the page shows what was stored, it does not render the notes again
    Visit.update(notes_html="<p>Zapisane <em>wcześniej</em></p>").where(
        Visit.id == recorded.id).execute()
    # a visit written without the rendered notes (directly, not by recording) still shows
    direct = Visit.create(coalition=world["coalition"], trainer=world["trainer"],
                          date=TODAY - timedelta(days=1), purpose="workshop", notes="*dwa*")
    db.close()
    auth.as_user(world["trainer"])
    page = soup(client.get("/trainer/visits/laki"))
    shown = page.select_one(f"#visit-{recorded.id} .visit-notes")
    assert shown.get_text(" ", strip=True) == "Zapisane wcześniej"
    assert shown.select_one("em").text == "wcześniej"
    assert page.select_one(f"#visit-{direct.id} .visit-notes em").text == "dwa"


def test_visit_log_builds_no_sql_on_the_second_visit(client, auth, world, monkeypatch):
    """Every query of the visit log (the coalition, its visits with their steps, the form's
    members and workshop links) runs a kept SQL text (koalicje/prepared.py)."""
    from test_learning_prepared import _built_on_second_visit

    db.connect(reuse_if_open=True)
    visits.record_visit(world["coalition"], world["trainer"], TODAY, "workshop", "Notatka",
                        [visits.StepInput("Krok", owner_user=world["member"].id)])
    db.close()
    auth.as_user(world["trainer"])
    assert _built_on_second_visit(client, monkeypatch, "/trainer/visits/laki") == []


def test_visit_log_translates_no_field_name_with_wtforms_catalog(client, auth, world,
                                                                 monkeypatch):
    """Every field of the visit form has a label: WTForms translates a missing one from the
    field's name, and Flask-WTF then loads WTForms' catalog from disk for the request."""
    import flask_wtf.i18n

    loads = []
    original = flask_wtf.i18n._get_translations
    monkeypatch.setattr(flask_wtf.i18n, "_get_translations",
                        lambda: loads.append(1) or original())
    auth.as_user(world["trainer"])
    page = soup(client.get("/trainer/visits/laki"))
    assert len(page.select("#visit-form .step-row")) == 3
    assert loads == []


def test_the_overviews_overdue_list_is_the_rules_list_as_plain_values(world, app):
    """The overview reads the overdue steps with the rule's condition as plain values: the
    same steps, in the same order, with the same labels (a member or a named person)."""
    from koalicje.trainer import overview

    db.connect(reuse_if_open=True)
    for days in (3, 1, 7):
        make_visit(world, TODAY - timedelta(days=days))
    db.connect(reuse_if_open=True)
    NextStep.update(owner_user=world["trainer"].id, owner_name="").where(
        NextStep.due_date == TODAY - timedelta(days=3)).execute()
    with app.app_context():
        shown = overview._overdue(world["trainer"], TODAY)
        rule = list(visits.overdue_steps(world["trainer"], today=TODAY))
    assert shown == [overview.OverdueStep(
        s.visit.coalition.id, s.visit.coalition.slug, s.visit.coalition.name, s.description,
        s.owner_label, s.due_date) for s in rule]
    assert [s.owner_label for s in shown] == ["wójt", "Trener", "wójt"]
    db.close()
