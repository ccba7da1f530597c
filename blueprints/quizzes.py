"""Module quizzes: take a quiz (one page, no JavaScript needed), see results and history."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from playhouse.flask_utils import get_object_or_404

from koalicje import quizzes
from koalicje.learning import progress
from koalicje.permissions import can
from koalicje.web import render as render_cache
from koalicje.web.htmx import is_fragment_request, render
from koalicje.web.labels import current_language, localized
from models import Quiz, QuizAttempt, QuizVersion

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")


def _active_quiz(slug: str) -> Quiz:
    return get_object_or_404(Quiz.active(), Quiz.slug == slug)


@bp.get("/")
@login_required
def index():
    return render("quizzes/index.html", "quizzes/_list.html",
                  rows=quizzes.overview(current_user))


def _form_context(quiz: Quiz, version: QuizVersion, answers: dict, missing: list[str]) -> dict:
    attempts = quizzes.attempts_of(current_user, quiz)
    # All of the learner's attempts: the next one's number without counting them again.
    number = len(attempts) + 1
    seed = quizzes.attempt_seed(current_user.id, quiz.slug, number)
    return {
        "quiz": quiz,
        "version": version,
        "definition": version.definition,
        "questions": quizzes.ordered_questions(version.definition, seed),
        "answers": answers,
        "missing": missing,
        "attempts": attempts,
        "best": quizzes.best_attempt(attempts),
        "lang": current_language(),
        "text": localized,
    }


@bp.get("/<slug>")
@login_required
def take(slug: str):
    quiz = quizzes.active_with_current_version(slug)
    if quiz is None:
        abort(404)
    version = quiz.current
    context = _form_context(quiz, version, {}, [])
    if not is_fragment_request():
        context["form_html"] = blank_form_html(context)
    return render("quizzes/take.html", "quizzes/_form.html", **context)


_FORMS = "koalicje.quizzes.blank_forms"  # app.extensions key: what a blank form shows -> HTML


def blank_form_html(context: dict) -> Markup:
    """templates/quizzes/_form.html for a quiz not yet answered, rendered once per process
    for everything it shows (language, script root, the quiz's slug, its version's number,
    each question's id, kind and text and its options' ids and texts in this attempt's
    order) and kept with the CSRF token left out, which is filled in for each page
    (tests/test_quizzes_blank_form.py compares it with the template's)."""
    lang, text = context["lang"], context["text"]
    shape = tuple(
        (question["id"], question["type"], text(question["text"], lang),
         tuple((option["id"], text(option["text"], lang)) for option in question["options"]))
        for question in context["questions"])
    key = (lang, request.script_root, context["quiz"].slug, context["version"].number, shape)

    def make() -> tuple[str, tuple[str, ...]]:
        return render_template("quizzes/_form.html", **context), (render_cache.csrf_token(),)

    return render_cache.kept_html(_FORMS, key, make, lambda: (render_cache.csrf_token(),))


@bp.post("/<slug>")
@login_required
def submit(slug: str):
    quiz = _active_quiz(slug)
    version = quizzes.version_for(quiz, request.form.get("version"))
    answers, missing = quizzes.parse_answers(version.definition, request.form)
    if missing:
        return render("quizzes/take.html", "quizzes/_form.html", status=422,
                      **_form_context(quiz, version, answers, missing))
    attempt = quizzes.record_attempt(current_user, quiz, version, answers)
    return redirect(url_for("quizzes.result", slug=quiz.slug, attempt_id=attempt.id), 303)


@bp.get("/<slug>/attempts/<int:attempt_id>")
@login_required
def result(slug: str, attempt_id: int):
    attempt = get_object_or_404(
        QuizAttempt.select(QuizAttempt, Quiz, QuizVersion).join(Quiz).switch(QuizAttempt)
        .join(QuizVersion),
        (QuizAttempt.id == attempt_id) & (QuizAttempt.user == current_user.id)
        & (Quiz.slug == slug),
    )
    quiz = attempt.quiz
    definition = attempt.quiz_version.definition
    seed = quizzes.attempt_seed(current_user.id, quiz.slug, quizzes.attempt_number(attempt))
    attempts = quizzes.attempts_of(current_user, quiz)
    reveal_after = current_app.config["QUIZ_REVEAL_AFTER_ATTEMPTS"]
    path = progress.learning_path(current_user, preview=can("manage_content"))
    return render(
        "quizzes/result.html", "quizzes/_result.html",
        quiz=quiz, attempt=attempt, definition=definition,
        questions=quizzes.ordered_questions(definition, seed),
        attempts=attempts, best=quizzes.best_attempt(attempts),
        reveal=quizzes.key_revealed(attempts, reveal_after), reveal_after=reveal_after,
        module_item=path.get(quiz.module_slug) if quiz.module_slug else None, path=path,
        outdated=attempt.quiz_version.number != quiz.version,
        lang=current_language(), text=localized,
    )


@bp.app_template_global()
def quiz_status(slug: str | None) -> quizzes.QuizStatus | None:
    """One quiz's status for the signed-in user (None if there is no such active quiz)."""
    if not slug or not current_user.is_authenticated:
        return None
    quiz = Quiz.get_active(slug)
    return quizzes.statuses(current_user, [quiz])[quiz.id] if quiz else None


@bp.app_template_global()
def quiz_title(quiz: Quiz) -> str:
    return quizzes.title(quiz, current_language())
