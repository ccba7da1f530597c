"""The visit log's blank form is kept per process for what it shows (language, script root,
coalition, today, its link and member choices) and gives the template's HTML with the
request's own CSRF token; any change of what it shows gives a new form."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import add_member, assign, csrf_from, make_coalition, make_user, soup
from flask import render_template
from flask_login import login_user

from blueprints.trainer import visits as visit_views
from koalicje.workshop import meetings
from models import User, db


@pytest.fixture
def world(app):
    db.connect(reuse_if_open=True)
    trainer = make_user(role="trainer", name="Trener")
    coalition = make_coalition(name="Koalicja Łąk", slug="laki")
    assign(trainer, coalition)
    coordinator = make_user(name="Koordynatorka <b>")
    add_member(coordinator, coalition, role="coordinator")
    db.close()
    return {"trainer": trainer, "coalition": coalition, "coordinator": coordinator}


def _form_of(response) -> str:
    return str(soup(response).select_one("#visit-form"))


def _template_form(app, world) -> str:
    """What templates/trainer/_visit_form.html gives for a fresh form."""
    with app.test_request_context("/"), db.connection_context():
        login_user(User.get_by_id(world["trainer"].id))
        coalition = visit_views.coalitions.by_slug("laki")
        return render_template("trainer/_visit_form.html", coalition=coalition,
                               form=visit_views.visit_form(coalition))


def _raw_form(html: str) -> str:
    """The visit form's markup exactly as sent."""
    start = html.index('<form method="post" action="/trainer/visits/laki" id="visit-form"')
    return html[start:html.index("</form>", start) + len("</form>")]


def _without_token(html: str) -> str:
    token = csrf_from(html)
    assert token and html.count(token) == 1
    return html.replace(token, "TOKEN")


def test_the_kept_form_is_the_templates_with_each_pages_token(app, client, auth, world):
    assert not app.jinja_env.auto_reload  # the kept path, as in production
    auth.as_user(world["trainer"])
    first = client.get("/trainer/visits/laki")
    second = client.get("/trainer/visits/laki")
    assert visit_views._FORMS in app.extensions and len(app.extensions[visit_views._FORMS]) == 1
    expected = _template_form(app, world)
    for page in (first, second):
        html = page.get_data(as_text=True)
        token = soup(page).select_one("#visit-form input[name=csrf_token]")["value"]
        assert token == csrf_from(html)  # the page's own token
        assert _without_token(_raw_form(html)) == _without_token(_raw_form(expected))
    # the kept form posts like the template's: a visit is recorded
    data = {"csrf_token": csrf_from(second.get_data(as_text=True)), "date": "2026-03-01",
            "purpose": "workshop", "notes": "x",
            "steps-0-owner_user": str(world["coordinator"].id), "steps-0-description": "Krok"}
    assert client.post("/trainer/visits/laki", data=data).status_code == 303


def test_whatever_the_form_shows_decides_which_form_is_kept(app, client, auth, world,
                                                           monkeypatch):
    auth.as_user(world["trainer"])
    before = _form_of(client.get("/trainer/visits/laki"))
    assert "Koordynatorka &lt;b&gt;" in before
    # a new member: offered as a step's owner at once
    db.connect(reuse_if_open=True)
    add_member(make_user(name="Nowa Osoba"), world["coalition"])
    db.close()
    with_member = _form_of(client.get("/trainer/visits/laki"))
    assert "Nowa Osoba" in with_member and "Nowa Osoba" not in before
    # a new workshop meeting: offered as the visit's link
    db.connect(reuse_if_open=True)
    meetings.create_meeting(world["coalition"], meetings.clean_meeting(
        {"title": "Spotkanie badawcze"}), world["coordinator"])
    db.close()
    with_link = soup(client.get("/trainer/visits/laki"))
    assert "Spotkanie: Spotkanie badawcze" in with_link.select_one("#link").get_text()
    # another day: the date field says it
    monkeypatch.setattr(visit_views, "local_today", lambda: date(2031, 5, 6))
    assert soup(client.get("/trainer/visits/laki")).select_one("#date")["value"] == "2031-05-06"
    # another language
    client.post("/language", data={"locale": "en", "csrf_token": auth.csrf()})
    english = soup(client.get("/trainer/visits/laki"))
    assert english.select_one("label[for=date]").get_text() == "Date of the visit"
    assert len(app.extensions[visit_views._FORMS]) == 5


def test_a_form_with_errors_is_rendered_not_kept(app, client, auth, world):
    auth.as_user(world["trainer"])
    client.get("/trainer/visits/laki")
    response = client.post("/trainer/visits/laki", data={
        "csrf_token": auth.csrf(), "date": "", "purpose": "workshop", "notes": "Zostaje"})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#date[aria-invalid=true]") is not None
    assert page.select_one("#notes").get_text().strip() == "Zostaje"
    assert len(app.extensions[visit_views._FORMS]) == 1
    # and the blank form after it is blank again
    assert soup(client.get("/trainer/visits/laki")).select_one("#notes").get_text().strip() == ""


def test_a_coordinator_gets_no_form(app, client, auth, world):
    auth.as_user(world["coordinator"])
    page = soup(client.get("/trainer/visits/laki"))
    assert page.select_one("#visit-form") is None
    assert visit_views._FORMS not in app.extensions


# --- the log's next steps, kept per process for what each shows ------------------------------


def _steps_world(world) -> list:
    """Steps in every state a step shows: open, done, overdue, due later, without a due
    date, owned by a member or by a person without an account, with markup in its texts."""
    from datetime import timedelta

    from koalicje.trainer import visits as visit_rules
    from koalicje.trainer.scope import local_today

    db.connect(reuse_if_open=True)
    today = local_today()
    coalition = visit_views.coalitions.by_slug("laki")
    steps = [
        visit_rules.StepInput("Spotkanie <i>z radą</i>", owner_user=world["coordinator"].id,
                              due_date=today - timedelta(days=3)),
        visit_rules.StepInput("Ankieta & raport", owner_name="Pan <Jan>",
                              due_date=today + timedelta(days=5)),
        visit_rules.StepInput("Bez terminu"),
        visit_rules.StepInput("Zrobione po terminie", due_date=today - timedelta(days=9)),
    ]
    visit = visit_rules.record_visit(coalition, User.get_by_id(world["trainer"].id),
                                     date(2026, 1, 5), "workshop", "", steps)
    done = visit.next_steps.order_by(visit_rules.NextStep.id)[3]
    visit_rules.mark_done(done, User.get_by_id(world["trainer"].id), True)
    return visit_rules.visits_of(coalition)[0].next_steps


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize("can_record", [True, False])
def test_a_kept_step_is_the_templates_with_each_pages_token(app, world, language, can_record):
    from flask_wtf.csrf import generate_csrf

    from koalicje.trainer import visits as visit_rules
    from koalicje.trainer.scope import local_today

    assert not app.jinja_env.auto_reload
    steps = _steps_world(world)
    User.update(locale=language).where(User.id == world["trainer"].id).execute()
    assert {(s.done, visit_rules.is_overdue(s)) for s in steps} == {
        (False, True), (False, False), (True, False)}
    tokens = set()
    for _ in range(2):  # the second time from what the first kept, with another session
        with app.test_request_context("/"):
            db.connect(reuse_if_open=True)
            login_user(User.get_by_id(world["trainer"].id))
            today = local_today()
            for step in steps:
                kept = str(visit_views.next_step_html(step, today, can_record))
                expected = render_template("trainer/_next_step.html", step=step,
                                           can_record=can_record, today=today,
                                           is_overdue=visit_rules.is_overdue)
                assert kept == expected
                if can_record:
                    assert kept.count(generate_csrf()) == 1
                else:
                    assert "csrf_token" not in kept
            tokens.add(generate_csrf())
    kept_keys = list(app.extensions[visit_views._STEPS])
    assert len(kept_keys) == len(steps) and {key[0] for key in kept_keys} == {language}
    if can_record:
        assert len(tokens) == 2  # each page's own token filled in


def test_the_log_shows_each_step_as_the_template_did(app, client, auth, world):
    """The page's steps (kept) and the marked step's fragment (rendered) agree, and a change
    of the step shows at once."""
    steps = _steps_world(world)
    auth.as_user(world["trainer"])
    page = soup(client.get("/trainer/visits/laki"))
    shown = page.select(".next-steps li.next-step")
    assert [li["id"] for li in shown] == [f"step-{s.id}" for s in steps]
    first = next(s for s in steps if s.description.startswith("Spotkanie"))
    before = page.select_one(f"#step-{first.id}")
    assert "overdue" in before["class"] and "Spotkanie <i>z radą</i>" in before.get_text()
    assert "Pan <Jan>" in page.select_one(".next-steps").get_text()
    token = csrf_from(client.get("/trainer/visits/laki").get_data(as_text=True))
    fragment = client.post(f"/trainer/next-steps/{first.id}/done", data={
        "csrf_token": token, "done": "1"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    again = soup(client.get("/trainer/visits/laki")).select_one(f"#step-{first.id}")
    assert "done" in again["class"] and again["data-done"] == "1"
    marked = soup(fragment).select_one(f"#step-{first.id}")
    assert str(marked.select_one("button")) == str(again.select_one("button"))
