"""Each learner's best quiz score kept at write time (`QuizBest`): after every kind of write
to the attempts (a submission, a better and a worse attempt, a bulk insert, an attempt
rescored, moved to another learner or quiz, deleted; the cascades of a deleted learner,
quiz or quiz version) the table equals the highest score of each learner's attempts at each
quiz, counted here attempt by attempt, on SQLite and PostgreSQL alike; the trainer's matrix
shows it. `flask db recount` repairs it and migration 18 fills it on an existing database."""

from __future__ import annotations

import pytest
from factories import (
    add_member,
    assign,
    attempt,
    make_coalition,
    make_module,
    make_user,
    migrate_from,
)

from koalicje import quizzes
from koalicje.trainer import progress_matrix
from models import (
    MIGRATIONS,
    Quiz,
    QuizAttempt,
    QuizBest,
    QuizVersion,
    User,
    create_or_migrate,
    db,
    drop_quiz_best_triggers,
    quiz_best_from_scratch,
    recount_quiz_best,
    utcnow,
)


def _stored() -> dict[tuple[int, int], float]:
    return {(user, quiz): score for user, quiz, score in
            QuizBest.select(QuizBest.user, QuizBest.quiz, QuizBest.score).tuples()}


def _counted() -> dict[tuple[int, int], float]:
    """The best score of each learner at each quiz, read attempt by attempt."""
    out: dict[tuple[int, int], float] = {}
    for a in QuizAttempt.select():
        key = (a.user_id, a.quiz_id)
        out[key] = max(out.get(key, a.score), a.score)
    return out


class World:
    def __init__(self):
        self.trainer = make_user(role="trainer")
        self.coalition = make_coalition(name="Koalicja Lipowa", slug="lipowa")
        assign(self.trainer, self.coalition)
        self.m1 = make_module(1, quiz=True)
        self.m2 = make_module(2, quiz=True)
        self.q1 = Quiz.get(Quiz.slug == self.m1.quiz_slug)
        self.q2 = Quiz.get(Quiz.slug == self.m2.quiz_slug)
        self.people = [make_user(name=f"Osoba {n}") for n in range(4)]
        for person in self.people:
            add_member(person, self.coalition)
        attempt(self.people[0], self.m1, {"a": True, "b": False, "c": False})
        attempt(self.people[0], self.m1, {"a": True, "b": True, "c": False})
        attempt(self.people[0], self.m2, {"a": True, "b": True, "c": True})
        attempt(self.people[1], self.m1, {"a": False, "b": False, "c": False})
        attempt(self.people[2], self.m2, {"a": True, "b": False, "c": False})

    def check(self) -> None:
        expected = _counted()
        assert _stored() == expected
        assert quiz_best_from_scratch() == expected
        # and the matrix shows them, as whole percentages
        matrix = progress_matrix.build(self.trainer, progress_matrix.MatrixFilter(),
                                       paginate=False)
        for row in matrix.rows:
            for module, cell in zip(matrix.modules, row.cells, strict=True):
                best = expected.get((row.user_id, module.quiz_pk))
                assert cell.score == best, (row.name, module.slug)
                assert cell.percent == (None if best is None else round(best * 100))


@pytest.fixture
def world(app, database):
    with app.test_request_context("/"):  # the matrix translates its labels
        w = World()
        w.check()
        yield w


def test_the_world_has_best_scores_to_keep(world):
    stored = _stored()
    assert stored[(world.people[0].id, world.q1.id)] == pytest.approx(2 / 3)
    assert stored[(world.people[0].id, world.q2.id)] == 1.0
    assert stored[(world.people[1].id, world.q1.id)] == 0.0
    assert (world.people[3].id, world.q1.id) not in stored


def test_submissions_better_and_worse(world):
    option = [{"id": "a", "correct": True}, {"id": "b", "correct": False}]
    version = QuizVersion.create(quiz=world.q1, number=2, content_hash="h2", definition={
        "pass_mark": 50, "questions": [{"id": "s", "type": "single", "options": option},
                                       {"id": "t", "type": "single", "options": option}]})
    # submitted as a learner does: a first attempt, then a better one
    quizzes.record_attempt(world.people[3], world.q1, version, {"s": ["b"]})
    assert _stored()[(world.people[3].id, world.q1.id)] == 0.0
    world.check()
    quizzes.record_attempt(world.people[3], world.q1, version, {"s": ["a"]})
    assert _stored()[(world.people[3].id, world.q1.id)] == 0.5
    world.check()
    attempt(world.people[0], world.m1, {"a": False, "b": False, "c": False})  # worse
    world.check()
    attempt(world.people[1], world.m1, {"a": True, "b": True, "c": True})  # better
    assert _stored()[(world.people[1].id, world.q1.id)] == 1.0
    world.check()
    attempt(world.people[1], world.m1, {"a": True, "b": True, "c": True})  # as good
    world.check()


def test_bulk_inserts(world):
    version = world.q2.versions.first()
    QuizAttempt.insert_many([
        {"user": person.id, "quiz": world.q2.id, "quiz_version": version.id, "answers": {},
         "results": {}, "score": score, "passed": False, "created_at": utcnow()}
        for person, score in ((world.people[1], 0.5), (world.people[1], 0.25),
                              (world.people[2], 0.75), (world.people[3], 0.0))
    ]).execute()
    world.check()


def test_attempts_rescored_moved_and_deleted(world):
    first = (QuizAttempt.select().where(QuizAttempt.user == world.people[0].id)
             .order_by(QuizAttempt.id).first())
    best = (QuizAttempt.select().where((QuizAttempt.user == world.people[0].id)
                                       & (QuizAttempt.quiz == world.q1.id))
            .order_by(QuizAttempt.score.desc()).first())
    QuizAttempt.update(score=0.1).where(QuizAttempt.id == best.id).execute()  # down
    world.check()
    QuizAttempt.update(score=0.9).where(QuizAttempt.id == first.id).execute()  # up
    world.check()
    QuizAttempt.update(score=QuizAttempt.score / 2).execute()  # every row at once
    world.check()
    QuizAttempt.update(quiz=world.q2).where(QuizAttempt.id == first.id).execute()
    world.check()
    QuizAttempt.update(user=world.people[3]).where(
        QuizAttempt.user == world.people[2].id).execute()  # the pair's only attempt
    world.check()
    best.delete_instance()
    world.check()
    QuizAttempt.delete().where(QuizAttempt.quiz == world.q2.id).execute()
    world.check()
    QuizAttempt.delete().execute()
    assert _stored() == {}
    world.check()


def test_learners_quizzes_and_versions_deleted(world):
    world.people[0].delete_instance()  # attempts and best scores cascade
    world.check()
    User.delete().where(User.id == world.people[1].id).execute()
    world.check()
    attempt(world.people[3], world.m2, passed=True)
    world.check()
    QuizVersion.delete().where(QuizVersion.quiz == world.q2.id).execute()  # attempts cascade
    world.check()
    attempt(world.people[3], world.m1, passed=False)
    world.q1.delete_instance()  # versions, attempts and best scores cascade
    assert _stored() == {}
    assert _counted() == {}


def test_recount_and_the_migration_fill_the_table(app, world):
    expected = _stored()
    QuizBest.update(score=0.5).where(QuizBest.user == world.people[0].id).execute()
    QuizBest.delete().where(QuizBest.user == world.people[1].id).execute()
    assert recount_quiz_best() == 3
    assert _stored() == expected
    assert recount_quiz_best() == 0
    QuizBest.delete().execute()
    db.close()
    output = app.test_cli_runner().invoke(args=["db", "recount"]).output
    assert "Best quiz scores: 4 repaired." in output
    db.connect(reuse_if_open=True)
    assert _stored() == expected
    # An existing database from before the table (and its triggers): migration 18 creates
    # and fills it, and the triggers keep it from then on.
    drop_quiz_best_triggers()
    db.execute_sql('DROP TABLE "quiz_best"')
    assert migrate_from(17) == [v for v in sorted(MIGRATIONS) if v > 17]
    assert 18 in MIGRATIONS
    assert _stored() == expected
    assert create_or_migrate() == []
    world.check()
    attempt(world.people[3], world.m1, passed=True)
    world.check()
