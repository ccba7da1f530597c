"""Priorities and the action plan: directions from needs, goals history, the board summary,
overdue actions, the coalition page, the stage per coalition."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import add_member, count_queries, make_coalition, make_user, soup

from koalicje.workshop import Invalid, meetings, partners, plan, stages
from models import Coalition, GoalsRevision, PlanAction, Post, db


@pytest.fixture
def world(database):
    coalition = make_coalition(slug="zalesie", name="Koalicja dla Zalesia",
                               goals="Czytelnia otwarta dla wszystkich.")
    coordinator = make_user(name="Koordynatorka")
    member = make_user(name="Członkini")
    add_member(coordinator, coalition, "coordinator", "library")
    add_member(member, coalition, "member", "ngo")
    meeting = meetings.create_meeting(coalition, meetings.clean_meeting(
        {"title": "Spotkanie badawcze"}), coordinator)
    needs = [meetings.add_need(meeting, {"theme": "Młodzież", "text": text, "sector": None},
                               member)
             for text in ("Miejsce dla młodzieży", "Transport do miasta", "Zajęcia dla seniorów")]
    db.close()
    return {"coalition": coalition, "coordinator": coordinator, "member": member,
            "meeting": meeting, "needs": needs}


def test_choosing_directions_updates_goals_with_history_and_posts_summary(world):
    db.connect(reuse_if_open=True)
    coalition, needs, coordinator = world["coalition"], world["needs"], world["coordinator"]
    plan.choose_directions(coalition, [needs[0].id, needs[1].id], coordinator)
    goals = Coalition.get_by_id(coalition.id).goals
    assert goals.startswith("Czytelnia otwarta dla wszystkich.")
    assert "- Miejsce dla młodzieży\n- Transport do miasta" in goals
    # change: one direction dropped, another chosen
    plan.choose_directions(coalition, [needs[2].id, needs[0].id], coordinator)
    goals = Coalition.get_by_id(coalition.id).goals
    assert "Transport do miasta" not in goals
    assert goals.count("Czytelnia otwarta") == 1
    assert [p.title for p in plan.summary(coalition).directions] == [
        "Zajęcia dla seniorów", "Miejsce dla młodzieży"]
    history = plan.goals_history(coalition)
    assert [r.goals for r in history][-1] == "Czytelnia otwarta dla wszystkich."
    assert "Transport do miasta" in history[0].goals
    summaries = list(Post.select().where(Post.title == "Nasze kierunki działania")
                     .order_by(Post.id))
    assert len(summaries) == 2 and summaries[-1].coalition_id == coalition.id
    assert "- Zajęcia dla seniorów" in summaries[-1].body_source
    assert "Transport" not in summaries[-1].body_source


def test_summary_counts_the_plan_as_the_stage_does(world):
    """The coalition page's summary (one query) counts what `stages.Stage` counts: the
    actions under current directions, dropped ones left out, done ones as done."""
    db.connect(reuse_if_open=True)
    coalition, needs = world["coalition"], world["needs"]
    plan.choose_directions(coalition, [needs[0].id, needs[1].id], world["coordinator"])
    first, second = (d.priority for d in plan.directions(coalition))
    for priority, status in ((first, "done"), (first, "dropped"), (first, "planned"),
                             (second, "done"), (second, "in_progress")):
        plan.add_action({"priority": priority, "title": status, "status": status})
    plan.choose_directions(coalition, [needs[0].id, needs[2].id], world["coordinator"])
    summary = plan.summary(coalition)  # the second direction retired, its actions kept
    assert [p.title for p in summary.directions] == ["Miejsce dla młodzieży",
                                                     "Zajęcia dla seniorów"]
    stage = stages.stages_of([coalition.id])[coalition.id]
    assert (summary.actions, summary.actions_done) == (stage.actions, stage.actions_done) == (2, 1)
    assert plan.summary(make_coalition()) == plan.Summary([], 0, 0)


def test_directions_need_a_choice(world):
    db.connect(reuse_if_open=True)
    with pytest.raises(Invalid):
        plan.choose_directions(world["coalition"], [], world["coordinator"])
    assert GoalsRevision.select().count() == 0


def test_overdue_actions_are_flagged_and_page_shows_progress(client, auth, world):
    db.connect(reuse_if_open=True)
    coalition = world["coalition"]
    plan.choose_directions(coalition, [world["needs"][0].id], world["coordinator"])
    priority = plan.directions(coalition)[0].priority
    school = partners.save_partner(coalition, partners.clean_partner(
        {"name": "Szkoła", "sector": "education_culture", "status": "partner"}, []),
        world["member"])
    db.close()
    auth.as_user(world["member"])
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = client.post("/coalitions/zalesie/workshop/plan/actions", data={
        "title": "Otworzyć klub", "priority": str(priority.id), "partner": str(school.id),
        "due_date": yesterday, "csrf_token": auth.csrf()})
    assert response.status_code == 303
    client.post("/coalitions/zalesie/workshop/plan/actions", data={
        "title": "Ankieta", "priority": str(priority.id), "responsible": "Pani sołtys",
        "csrf_token": auth.csrf()})
    page = soup(client.get("/coalitions/zalesie/workshop/plan"))
    late = page.select("li.action.overdue")
    assert len(late) == 1 and "Szkoła" in late[0].get_text()
    done = PlanAction.get(PlanAction.title == "Ankieta")
    assert client.post(f"/coalitions/zalesie/workshop/plan/actions/{done.id}", data={
        "status": "done", "csrf_token": auth.csrf()}).status_code == 303
    detail = soup(client.get("/coalitions/zalesie"))
    summary = detail.select_one("#workshop-summary")
    assert [li.get_text(strip=True) for li in summary.select(".direction-list li")] == [
        "Miejsce dla młodzieży"]
    assert "1 z 2" in summary.select_one(".plan-progress").get_text()
    csv = client.get("/coalitions/zalesie/workshop/plan/export.csv").get_data().decode("utf-8-sig")
    assert "Otworzyć klub;Szkoła;" in csv and csv.splitlines()[1].endswith(";tak")


def test_bad_action_is_refused_with_422(client, auth, world):
    db.connect(reuse_if_open=True)
    plan.choose_directions(world["coalition"], [world["needs"][0].id], world["coordinator"])
    db.close()
    auth.as_user(world["member"])
    response = client.post("/coalitions/zalesie/workshop/plan/actions", data={
        "title": "", "priority": "999", "due_date": "wczoraj", "csrf_token": auth.csrf()})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#title-error") and page.select_one("#due_date-error")
    assert PlanAction.select().count() == 0


def test_stage_per_coalition_in_constant_queries(world):
    db.connect(reuse_if_open=True)
    other = make_coalition(slug="inna")
    plan.choose_directions(world["coalition"], [world["needs"][0].id], world["coordinator"])
    meetings.close_vote(world["meeting"], world["coordinator"])
    with count_queries() as few:
        result = stages.stages_of([world["coalition"].id, other.id])
    assert result[world["coalition"].id].reached == "priorities"
    assert result[world["coalition"].id].meetings_held == 1
    assert result[other.id].reached == "start" and result[other.id].last_activity is None
    many_ids = [make_coalition().id for _ in range(8)]
    with count_queries() as many:
        stages.stages_of([world["coalition"].id, other.id, *many_ids])
    assert few.count == many.count == 4


def test_trainer_overview_shows_stage_with_constant_queries(client, auth, world):
    from conftest import assign

    from koalicje.trainer import overview

    db.connect(reuse_if_open=True)
    trainer = make_user(role="trainer")
    assign(trainer, world["coalition"])
    plan.choose_directions(world["coalition"], [world["needs"][0].id], world["coordinator"])
    first = make_coalition(slug="pierwsza", name="Na pierwszym kroku")
    assign(trainer, first)
    with count_queries() as small:
        overview.build(trainer, with_profiles=False)
    for _ in range(5):
        assign(trainer, make_coalition())
    with count_queries() as large:
        overview.build(trainer, with_profiles=False)
    assert small.count == large.count
    db.close()
    auth.as_user(trainer)
    page = soup(client.get("/trainer/"))
    stage = page.select_one('tr[data-coalition="zalesie"] td[data-col="workshop"] .workshop-stage')
    assert stage.get_text(strip=True) == "Priorytety wybrane"
    first_stage = page.select_one('tr[data-coalition="pierwsza"] .workshop-stage')
    assert first_stage.get_text(strip=True) == "Pierwszy krok"


def test_assigned_trainer_reads_the_plan_and_comments_but_cannot_change_it(client, auth, world):
    from conftest import assign

    db.connect(reuse_if_open=True)
    trainer = make_user(role="trainer")
    assign(trainer, world["coalition"])
    plan.choose_directions(world["coalition"], [world["needs"][0].id], world["coordinator"])
    db.close()
    auth.as_user(trainer)
    page = soup(client.get("/coalitions/zalesie/workshop/plan"))
    assert page.select_one("#action-title") is None  # no add-action form for the trainer
    response = client.post("/coalitions/zalesie/workshop/plan/comments",
                           data={"body": "Proszę dopisać terminy.", "csrf_token": auth.csrf()})
    assert response.status_code == 303
    page = soup(client.get("/coalitions/zalesie/workshop/plan"))
    assert [c.p.get_text() for c in page.select("#comments .workshop-comment")] == [
        "Proszę dopisać terminy."]
    assert client.post("/coalitions/zalesie/workshop/plan/comments",
                       data={"body": " ", "csrf_token": auth.csrf()}).status_code == 422
