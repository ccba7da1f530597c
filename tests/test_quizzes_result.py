"""The quiz result page teaches without giving the key away, and leads on after a pass."""

from __future__ import annotations

import pytest
from conftest import make_user, soup
from factories import definition, form_data, right_answers, sync_content, wrong_answers

from koalicje import quizzes
from koalicje.learning import progress
from models import Module, QuizAttempt

SLUG = "czym-jest-partnerstwo"


@pytest.fixture
def learner(database, auth):
    sync_content()
    return auth.as_user(make_user(name="Ucząca się"))


@pytest.fixture
def modules(database):
    first = Module.create(slug=SLUG, position=1, kind="reading", title_pl="Czym jest partnerstwo",
                          title_en="What a partnership is", quiz_slug=SLUG)
    Module.create(slug="wsparcie-dla-partnerstw", position=2, kind="reading",
                  title_pl="Jak wspierano partnerstwa", title_en="Support",
                  prerequisites=[SLUG])
    return first


def submit(client, auth, answers):
    response = client.post(f"/quizzes/{SLUG}", data=form_data(answers, auth.csrf()))
    assert response.status_code == 303
    return soup(client.get(response.headers["Location"]))


def test_key_is_hidden_until_a_pass_or_n_attempts(app, client, auth, learner):
    app.config["QUIZ_REVEAL_AFTER_ATTEMPTS"] = 2
    data = definition()
    page = submit(client, auth, wrong_answers(data))
    assert not page.select(".option-correct")
    assert page.select("li.answer-wrong") and page.select(".option-chosen")
    assert all(p.get_text(strip=True) for p in page.select(".explanation"))
    assert "po 2 próbach" in page.select_one(".quiz-key-hidden").text
    page = submit(client, auth, wrong_answers(data))
    assert page.select(".option-correct") and not page.select(".quiz-key-hidden")


def test_key_is_shown_after_a_pass_also_on_older_attempts(app, client, auth, learner):
    app.config["QUIZ_REVEAL_AFTER_ATTEMPTS"] = 0  # only a pass reveals it
    data = definition()
    submit(client, auth, wrong_answers(data))
    submit(client, auth, wrong_answers(data))
    first = QuizAttempt.select().order_by(QuizAttempt.id).first()
    assert not soup(client.get(f"/quizzes/{SLUG}/attempts/{first.id}")).select(".option-correct")
    page = submit(client, auth, right_answers(data))
    assert page.select(".option-correct")
    assert soup(client.get(f"/quizzes/{SLUG}/attempts/{first.id}")).select(".option-correct")


def test_key_revealed_rule():
    failed, passed = QuizAttempt(passed=False), QuizAttempt(passed=True)
    assert not quizzes.key_revealed([failed], 3)
    assert quizzes.key_revealed([failed, failed, failed], 3)
    assert quizzes.key_revealed([passed], 3)
    assert not quizzes.key_revealed([failed] * 5, 0)


def test_a_pass_leads_to_the_next_module(client, auth, learner, modules):
    progress.set_watched(learner, modules)
    page = submit(client, auth, right_answers(definition()))
    box = page.select_one(".quiz-next")
    assert "Moduł ukończony" in box.text
    assert box.select_one("a")["href"] == "/learning/wsparcie-dla-partnerstw"


def test_a_pass_in_an_unfinished_module_says_what_is_left(client, auth, learner, modules):
    page = submit(client, auth, right_answers(definition()))
    box = page.select_one(".quiz-next")
    assert "Moduł ukończony" not in box.text
    assert box.select_one("a")["href"] == f"/learning/{SLUG}#module-progress"


def test_failed_attempt_has_no_next_step(client, auth, learner, modules):
    assert not submit(client, auth, wrong_answers(definition())).select(".quiz-next")


@pytest.mark.parametrize("slug", ["czym-jest-partnerstwo", "wsparcie-dla-partnerstw",
                                  "webinarium-program-wsparcia", "webinarium-biblioteka-i-samorzad",
                                  "webinarium-rozwijamy-wspolprace"])
def test_the_select_all_hint_is_said_once(client, auth, learner, slug):
    page = soup(client.get(f"/quizzes/{slug}"))
    legends = [legend.get_text(" ", strip=True).lower() for legend in page.select("legend")]
    assert legends
    assert any("zaznacz wszystkie" in legend for legend in legends)
    for legend in legends:
        assert legend.count("zaznacz") <= 1
