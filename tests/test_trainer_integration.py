"""The trainer dashboard on top of the quizzes area: real quiz definitions, the coalition
self-assessment profile on the overview, and self-assessments in a learner's timeline."""

from __future__ import annotations

import pytest
from conftest import add_member, assign, make_coalition, make_user, soup
from factories import definition, instrument, right_answers, sync_content, wrong_answers

from koalicje import quizzes, self_assessment, stats
from models import Module, Quiz, db


@pytest.fixture
def world(app):
    db.connect(reuse_if_open=True)
    sync_content()
    trainer = make_user(role="trainer")
    coalition = make_coalition(slug="zrodlo", name="Koalicja Źródło")
    assign(trainer, coalition)
    module = Module.create(slug="czym-jest-partnerstwo", position=1, kind="reading",
                           title_pl="Czym jest partnerstwo", title_en="What a partnership is",
                           quiz_slug="czym-jest-partnerstwo")
    people = [make_user(name=f"Członkini {n}") for n in range(3)]
    for person in people:
        add_member(person, coalition)
    db.close()
    return {"trainer": trainer, "coalition": coalition, "module": module, "people": people}


def submit_self_assessment(person, coalition, level):
    inst = instrument()
    spec = self_assessment.current_version(inst).definition
    answers = {}
    for dimension in spec["dimensions"]:
        for statement in dimension["statements"]:
            answers[statement["id"]] = 6 - level if statement["reverse"] else level
    draft = self_assessment.start(person, inst, coalition)
    self_assessment.save_answers(draft, answers, self_assessment.default_sector(person, coalition))
    self_assessment.submit(draft)


def test_question_statistics_read_real_quiz_definitions(world, app, client, auth):
    db.connect(reuse_if_open=True)
    quiz = Quiz.get(Quiz.slug == "czym-jest-partnerstwo")
    version = quizzes.current_version(quiz)
    spec = definition()
    quizzes.record_attempt(world["people"][0], quiz, version, right_answers(spec))
    quizzes.record_attempt(world["people"][1], quiz, version, wrong_answers(spec))
    detail = stats.module_detail(world["trainer"], world["module"])
    first = spec["questions"][0]
    assert detail.questions[0].id == first["id"]
    assert detail.questions[0].text == first["text"]["pl"]
    assert all(q.answered == 2 and q.correct == 1 for q in detail.questions)
    db.close()
    auth.as_user(world["trainer"])
    page = soup(client.get("/trainer/modules/czym-jest-partnerstwo"))
    row = page.select_one(f"tr[data-question={first['id']}]")
    assert row.th.get_text() == first["text"]["pl"]
    assert row.select_one("[data-col=share]").get_text() == "50%"


def test_overview_shows_the_profile_from_three_respondents(world, client, auth):
    db.connect(reuse_if_open=True)
    for person, level in zip(world["people"][:2], (4, 2), strict=True):
        submit_self_assessment(person, world["coalition"], level)
    db.close()
    auth.as_user(world["trainer"])
    profile = soup(client.get("/trainer/")).select_one("article.coalition-profile")
    assert profile.select_one("table") is None  # two respondents: not yet
    db.connect(reuse_if_open=True)
    submit_self_assessment(world["people"][2], world["coalition"], 5)
    db.close()
    profile = soup(client.get("/trainer/")).select_one("article.coalition-profile")
    rows = profile.select("tbody tr")
    assert len(rows) == len(instrument_dimensions())
    assert "3" in profile.p.get_text()
    assert all(r.td.get_text(strip=True) not in ("", "—") for r in rows)
    assert any(r.select_one(".tag") for r in rows)  # 2 vs 5: answers differ


def instrument_dimensions():
    db.connect(reuse_if_open=True)
    dims = self_assessment.current_version(instrument()).definition["dimensions"]
    db.close()
    return dims


def test_learner_timeline_lists_submitted_self_assessments(world, client, auth):
    db.connect(reuse_if_open=True)
    submit_self_assessment(world["people"][0], world["coalition"], 4)
    db.close()
    auth.as_user(world["trainer"])
    page = soup(client.get(f"/trainer/learners/{world['people'][0].id}"))
    events = page.select("ol.timeline li[data-kind=self_assessment]")
    assert len(events) == 1
    assert "Koalicja Źródło" in events[0].get_text()


def test_learner_timeline_leaves_out_self_assessments_of_coalitions_not_overseen(
        world, client, auth):
    person = world["people"][0]
    db.connect(reuse_if_open=True)
    elsewhere = make_coalition(slug="gdzie-indziej", name="Koalicja Obca")
    add_member(person, elsewhere)
    submit_self_assessment(person, world["coalition"], 4)
    submit_self_assessment(person, elsewhere, 2)
    admin = make_user(role="admin")
    db.close()
    auth.as_user(world["trainer"])
    page = soup(client.get(f"/trainer/learners/{person.id}"))
    events = page.select("ol.timeline li[data-kind=self_assessment]")
    assert [("Koalicja Źródło" in e.get_text(), "Koalicja Obca" in e.get_text())
            for e in events] == [(True, False)]
    auth.logout()
    auth.as_user(admin)  # an admin oversees every coalition
    page = soup(client.get(f"/trainer/learners/{person.id}"))
    assert len(page.select("ol.timeline li[data-kind=self_assessment]")) == 2


def test_learner_timeline_in_english_shows_english_quiz_and_instrument_titles(
        world, client, auth):
    person = world["people"][0]
    db.connect(reuse_if_open=True)
    submit_self_assessment(person, world["coalition"], 4)
    quiz = Quiz.get(Quiz.slug == "czym-jest-partnerstwo")
    quizzes.record_attempt(person, quiz, quizzes.current_version(quiz), right_answers(definition()))
    db.close()
    auth.as_user(world["trainer"])
    client.post("/language", data={"locale": "en", "next": "/", "csrf_token": auth.csrf()})
    page = soup(client.get(f"/trainer/learners/{person.id}"))
    quiz_event = page.select_one("ol.timeline li[data-kind=quiz] strong").get_text()
    assert quiz_event == definition()["title"]["en"]
    survey = page.select_one("ol.timeline li[data-kind=self_assessment] strong").get_text()
    assert survey == "Partnership self-assessment"
    # No space before the colon ("Quiz : ..." read as a typo).
    assert all(" :" not in " ".join(li.get_text().split()) for li in page.select("ol.timeline li"))


def test_overview_profiles_cost_the_same_queries_for_one_or_many_coalitions(world, app):
    """Profiles for a page of coalitions come from one batch, not a query per coalition."""
    from conftest import count_queries

    from koalicje.trainer import overview

    db.connect(reuse_if_open=True)
    for person, level in zip(world["people"], (4, 4, 4), strict=True):
        submit_self_assessment(person, world["coalition"], level)

    def profile_queries() -> tuple[int, dict]:
        with app.app_context():
            with count_queries() as with_profiles:
                built = overview.build(world["trainer"])
            with count_queries() as without:
                overview.build(world["trainer"], with_profiles=False)
        profiles = {s.coalition.slug: s.profile for s in built.summaries}
        return with_profiles.count - without.count, profiles

    one, profiles = profile_queries()
    assert profiles["zrodlo"] is not None and profiles["zrodlo"].respondents == 3
    for n in range(3):
        other = make_coalition(slug=f"inna-{n}")
        assign(world["trainer"], other)
        people = [make_user() for _ in range(3)]
        for person in people:
            add_member(person, other)
        for person in people[: n + 1]:  # the last of them reaches three respondents
            submit_self_assessment(person, other, 2)
    many, profiles = profile_queries()
    assert many == one
    assert profiles["zrodlo"].respondents == 3
    assert profiles["inna-0"] is None and profiles["inna-1"] is None
    assert profiles["inna-2"].respondents == 3
    assert profiles["inna-2"].dimensions[0].mean == 2.0
    db.close()
