"""Module quizzes: content, grading, option order, the form, results, history, versions."""

from __future__ import annotations

import pytest
from conftest import count_queries, make_user, soup
from factories import (
    copy_content,
    definition,
    form_data,
    quiz,
    right_answers,
    sync_content,
    wrong_answers,
)

from koalicje import quizzes
from koalicje.config import ROOT
from koalicje.content import quiz_files
from models import Module, ModuleProgress, Quiz, QuizAttempt, QuizVersion

SLUG = "czym-jest-partnerstwo"
CONTRACT_QUIZZES = [
    "czym-jest-partnerstwo", "wsparcie-dla-partnerstw", "webinarium-program-wsparcia",
    "film-spotkanie-badawcze", "webinarium-biblioteka-i-samorzad", "webinarium-ngo-i-biznes",
    "webinarium-rozwijamy-wspolprace",
]


@pytest.fixture
def synced(database):
    sync_content()


@pytest.fixture
def learner(synced, auth):
    return auth.as_user(make_user(name="Ucząca się"))


# --- content ------------------------------------------------------------------------------


def test_every_module_with_a_quiz_has_one_of_six_to_ten_questions(synced):
    assert {q.slug for q in Quiz.select()} == set(CONTRACT_QUIZZES)
    for slug in CONTRACT_QUIZZES:
        item = quiz(slug)
        assert item.module_slug == slug
        data = definition(slug)
        assert 6 <= len(data["questions"]) <= 10, slug
        kinds = {q["type"] for q in data["questions"]}
        assert kinds == {"single", "multiple", "true_false"}, slug
        for question in data["questions"]:
            assert question["explanation"]["pl"], (slug, question["id"])
            # both languages written (a missing English text would fall back to Polish);
            # options may be names or numbers, the same in both languages
            for text in (question["text"], question["explanation"]):
                assert text["en"] != text["pl"], text


def test_sync_twice_changes_nothing(synced):
    report = sync_content()
    assert not report.changed
    assert QuizVersion.select().count() == len(CONTRACT_QUIZZES)


# --- grading ------------------------------------------------------------------------------

DEFINITION = {
    "pass_mark": 60.0,
    "questions": [
        {"id": "s", "type": "single", "options": [
            {"id": "a", "correct": True}, {"id": "b", "correct": False}]},
        {"id": "m", "type": "multiple", "options": [
            {"id": "a", "correct": True}, {"id": "b", "correct": True},
            {"id": "c", "correct": False}]},
        {"id": "t", "type": "true_false", "options": [
            {"id": "true", "correct": False}, {"id": "false", "correct": True}]},
    ],
}


def test_single_choice_grading():
    question = DEFINITION["questions"][0]
    assert quizzes.is_correct(question, ["a"])
    assert not quizzes.is_correct(question, ["b"])
    assert not quizzes.is_correct(question, [])


def test_multiple_choice_needs_exactly_the_right_set():
    question = DEFINITION["questions"][1]
    assert quizzes.is_correct(question, ["a", "b"])
    assert quizzes.is_correct(question, ["b", "a"])
    assert not quizzes.is_correct(question, ["a"])  # one right option missing
    assert not quizzes.is_correct(question, ["a", "b", "c"])  # a wrong one added


def test_true_false_grading():
    question = DEFINITION["questions"][2]
    assert quizzes.is_correct(question, ["false"])
    assert not quizzes.is_correct(question, ["true"])


def test_score_and_pass_mark():
    two_of_three = quizzes.grade(DEFINITION, {"s": ["a"], "m": ["a", "b"], "t": ["true"]})
    assert two_of_three.results == {"s": True, "m": True, "t": False}
    assert two_of_three.score == pytest.approx(2 / 3)
    assert two_of_three.passed  # 66.7 % >= 60 %
    one_of_three = quizzes.grade(DEFINITION, {"s": ["a"], "m": ["a"], "t": ["true"]})
    assert one_of_three.score == pytest.approx(1 / 3)
    assert not one_of_three.passed
    exact = quizzes.grade({**DEFINITION, "pass_mark": 100 * 2 / 3},
                          {"s": ["a"], "m": ["a", "b"], "t": ["true"]})
    assert exact.passed  # reaching the mark exactly passes


def test_parse_answers_drops_unknown_options_and_keeps_one_for_single():
    from werkzeug.datastructures import MultiDict

    form = MultiDict([("q-s", "zzz"), ("q-m", "a"), ("q-m", "c"), ("q-m", "nope"),
                      ("q-t", "false"), ("q-t", "true")])
    answers, missing = quizzes.parse_answers(DEFINITION, form)
    assert missing == ["s"]  # only an unknown option: unanswered
    assert answers["m"] == ["a", "c"]
    assert len(answers["t"]) == 1


# --- option order -------------------------------------------------------------------------


def _orders(questions):
    return [[o["id"] for o in q["options"]] for q in questions]


def test_shuffle_is_stable_for_a_seed_and_changes_between_attempts(synced):
    data = definition()
    first = _orders(quizzes.ordered_questions(data, quizzes.attempt_seed(1, SLUG, 1)))
    again = _orders(quizzes.ordered_questions(data, quizzes.attempt_seed(1, SLUG, 1)))
    assert first == again
    others = [
        _orders(quizzes.ordered_questions(data, quizzes.attempt_seed(1, SLUG, n)))
        for n in range(2, 6)
    ]
    assert any(order != first for order in others)
    for question in quizzes.ordered_questions(data, 12345):
        if question["type"] == "true_false":
            assert [o["id"] for o in question["options"]] == ["true", "false"]


def _page_order(response):
    page = soup(response)
    return [
        [i["value"] for i in fs.select("input")] for fs in page.select("fieldset.quiz-question")
    ]


def test_form_keeps_its_order_on_reload_and_after_422(client, learner, auth):
    first = _page_order(client.get(f"/quizzes/{SLUG}"))
    assert first == _page_order(client.get(f"/quizzes/{SLUG}"))
    invalid = client.post(f"/quizzes/{SLUG}", data={"csrf_token": auth.csrf()})
    assert invalid.status_code == 422
    assert _page_order(invalid) == first


def test_result_shows_the_options_in_the_order_of_the_attempt(client, learner, auth):
    shown = _page_order(client.get(f"/quizzes/{SLUG}"))
    response = client.post(f"/quizzes/{SLUG}",
                           data=form_data(right_answers(definition()), auth.csrf()))
    result = soup(client.get(response.headers["Location"]))
    items = result.select("li.quiz-review-item")
    questions = definition()["questions"]
    assert [item["data-question"] for item in items] == [q["id"] for q in questions]
    for item, question, order in zip(items, questions, shown, strict=True):
        texts = {o["id"]: o["text"]["pl"] for o in question["options"]}
        options = [li.get_text(" ", strip=True) for li in item.select("ul > li")]
        assert [t.split(" — ")[0] for t in options] == [texts[option_id] for option_id in order]


# --- taking the quiz ----------------------------------------------------------------------


def test_unanswered_question_gives_422_keeps_answers_and_marks_the_gap(client, learner, auth):
    data = definition()
    answers = right_answers(data)
    skipped = data["questions"][2]["id"]
    kept = data["questions"][0]["id"]
    del answers[skipped]
    response = client.post(f"/quizzes/{SLUG}", data=form_data(answers, auth.csrf()))
    assert response.status_code == 422
    page = soup(response)
    gap = page.select_one(f"#question-{skipped}")
    assert "missing" in gap["class"]
    assert gap["aria-describedby"] == f"error-{skipped}"
    assert page.select_one(f"#error-{skipped}").get_text(strip=True)
    assert all(i.get("aria-invalid") == "true" for i in gap.select("input"))
    link = page.select_one(f"#quiz-errors a[href='#question-{skipped}']")
    # The error names the question by its number on the page, not by its place among the gaps.
    shown = [f["id"] for f in page.select("fieldset.quiz-question")]
    assert link.get_text(strip=True) == f"Pytanie {shown.index(f'question-{skipped}') + 1}"
    assert page.select_one(f"#question-{skipped} legend strong").get_text(strip=True) == (
        f"{shown.index(f'question-{skipped}') + 1}.")
    checked = [i["value"] for i in page.select(f"#question-{kept} input[checked]")]
    assert checked == answers[kept]
    assert QuizAttempt.select().count() == 0


def test_htmx_422_answers_the_form_fragment(htmx, learner, auth):
    response = htmx.post(f"/quizzes/{SLUG}", data={"csrf_token": auth.csrf()})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("form#quiz-form") is not None
    assert page.select_one("html") is None
    assert "HX-Request" in response.headers["Vary"]


def test_passing_attempt_shows_score_and_explanations(client, learner, auth):
    data = definition()
    response = client.post(f"/quizzes/{SLUG}", data=form_data(right_answers(data), auth.csrf()))
    assert response.status_code == 303
    page = soup(client.get(response.headers["Location"]))
    score = page.select_one(".quiz-score")
    assert "quiz-passed" in score["class"]
    assert "100%" in score.get_text()
    items = page.select("li.quiz-review-item")
    assert len(items) == len(data["questions"])
    assert all(item["data-correct"] == "true" for item in items)
    explanations = [p.get_text(strip=True) for p in page.select(".explanation")]
    assert explanations == [q["explanation"]["pl"] for q in _order_of(page, data)]


def _order_of(page, data):
    by_id = {q["id"]: q for q in data["questions"]}
    return [by_id[item["data-question"]] for item in page.select("li.quiz-review-item")]


def test_failed_attempt_marks_wrong_answers(client, learner, auth):
    data = definition()
    answers = right_answers(data)
    wrong = wrong_answers(data)
    first = data["questions"][0]["id"]
    answers[first] = wrong[first]
    for q in data["questions"][1:4]:
        answers[q["id"]] = wrong[q["id"]]
    response = client.post(f"/quizzes/{SLUG}", data=form_data(answers, auth.csrf()))
    page = soup(client.get(response.headers["Location"]))
    assert "quiz-failed" in page.select_one(".quiz-score")["class"]
    item = page.select_one(f"li.quiz-review-item[data-question='{first}']")
    assert item["data-correct"] == "false"
    assert "answer-wrong" in item["class"]
    assert item.select_one(".option-chosen") is not None
    # The key stays hidden on a first failed attempt (tests/test_quizzes_result.py).
    assert item.select_one(".option-correct") is None
    assert item.select_one(".explanation").get_text(strip=True)


def test_retries_history_and_best_attempt(client, learner, auth, database):
    data = definition()
    for answers in (wrong_answers(data), right_answers(data), wrong_answers(data)):
        client.post(f"/quizzes/{SLUG}", data=form_data(answers, auth.csrf()))
    attempts = list(QuizAttempt.select().order_by(QuizAttempt.id))
    assert [a.passed for a in attempts] == [False, True, False]
    assert quizzes.best_attempt(attempts).id == attempts[1].id
    page = soup(client.get(f"/quizzes/{SLUG}"))
    rows = page.select("table.attempt-history tbody tr")
    assert len(rows) == 3
    best = page.select("tr.best-attempt")
    assert [int(r["data-attempt"]) for r in best] == [attempts[1].id]
    index = soup(client.get("/quizzes/"))
    row = index.select_one(f"tr.quiz-row[data-slug='{SLUG}']")
    assert row.select_one(".quiz-passed") is not None
    assert "100%" in row.get_text()
    status = quizzes.statuses(learner, [quiz()])[quiz().id]
    assert (status.attempts, status.best_score, status.passed) == (3, 1.0, True)


def test_someone_elses_attempt_is_not_found(client, learner, auth, database):
    other = make_user()
    item = quiz()
    attempt = QuizAttempt.create(user=other, quiz=item, quiz_version=item.versions.get(),
                                 answers={}, results={}, score=0)
    assert client.get(f"/quizzes/{SLUG}/attempts/{attempt.id}").status_code == 404
    assert client.get(f"/quizzes/nie-ma-takiego/attempts/{attempt.id}").status_code == 404
    assert client.get("/quizzes/nie-ma-takiego").status_code == 404


# --- completion through the learning path's single rule (progress.py) ----------------------


def test_passing_the_quiz_completes_a_watched_module(client, learner, auth, database):
    module = Module.create(slug=SLUG, position=1, kind="reading", title_pl="Moduł",
                           title_en="Module", quiz_slug=SLUG)
    ModuleProgress.create(user=learner, module=module, watched=True, status="in_progress")
    client.post(f"/quizzes/{SLUG}", data=form_data(wrong_answers(definition()), auth.csrf()))
    assert ModuleProgress.get(user=learner, module=module).status != "completed"
    client.post(f"/quizzes/{SLUG}", data=form_data(right_answers(definition()), auth.csrf()))
    assert ModuleProgress.get(user=learner, module=module).status == "completed"
    # A later failed attempt does not undo it: the best attempt counts.
    client.post(f"/quizzes/{SLUG}", data=form_data(wrong_answers(definition()), auth.csrf()))
    assert ModuleProgress.get(user=learner, module=module).status == "completed"


def test_passing_without_watching_does_not_complete(client, learner, auth, database):
    module = Module.create(slug=SLUG, position=1, kind="reading", title_pl="Moduł",
                           title_en="Module", quiz_slug=SLUG)
    client.post(f"/quizzes/{SLUG}", data=form_data(right_answers(definition()), auth.csrf()))
    progress_row = ModuleProgress.get_or_none(user=learner, module=module)
    assert progress_row is None or progress_row.status != "completed"


def test_record_attempt_calls_the_completion_rule(monkeypatch, synced):
    calls = []

    monkeypatch.setattr(
        quizzes.progress, "refresh_for_module_slug", lambda user, slug: calls.append((user.id, slug))
    )
    user = make_user()
    item = quiz()
    version = quizzes.current_version(item)
    quizzes.record_attempt(user, item, version, right_answers(version.definition))
    assert calls == [(user.id, SLUG)]


# --- versions -----------------------------------------------------------------------------


def test_old_attempt_stays_readable_after_the_quiz_changes(client, learner, auth, tmp_path):
    folder = copy_content(tmp_path)
    sync_content(folder)
    old = definition()
    response = client.post(f"/quizzes/{SLUG}", data=form_data(right_answers(old), auth.csrf()))
    result_url = response.headers["Location"]
    path = folder / "quizzes" / f"{SLUG}.yaml"
    text = path.read_text(encoding="utf-8")
    old_question = old["questions"][0]["text"]["pl"]
    path.write_text(text.replace(old_question, "Zupełnie nowe brzmienie pierwszego pytania?"),
                    encoding="utf-8")
    report = sync_content(folder)
    assert f"quiz {SLUG}" in report.updated
    item = quiz()
    assert item.version == 2
    assert QuizVersion.select().where(QuizVersion.quiz == item).count() == 2
    page = client.get(result_url)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert old_question in body
    assert "Zupełnie nowe brzmienie" not in body
    assert "Quiz zmienił się od tej próby" in body
    form = client.get(f"/quizzes/{SLUG}").get_data(as_text=True)
    assert "Zupełnie nowe brzmienie pierwszego pytania?" in form
    attempt = QuizAttempt.get()
    assert attempt.quiz_version.number == 1


def test_removed_quiz_file_archives_the_quiz_and_keeps_attempts(client, learner, auth, tmp_path):
    folder = copy_content(tmp_path)
    sync_content(folder)
    client.post(f"/quizzes/{SLUG}", data=form_data(right_answers(definition()), auth.csrf()))
    (folder / "quizzes" / f"{SLUG}.yaml").unlink()
    report = sync_content(folder)
    assert f"quiz {SLUG}" in report.archived
    assert quiz().archived
    assert QuizAttempt.select().count() == 1
    assert client.get(f"/quizzes/{SLUG}").status_code == 404


def test_every_shipped_quiz_belongs_to_a_shipped_module():
    module_files = quiz_files.module_slugs(ROOT / "content")
    assert set(CONTRACT_QUIZZES) < module_files
    assert "materialy-do-pobrania" in module_files - set(CONTRACT_QUIZZES)


def test_home_page_and_module_page_entry_points(app, client, learner, auth):
    home = soup(client.get("/"))
    section = home.select_one("#home-quizzes")
    assert section is not None
    assert section.select_one("a[href='/quizzes/']") is not None
    with app.test_request_context("/"):
        from flask import render_template_string
        from flask_login import login_user

        login_user(learner)
        html = render_template_string('{% include "quizzes/_module_quiz.html" %}',
                                      module=type("M", (), {"quiz_slug": SLUG})())
        none = render_template_string('{% include "quizzes/_module_quiz.html" %}',
                                      module=type("M", (), {"quiz_slug": None})())
    assert f'href="/quizzes/{SLUG}"' in html
    assert none.strip() == ""


def test_quiz_list_in_english(client, learner, auth):
    learner.locale = "en"
    learner.save()
    page = soup(client.get("/quizzes/"))
    row = page.select_one(f"tr.quiz-row[data-slug='{SLUG}'] a")
    assert row.get_text(strip=True) == "Quiz: what a local partnership is"
    form = soup(client.get(f"/quizzes/{SLUG}"))
    assert [label.get_text(strip=True) for label in
            form.select("fieldset[data-question=tylko-biblioteka] label")] == ["True", "False"]


def test_a_form_shown_before_an_edit_is_graded_against_what_was_shown(client, learner, auth,
                                                                       tmp_path):
    folder = copy_content(tmp_path)
    sync_content(folder)
    old = definition()
    page = soup(client.get(f"/quizzes/{SLUG}"))
    assert page.select_one("input[name=version]")["value"] == "1"
    path = folder / "quizzes" / f"{SLUG}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: definicja", "id: definicja-2"),
                    encoding="utf-8")
    sync_content(folder)
    data = form_data(right_answers(old), auth.csrf())
    response = client.post(f"/quizzes/{SLUG}", data={**data, "version": "1"})
    assert response.status_code == 303
    attempt = QuizAttempt.get()
    assert attempt.quiz_version.number == 1
    assert attempt.passed
    # Without the field (or with an unknown one) the current version is used.
    response = client.post(f"/quizzes/{SLUG}", data={**data, "version": "99"})
    assert response.status_code == 422


def test_one_version_per_content_hash(synced, tmp_path):
    folder = copy_content(tmp_path)
    sync_content(folder)
    path = folder / "quizzes" / f"{SLUG}.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("pass_mark: 70", "pass_mark: 80"), encoding="utf-8")
    sync_content(folder)
    assert quiz().version == 2
    assert quiz().pass_mark == 0.8
    path.write_text(original, encoding="utf-8")  # back to the first content
    report = sync_content(folder)
    assert f"quiz {SLUG}" in report.updated
    assert quiz().version == 1
    assert quiz().pass_mark == 0.7
    assert QuizVersion.select().where(QuizVersion.quiz == quiz()).count() == 2
    assert not sync_content(folder).changed


def test_quiz_pages_queries_do_not_grow_with_attempts(client, learner, auth):
    data = form_data(wrong_answers(definition()), auth.csrf())
    client.post(f"/quizzes/{SLUG}", data=data)
    counts = {}
    for label, attempts in (("few", 1), ("many", 6)):
        with count_queries() as index:
            listing = client.get("/quizzes/")
        with count_queries() as take:
            page = client.get(f"/quizzes/{SLUG}")
        # The real pages, with the attempts made so far, not two equal error pages.
        assert (listing.status_code, page.status_code) == (200, 200)
        row = soup(listing).select_one(f"tr.quiz-row[data-slug='{SLUG}']")
        assert row.select("td")[1].get_text(strip=True) == str(attempts)
        assert len(soup(page).select("table.attempt-history tbody tr")) == attempts
        assert soup(page).select_one("form#quiz-form") is not None
        counts[label] = (index.count, take.count)
        for _ in range(5):
            assert client.post(f"/quizzes/{SLUG}", data=data).status_code == 303
    assert counts["few"] == counts["many"]


def test_tally_counts_what_the_overview_lists(synced, client, auth):
    """The home page's "passed n of m" comes from one query; it agrees with the overview
    (archived quizzes left out, a quiz passed twice counted once, others' passes not)."""
    from factories import attempt

    user, other = make_user(), make_user()
    active = quizzes.active_quizzes()
    assert len(active) >= 4
    first, second, third, archived = active[:4]
    attempt(user, first, passed=True)
    attempt(user, first, passed=True)
    attempt(user, second, passed=False)
    attempt(other, third, passed=True)
    attempt(user, archived, passed=True)
    Quiz.update(archived=True).where(Quiz.id == archived.id).execute()
    rows = quizzes.overview(user)
    assert quizzes.tally(user) == quizzes.Tally(
        passed=sum(1 for r in rows if r.passed), total=len(rows))
    assert quizzes.tally(user) == quizzes.Tally(passed=1, total=len(active) - 1)
    assert quizzes.tally(make_user()) == quizzes.Tally(passed=0, total=len(active) - 1)
    auth.as_user(user)
    text = soup(client.get("/")).select_one("#home-quizzes p").get_text()
    assert f"Zaliczone quizy: 1 z {len(active) - 1}." in text


def test_module_page_shows_the_quiz_status_from_the_path(client, learner, auth):
    """The module page's quiz section reads the attempts the learner's path aggregated."""
    from factories import attempt, make_module

    module = make_module(1, SLUG, quiz_slug=SLUG)
    the_quiz = quiz()
    url = f"/learning/{module.slug}"

    def section():
        found = soup(client.get(url)).select_one("#module-quiz")
        return found and " ".join(found.get_text(" ", strip=True).split())

    assert "Sprawdź swoją wiedzę" in section() and "Rozwiąż quiz" in section()
    attempt(learner, the_quiz, passed=False)
    assert "Najlepszy wynik: 20%. Quiz nie jest jeszcze zaliczony." in section()
    assert "Rozwiąż ponownie" in section()
    attempt(learner, the_quiz, passed=True)
    attempt(learner, the_quiz, passed=False)
    assert "Quiz zaliczony (najlepszy wynik: 100%)." in section()
    link = soup(client.get(url)).select_one("#module-quiz a[role=button]")
    assert link["href"] == f"/quizzes/{the_quiz.slug}"
    # Someone else's attempts do not count; an archived quiz has no section.
    auth.logout()
    auth.as_user(make_user())
    assert "Sprawdź swoją wiedzę" in section()
    Quiz.update(archived=True).where(Quiz.id == the_quiz.id).execute()
    assert section() is None
