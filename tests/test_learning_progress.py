"""The single completion rule (progress.refresh) and the learner's path: locks, next step."""

from __future__ import annotations

from conftest import make_user
from factories import attempt, make_module, make_quiz, task_post

from koalicje.learning import progress
from models import ModuleProgress


def test_reading_without_quiz_is_completed_once_read(database):
    user, module = make_user(), make_module()
    row = progress.refresh(user, module)
    assert row.status == "not_started" and row.id is None
    assert progress.set_watched(user, module).status == "completed"
    assert ModuleProgress.get().completed_at is not None
    assert progress.set_watched(user, module, False).status == "in_progress"
    assert ModuleProgress.get().completed_at is None


def test_quiz_slug_without_a_quiz_row_does_not_block(database):
    user, module = make_user(), make_module(quiz_slug="jeszcze-nie-ma")
    assert progress.set_watched(user, module).status == "completed"


def test_quiz_must_be_passed(database):
    user = make_user()
    module = make_module(slug="z-quizem", quiz_slug="z-quizem")
    quiz = make_quiz("z-quizem")
    assert progress.set_watched(user, module).status == "in_progress"
    attempt(user, quiz, passed=False)
    assert progress.refresh(user, module).status == "in_progress"
    attempt(user, quiz, passed=True)
    attempt(user, quiz, passed=False)  # a later worse attempt: the best one counts
    assert progress.refresh_for_module_slug(user, "z-quizem").status == "completed"
    # Another learner's pass does not count.
    other = make_user()
    progress.set_watched(other, module)
    assert progress.refresh(other, module).status == "in_progress"


def test_quiz_passed_before_watching_is_in_progress_until_watched(database):
    user = make_user()
    module = make_module(slug="najpierw-quiz", quiz_slug="najpierw-quiz")
    attempt(user, make_quiz("najpierw-quiz"), passed=True)
    assert progress.refresh(user, module).status == "in_progress"
    assert progress.set_watched(user, module).status == "completed"


def test_archived_quiz_is_not_required(database):
    user = make_user()
    module = make_module(slug="stary-quiz", quiz_slug="stary-quiz")
    make_quiz("stary-quiz", archived=True)
    assert progress.set_watched(user, module).status == "completed"


def test_task_needs_a_live_post_by_the_learner(database):
    user, other = make_user(), make_user()
    module = make_module(kind="film", task=True)
    assert progress.set_watched(user, module).status == "in_progress"
    task_post(other, module)
    task_post(user, module, deleted=True)
    assert progress.refresh(user, module).status == "in_progress"
    post = task_post(user, module)
    assert progress.refresh(user, module).status == "completed"
    from models import utcnow

    post.deleted_at = utcnow()
    post.save()
    assert progress.refresh(user, module).status == "in_progress"


def test_quiz_and_task_and_watched_all_needed(database):
    user = make_user()
    module = make_module(slug="wszystko", quiz_slug="wszystko", task=True)
    quiz = make_quiz("wszystko")
    task_post(user, module)
    attempt(user, quiz, passed=True)
    assert progress.refresh(user, module).status == "in_progress"
    assert progress.set_watched(user, module).status == "completed"


def test_refresh_for_unknown_slug_is_none(database):
    assert progress.refresh_for_module_slug(make_user(), "nie-ma") is None


def test_locked_modules_and_next_step(database):
    user = make_user()
    first = make_module(slug="pierwszy", position=1)
    second = make_module(slug="drugi", position=2, prerequisites=["pierwszy"])
    optional = make_module(slug="dodatkowy", position=3, required=False)
    path = progress.learning_path(user)
    assert path.get("drugi").locked
    assert [m.slug for m in path.get("drugi").missing] == ["pierwszy"]
    assert path.next.module == first
    assert path.total == 2 and path.completed_count == 0
    progress.set_watched(user, first)
    path = progress.learning_path(user)
    assert not path.get("drugi").locked
    assert path.next.module == second
    progress.set_watched(user, second)
    path = progress.learning_path(user)
    assert path.finished and path.percent == 100
    assert path.next.module == optional  # optional modules are offered last
    assert path.get("dodatkowy").status == "not_started"


def test_resume_is_the_last_touched_unfinished_module(database):
    user = make_user()
    a, b = make_module(slug="a-a", position=1), make_module(slug="b-b", position=2)
    progress.touch(user, b)
    progress.touch(user, a)
    assert progress.learning_path(user).resume.module == a
    progress.set_watched(user, a)
    assert progress.learning_path(user).resume.module == b
