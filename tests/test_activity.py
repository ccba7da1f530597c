"""Each person's last-activity stamp (`User.last_active_at`, koalicje/activity.py) equals
what it summarises after every kind of write: post, hide, restore, delete, comment,
progress, watching, quiz attempt, self-assessment (start, autosave, submit). Compared with
a from-scratch computation after each write, also in random sequences (hypothesis);
`flask db recount` repairs wrong stamps; migration 7 fills the column of an existing
database. On SQLite and on PostgreSQL (KOALICJE_TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import (
    build_board_world,
    make_module,
    migrate_from,
    quiz,
    right_answers,
    sync_content,
)
from factories import instrument as get_instrument
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koalicje import activity, quizzes, self_assessment
from koalicje.board import posts
from koalicje.learning import progress, watching
from models import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Comment,
    Post,
    User,
    create_or_migrate,
    current_version,
    db,
    drop_coalition_figures_triggers,
    utcnow,
)


@pytest.fixture
def world(app):
    bw = build_board_world()
    db.connect(reuse_if_open=True)
    sync_content()
    bw.module = make_module(1, slug="stempel")
    bw.quiz = quiz()
    bw.instrument = get_instrument()
    yield bw
    if not db.is_closed():
        db.close()


def stored() -> dict[int, object]:
    return {uid: at for uid, at in User.select(User.id, User.last_active_at).tuples()
            if at is not None}


def assert_consistent() -> None:
    assert stored() == activity.from_scratch()


def stamp(user) -> object:
    return User.get_by_id(user.id).last_active_at


# --- every kind of write --------------------------------------------------------------------
# Each returns the row's own timestamp: the writer's stamp must be it afterwards.


def write_post(w, user):
    return posts.create_post(user, w.coalition, title="Zebranie", body="Treść").created_at


def write_comment(w, user):
    post = Post.select().order_by(Post.id.desc()).first() or posts.create_post(
        w.coordinator, w.coalition, title="Wpis", body="x")
    return posts.add_comment(user, post, "Będę!").created_at


def write_progress(w, user):
    return progress.set_watched(user, w.module, True).updated_at


def write_touch(w, user):
    return progress.touch(user, w.module).updated_at


def write_watching(w, user):
    report = watching.Report(source="film.mp4", position=30, duration=600, ranges=[(0, 30)])
    return watching.record(user, w.module, report, threshold=0.9).updated_at


def write_quiz(w, user):
    version = quizzes.current_version(w.quiz)
    answers = right_answers(version.definition)
    return quizzes.record_attempt(user, w.quiz, version, answers).created_at


def write_self_assessment_start(w, user):
    return self_assessment.start(user, w.instrument, None).updated_at


def write_autosave(w, user):
    draft = self_assessment.start(user, w.instrument, None)
    statement = w.instrument.versions.get().definition["dimensions"][0]["statements"][0]
    self_assessment.save_answers(draft, {statement["id"]: 4})
    return self_assessment.SelfAssessment.get_by_id(draft.id).updated_at


def write_submit(w, user):
    draft = self_assessment.start(user, w.instrument, None)
    return self_assessment.submit(draft).updated_at


WRITES = {
    "post": write_post, "comment": write_comment, "progress": write_progress,
    "touch": write_touch, "watching": write_watching, "quiz": write_quiz,
    "self-assessment start": write_self_assessment_start, "autosave": write_autosave,
    "submit": write_submit,
}


@pytest.mark.parametrize("kind", WRITES)
def test_each_write_moves_the_writers_stamp_to_its_own_time(world, kind):
    user = world.member
    assert stamp(user) is None
    when = WRITES[kind](world, user)
    assert stamp(user) == when
    assert_consistent()


def test_hide_and_restore_change_no_stamp(world):
    post = posts.create_post(world.member, world.coalition, title="Wpis", body="x")
    comment = posts.add_comment(world.member2, post, "Komentarz")
    before = stored()
    posts.hide(post, world.coordinator, "poza tematem")
    posts.hide(comment, world.coordinator, "poza tematem")
    assert stored() == before
    posts.restore(post, world.coordinator)
    posts.restore(comment, world.coordinator)
    assert stored() == before
    assert_consistent()


def test_deleting_the_latest_post_moves_the_stamp_back(world):
    user = world.member
    first = progress.touch(user, world.module).updated_at
    post = posts.create_post(user, world.coalition, title="Wpis", body="x")
    assert stamp(user) == post.created_at > first
    posts.delete_post(post, world.coordinator)
    assert stamp(user) == first
    assert_consistent()


def test_deleting_someones_only_post_clears_the_stamp(world):
    post = posts.create_post(world.member2, world.coalition, title="Wpis", body="x")
    posts.delete_post(post, world.member2)
    assert stamp(world.member2) is None
    assert_consistent()


def test_an_older_write_never_moves_the_stamp_back(world):
    user = world.member
    latest = write_post(world, user)
    activity.touch(user, latest - timedelta(days=3))
    assert stamp(user) == latest


def test_deleted_comments_do_not_count(world):
    post = posts.create_post(world.coordinator, world.coalition, title="Wpis", body="x")
    comment = posts.add_comment(world.member, post, "x")
    Comment.update(deleted_at=utcnow()).where(Comment.id == comment.id).execute()
    assert world.member.id not in activity.from_scratch()


OPERATIONS = st.lists(
    st.tuples(st.sampled_from([*WRITES, "hide", "restore", "delete"]), st.integers(0, 2)),
    min_size=1, max_size=8,
)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=OPERATIONS)
def test_any_sequence_of_writes_keeps_every_stamp_equal_to_the_data(world, operations):
    people = [world.member, world.member2, world.coordinator]
    for kind, who in operations:
        user = people[who]
        if kind in WRITES:
            WRITES[kind](world, user)
        else:
            post = Post.select().where(Post.deleted_at.is_null()).order_by(Post.id.desc()).first()
            if post is None:
                continue
            if kind == "hide":
                posts.hide(post, world.coordinator, "x")
            elif kind == "restore":
                posts.restore(post, world.coordinator)
            else:
                posts.delete_post(post, user)
        assert_consistent()


# --- repair and migration -------------------------------------------------------------------


def test_recount_command_repairs_wrong_stamps(world, app):
    write_post(world, world.member)
    write_quiz(world, world.member2)
    User.update(last_active_at=utcnow() + timedelta(days=9)).where(
        User.id == world.member.id).execute()
    User.update(last_active_at=None).where(User.id == world.member2.id).execute()
    User.update(last_active_at=utcnow()).where(User.id == world.outsider.id).execute()
    db.close()
    result = app.test_cli_runner().invoke(args=["db", "recount"])
    assert result.exit_code == 0, result.output
    assert "3 repaired" in result.output
    db.connect(reuse_if_open=True)
    assert_consistent()
    assert activity.recount() == 0
    db.close()
    assert "every value was right" in app.test_cli_runner().invoke(args=["db", "recount"]).output


def test_migration_7_adds_and_fills_the_stamp(world):
    write_post(world, world.member)
    write_quiz(world, world.member2)
    expected = activity.from_scratch()
    assert expected
    db.execute_sql('DROP INDEX IF EXISTS "user_last_active_at"')
    drop_coalition_figures_triggers()  # migration 17's, which read the stamp
    db.execute_sql('ALTER TABLE "user" DROP COLUMN "last_active_at"')
    assert migrate_from(6) == [v for v in sorted(MIGRATIONS) if v >= 7]
    assert {c.name for c in db.get_columns("user")} >= {"last_active_at"}
    assert "user_last_active_at" in {i.name for i in db.get_indexes("user")}
    assert stored() == expected
    assert create_or_migrate() == []
    assert current_version() == SCHEMA_VERSION
