"""A quiz's blank form is kept per process for what it shows (language, script root, the
quiz, its version, each question and option in the attempt's order) and gives the
template's HTML with the request's own CSRF token; anything else shown gives another form."""

from __future__ import annotations

import pytest
from conftest import csrf_from, make_user, soup
from factories import definition, form_data, quiz, right_answers, sync_content
from flask import render_template

from koalicje import quizzes
from koalicje.web.labels import localized
from models import User, db

SLUG = "czym-jest-partnerstwo"
KEPT_FORMS = "koalicje.quizzes.blank_forms"


@pytest.fixture
def learner(database, auth):
    sync_content()
    return auth.as_user(make_user(name="Ucząca się", locale="pl"))


def _raw_form(html: str) -> str:
    start = html.index('<form id="quiz-form"')
    return html[start:html.index("</form>", start) + len("</form>")]


def _template_form(app, user_id: int, lang: str) -> str:
    """What templates/quizzes/_form.html gives for this learner's next attempt."""
    from flask_login import login_user

    with app.test_request_context("/"), db.connection_context():
        user = User.get_by_id(user_id)
        login_user(user)
        item = quizzes.active_with_current_version(SLUG)
        attempts = quizzes.attempts_of(user, item)
        seed = quizzes.attempt_seed(user.id, SLUG, len(attempts) + 1)
        questions = quizzes.ordered_questions(item.current.definition, seed)
        return render_template("quizzes/_form.html", quiz=item, version=item.current,
                               questions=questions, answers={}, missing=[], lang=lang,
                               text=localized)


def _without_token(html: str) -> str:
    token = csrf_from(html)
    assert token and html.count(token) == 1
    return html.replace(token, "TOKEN")


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_the_kept_form_is_the_templates_with_each_pages_token(app, client, auth, learner, lang):
    assert not app.jinja_env.auto_reload  # the kept path, as in production
    with app.app_context():
        User.update(locale=lang).where(User.id == learner.id).execute()
    first = client.get(f"/quizzes/{SLUG}")
    second = client.get(f"/quizzes/{SLUG}")
    kept = app.extensions[KEPT_FORMS]
    assert len(kept) == 1 and next(iter(kept))[0] == lang
    expected = _without_token(_raw_form(_template_form(app, learner.id, lang)))
    for page in (first, second):
        html = page.get_data(as_text=True)
        form = soup(page).select_one("#quiz-form")
        assert form.select_one("input[name=csrf_token]")["value"] == csrf_from(html)
        assert _without_token(_raw_form(html)) == expected
    # the kept form posts like the template's: an attempt is recorded
    assert client.post(f"/quizzes/{SLUG}", data=_answers(
        app, csrf_from(second.get_data(as_text=True)))).status_code == 303


def _answers(app, token: str) -> dict:
    with app.app_context():
        return {**form_data(right_answers(definition(SLUG)), token),
                "version": str(quiz(SLUG).version)}


def test_the_next_attempts_order_is_another_form(app, client, auth, learner):
    """Each attempt shuffles the options: a new attempt's form is its own, as the template
    writes it."""
    client.get(f"/quizzes/{SLUG}")
    token = csrf_from(client.get(f"/quizzes/{SLUG}").get_data(as_text=True))
    assert client.post(f"/quizzes/{SLUG}", data=_answers(app, token)).status_code == 303
    page = client.get(f"/quizzes/{SLUG}")
    assert len(app.extensions[KEPT_FORMS]) == 2
    assert _without_token(_raw_form(page.get_data(as_text=True))) == _without_token(
        _raw_form(_template_form(app, learner.id, "pl")))


def test_a_form_with_gaps_is_rendered_not_kept(app, client, auth, learner):
    token = csrf_from(client.get(f"/quizzes/{SLUG}").get_data(as_text=True))
    before = dict(app.extensions[KEPT_FORMS])
    invalid = client.post(f"/quizzes/{SLUG}", data={"csrf_token": token})
    assert invalid.status_code == 422
    assert soup(invalid).select(".quiz-question.missing")
    assert app.extensions[KEPT_FORMS] == before
