"""A seeded data set of the programme's full size, for `make bench`.

`generate(Sizes(), seed=1)` fills an empty database (SQLite or PostgreSQL) in bulk: the
curriculum from content/, then coalitions, users, memberships, progress, quiz attempts,
self-assessments, posts and comments. The same seed gives the same data.

The size knobs are the fields of `Sizes`; `FULL` is the programme's size (issue 10's
table), `TINY` the smoke test's. From the command line:

    python -m koalicje.ops.bench_data --database-url sqlite:///instance/bench.sqlite3 \
        --scale 1.0 --seed 1 [--coalitions 450 --users 6000 ...]

Every account has the password `BENCH_PASSWORD`. The accounts the benchmark signs in as
are fixed e-mails (`ROLE_EMAILS`): a learner, a coordinator of the busiest board, a member
who only reads, an assigned trainer and an admin.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from werkzeug.security import generate_password_hash

from koalicje import activity, self_assessment
from koalicje.web.markdown import render_markdown
from models import (
    POST_CATEGORIES,
    SECTORS,
    VISIT_PURPOSES,
    VOIVODESHIPS,
    BaseModel,
    Coalition,
    Comment,
    Instrument,
    InstrumentVersion,
    Membership,
    Module,
    ModuleProgress,
    NextStep,
    Post,
    Quiz,
    QuizAttempt,
    QuizVersion,
    SelfAssessment,
    TrainerAssignment,
    User,
    Visit,
    analyze,
    create_or_migrate,
    db,
    fill_board_search_index,
    fold,
    is_sqlite,
)

BENCH_PASSWORD = "koalicje-bench"
ROLE_EMAILS = {
    "learner": "learner@bench.example.org",
    "coordinator": "coordinator@bench.example.org",
    "member": "member@bench.example.org",
    "trainer": "trainer@bench.example.org",
    "admin": "admin@bench.example.org",
}
BATCH = 500


@dataclass(frozen=True)
class Sizes:
    """How much of everything. Defaults: the programme at its full size."""

    coalitions: int = 450
    users: int = 6000  # learners and members (plus trainers and the admin below)
    trainers: int = 18  # each assigned to a share of the coalitions
    progress: int = 21000  # ModuleProgress rows
    quiz_attempts: int = 42000
    self_assessments: int = 2000  # submitted ones (the bench learner also has a draft)
    posts: int = 50000  # all boards together
    big_board_posts: int = 6000  # of them on the first coalition's board (the bench board)
    programme_posts: int = 2000  # of them on the programme-wide board
    comments: int = 150000
    trainer_coalitions: int = 25  # the bench trainer's coalitions (the bench board among them)
    trainer_learners: int = 362  # members of those coalitions
    visits: int = 900  # trainers' visits to coalitions (the bench trainer's first)
    next_steps: int = 1800  # agreed at those visits; about half overdue
    days: int = 730  # activity spread over this many days before now

    def scaled(self, factor: float) -> Sizes:
        """Every count times `factor` (at least 1; days unchanged)."""
        values = {f.name: max(1, round(getattr(self, f.name) * factor))
                  for f in fields(self) if f.name != "days"}
        return replace(self, **values)


FULL = Sizes()
TINY = Sizes(coalitions=6, users=60, trainers=2, progress=150, quiz_attempts=200,
             self_assessments=20, posts=240, big_board_posts=80, programme_posts=30,
             comments=500, trainer_coalitions=3, trainer_learners=25, visits=12,
             next_steps=24, days=60)

WORDS = ["biblioteka", "gmina", "szkoła", "partnerstwo", "spotkanie", "mieszkańcy", "warsztaty", "seniorzy", "młodzież", "festyn", "koło", "gospodyń", "dom", "kultury", "wolontariusze", "projekt", "wniosek", "grant", "sołectwo", "świetlica", "kronika", "wystawa", "konkurs", "zebranie", "plan", "diagnoza", "potrzeby", "współpraca", "ogłoszenie", "wyjazd"]


def _bodies(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """A few Markdown bodies with their rendered HTML (rendered once, reused)."""
    out = []
    for n in range(count):
        lines = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))).capitalize() + "."
                 for _ in range(rng.randint(1, 4))]
        if n % 3 == 0:
            lines.append("- " + " ".join(rng.choice(WORDS) for _ in range(5)))
            lines.append("- **" + rng.choice(WORDS) + "** " + rng.choice(WORDS))
        source = "\n\n".join(lines)
        out.append((source, render_markdown(source)))
    return out


def _insert(model: type[BaseModel], columns: list, rows: Iterable[tuple]) -> None:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            model.insert_many(batch, fields=columns).execute()
            batch = []
    if batch:
        model.insert_many(batch, fields=columns).execute()


def _split(total: int, parts: int) -> list[int]:
    """`total` spread over `parts` as evenly as possible."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


@dataclass
class Summary:
    sizes: dict[str, int]
    seed: int
    counts: dict[str, int]


def generate(sizes: Sizes = FULL, seed: int = 1, content_dir: str | None = None,
             now: datetime | None = None) -> Summary:
    """Fill an empty, connected database with the data set. Raises if users already exist."""
    from koalicje.config import ROOT
    from koalicje.content import sync

    rng = random.Random(seed)
    now = now or datetime(2026, 11, 1, 12, 0)
    start = now - timedelta(days=sizes.days)
    span = int((now - start).total_seconds())

    def when() -> datetime:
        return start + timedelta(seconds=rng.randrange(span))

    create_or_migrate()
    if User.select().exists():
        raise RuntimeError("bench data needs an empty database")
    sync.sync(content_dir or ROOT / "content")
    if is_sqlite():
        db.execute_sql("PRAGMA synchronous=OFF")
    password_hash = generate_password_hash(BENCH_PASSWORD)

    with db.atomic():
        # --- coalitions ------------------------------------------------------------------
        _insert(Coalition, [Coalition.slug, Coalition.name, Coalition.gmina,
                            Coalition.voivodeship, Coalition.library, Coalition.round,
                            Coalition.founded, Coalition.goals, Coalition.created_at,
                            Coalition.gmina_folded, Coalition.library_folded], (
            (f"koalicja-{n:04d}", f"Koalicja {n:04d}", f"Gmina {n:04d}",
             VOIVODESHIPS[n % len(VOIVODESHIPS)], f"Gminna Biblioteka Publiczna {n:04d}",
             1 + n % 3, date(2010, 1, 1) + timedelta(days=n), "Cele: " + " ".join(
                 rng.choice(WORDS) for _ in range(20)), start,
             fold(f"Gmina {n:04d}"), fold(f"Gminna Biblioteka Publiczna {n:04d}"))
            for n in range(sizes.coalitions)))
        coalition_ids = [c for (c,) in Coalition.select(Coalition.id)
                         .order_by(Coalition.id).tuples()]

        # --- users: the bench roles first, then trainers, then everyone else -----------------
        people = [("Admin Benchmarku", ROLE_EMAILS["admin"], "admin"),
                  ("Trenerka Benchmarku", ROLE_EMAILS["trainer"], "trainer")]
        people += [(f"Trener {n}", f"trainer{n}@bench.example.org", "trainer")
                   for n in range(1, sizes.trainers)]
        people += [("Uczestniczka Benchmarku", ROLE_EMAILS["learner"], "user"),
                   ("Koordynatorka Benchmarku", ROLE_EMAILS["coordinator"], "user"),
                   ("Członkini Benchmarku", ROLE_EMAILS["member"], "user")]
        people += [(f"Osoba {n:05d}", f"user{n:05d}@bench.example.org", "user")
                   for n in range(max(0, sizes.users - 3))]
        _insert(User, [User.name, User.email, User.role, User.password_hash,
                       User.session_token, User.created_at, User.locale], (
            (name, email, role, password_hash, f"bench-{n:06d}-{rng.getrandbits(64):x}",
             start, "pl") for n, (name, email, role) in enumerate(people)))
        ids = dict(User.select(User.email, User.id).tuples())
        trainer_ids = [ids[ROLE_EMAILS["trainer"]]] + [
            ids[f"trainer{n}@bench.example.org"] for n in range(1, sizes.trainers)]
        learner_ids = [ids[ROLE_EMAILS[r]] for r in ("learner", "coordinator", "member")] + [
            ids[f"user{n:05d}@bench.example.org"] for n in range(max(0, sizes.users - 3))]

        # --- memberships: the trainer's coalitions hold trainer_learners people ----------------
        scope = min(sizes.trainer_coalitions, len(coalition_ids))
        in_scope = min(sizes.trainer_learners, len(learner_ids))
        counts = _split(in_scope, scope) + (
            _split(len(learner_ids) - in_scope, len(coalition_ids) - scope)
            if len(coalition_ids) > scope else [])
        members_of: dict[int, list[int]] = {}
        membership_rows = []
        position = 0
        for coalition_id, count in zip(coalition_ids, counts, strict=False):
            chosen = learner_ids[position:position + count]
            position += count
            members_of[coalition_id] = chosen
            for k, user_id in enumerate(chosen):
                role = "coordinator" if k < 2 else "member"
                sector = "library" if k == 0 else SECTORS[rng.randrange(len(SECTORS))]
                membership_rows.append((user_id, coalition_id, role, sector, start))
        _insert(Membership, [Membership.user, Membership.coalition, Membership.role,
                             Membership.sector, Membership.joined_at], membership_rows)
        # The bench learner is a coordinator of the bench board (first two members are
        # coordinators); make the bench member a plain member there.
        Membership.update(role="member").where(
            Membership.user == ids[ROLE_EMAILS["member"]]).execute()

        # --- trainer assignments: the bench trainer first, the rest round-robin ------------------
        assignments = [(trainer_ids[0], c) for c in coalition_ids[:scope]]
        others = trainer_ids[1:] or trainer_ids[:1]
        assignments += [(others[n % len(others)], c)
                        for n, c in enumerate(coalition_ids[scope:])]
        _insert(TrainerAssignment, [TrainerAssignment.trainer, TrainerAssignment.coalition,
                                    TrainerAssignment.created_at],
                ((t, c, start) for t, c in assignments))

        # --- learning progress and quiz attempts ------------------------------------------------
        modules = list(Module.active())
        quizzes = list(Quiz.active())
        versions = {v.quiz_id: v.id for v in QuizVersion.select()}
        module_by_quiz = {m.quiz_slug: m for m in modules if m.quiz_slug}
        # A learner's progress covers the first k modules (k varies), so pages see real paths.
        progress_rows: list[tuple] = []
        progress_pairs: set[tuple[int, int]] = set()
        order = [ids[ROLE_EMAILS["learner"]]] + learner_ids
        index = 0
        while len(progress_rows) < sizes.progress and index < len(order) * 2:
            user_id = order[index % len(order)]
            index += 1
            for module in modules[:rng.randint(1, len(modules))]:
                if (user_id, module.id) in progress_pairs or len(progress_rows) >= sizes.progress:
                    continue
                progress_pairs.add((user_id, module.id))
                started = when()
                completed = rng.random() < 0.6
                updated = min(now, started + timedelta(days=rng.randint(0, 30)))
                progress_rows.append((user_id, module.id,
                                      "completed" if completed else "in_progress",
                                      completed or rng.random() < 0.5, started, updated,
                                      updated if completed else None))
        _insert(ModuleProgress, [ModuleProgress.user, ModuleProgress.module,
                                 ModuleProgress.status, ModuleProgress.watched,
                                 ModuleProgress.started_at, ModuleProgress.updated_at,
                                 ModuleProgress.completed_at], progress_rows)

        def attempts() -> Iterator[tuple]:
            for n in range(sizes.quiz_attempts):
                user_id = order[n % len(order)] if n < len(order) else rng.choice(order)
                quiz = quizzes[rng.randrange(len(quizzes))]
                score = round(rng.random(), 2)
                yield (user_id, quiz.id, versions[quiz.id], {}, {}, score,
                       score >= quiz.pass_mark, when())

        if quizzes:
            _insert(QuizAttempt, [QuizAttempt.user, QuizAttempt.quiz, QuizAttempt.quiz_version,
                                  QuizAttempt.answers, QuizAttempt.results, QuizAttempt.score,
                                  QuizAttempt.passed, QuizAttempt.created_at], attempts())
        del module_by_quiz

        # --- self-assessments (submitted; the bench learner also keeps a draft) -----------------
        from koalicje.self_assessment import dimension_scores

        instrument = Instrument.get(Instrument.slug == "partnerstwo")
        version = InstrumentVersion.get((InstrumentVersion.instrument == instrument)
                                        & (InstrumentVersion.number == instrument.version))
        statements = [s["id"] for d in version.definition["dimensions"] for s in d["statements"]]
        variants = []
        for _ in range(20):
            answers = {sid: rng.choice((0, 1, 2, 3, 4, 5)) for sid in statements}
            variants.append((answers, dimension_scores(version.definition, answers)))
        member_coalition = {u: c for c, users in members_of.items() for u in users}
        def assessments() -> Iterator[tuple]:
            for n in range(sizes.self_assessments):
                user_id = order[n % len(order)]
                answers, scores = variants[n % len(variants)]
                at = when()
                yield (user_id, member_coalition.get(user_id), instrument.id, version.id,
                       "library", answers, scores, "submitted",
                       at, at, at)
            learner = ids[ROLE_EMAILS["learner"]]
            yield (learner, member_coalition.get(learner), instrument.id, version.id, "library",
                   dict(list(variants[0][0].items())[:3]), {}, "draft",
                   now, now, None)

        _insert(SelfAssessment, [
            SelfAssessment.user, SelfAssessment.coalition, SelfAssessment.instrument,
            SelfAssessment.instrument_version, SelfAssessment.sector, SelfAssessment.answers,
            SelfAssessment.scores, SelfAssessment.status, SelfAssessment.created_at,
            SelfAssessment.updated_at, SelfAssessment.submitted_at], assessments())

        # --- posts: the bench board, the programme board, and the rest spread out ---------------
        bodies = _bodies(rng, 40)
        big = coalition_ids[0]
        rest = coalition_ids[1:] or coalition_ids
        big_count = min(sizes.big_board_posts, sizes.posts)
        programme_count = min(sizes.programme_posts, sizes.posts - big_count)

        def board_for(n: int) -> int | None:
            if n < big_count:
                return big
            if n < big_count + programme_count:
                return None
            return rest[n % len(rest)]

        def posts() -> Iterator[tuple]:
            for n in range(sizes.posts):
                board = board_for(n)
                authors = members_of.get(board) if board else None
                author = rng.choice(authors or learner_ids)
                category = POST_CATEGORIES[n % len(POST_CATEGORIES)]
                created = when()
                event_at = (created + timedelta(days=rng.randint(-30, 60))
                            if category == "event" else None)
                source, html = bodies[n % len(bodies)]
                title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize()
                yield (board, author, category, title, source, html,
                       n % 500 == 0, n % 700 == 0, event_at,
                       "Biblioteka" if event_at else "", created,
                       created if n % 97 == 0 else None)

        _insert(Post, [Post.coalition, Post.author, Post.category, Post.title,
                       Post.body_source, Post.body_html, Post.pinned, Post.must_read,
                       Post.event_at, Post.event_place, Post.created_at, Post.deleted_at],
                posts())
        post_rows = list(Post.select(Post.id, Post.coalition, Post.created_at).tuples())

        def comments() -> Iterator[tuple]:
            for n in range(sizes.comments):
                post_id, board, created = post_rows[n % len(post_rows)] if n < len(post_rows) \
                    else post_rows[rng.randrange(len(post_rows))]
                authors = members_of.get(board) if board else None
                source, html = bodies[(n * 7) % len(bodies)]
                yield (post_id, rng.choice(authors or learner_ids), source, html,
                       min(now, created + timedelta(hours=rng.randint(1, 200))))

        if post_rows:
            _insert(Comment, [Comment.post, Comment.author, Comment.body_source,
                              Comment.body_html, Comment.created_at], comments())
        # --- trainers' visits and the next steps agreed at them --------------------------
        trainer_of = {c: t for t, c in assignments}

        notes = "Notatki ze spotkania."
        notes_html = render_markdown(notes)  # what recording a visit stores beside the notes

        def visits() -> Iterator[tuple]:
            for n in range(sizes.visits):
                coalition_id = coalition_ids[n % len(coalition_ids)]
                yield (coalition_id, trainer_of.get(coalition_id), when().date(),
                       VISIT_PURPOSES[n % len(VISIT_PURPOSES)], notes, notes_html, start)

        _insert(Visit, [Visit.coalition, Visit.trainer, Visit.date, Visit.purpose, Visit.notes,
                        Visit.notes_html, Visit.created_at], visits())
        visit_rows = list(Visit.select(Visit.id, Visit.coalition).order_by(Visit.id).tuples())

        def steps() -> Iterator[tuple]:
            for n in range(sizes.next_steps if visit_rows else 0):
                visit_id, coalition_id = visit_rows[n % len(visit_rows)]
                owners = members_of.get(coalition_id) or []
                named = n % 3 == 2 or not owners
                yield (visit_id, "Ustalić termin kolejnego spotkania partnerów.",
                       None if named else owners[n % len(owners)], "wójt" if named else "",
                       (now + timedelta(days=rng.randint(-60, 60))).date(), False)

        _insert(NextStep, [NextStep.visit, NextStep.description, NextStep.owner_user,
                           NextStep.owner_name, NextStep.due_date, NextStep.done], steps())

        if is_sqlite() and db.table_exists("post_search"):
            fill_board_search_index()
    # The rows went in directly: the values the writes keep are computed once at the end.
    activity.recount()
    self_assessment.recount_profiles()
    # A bulk load: statistics for the query planner, as a migrated database gets them (a
    # data set made at the current schema is never migrated, and had none until a worker's
    # hourly `PRAGMA optimize`).
    analyze()

    if is_sqlite():
        db.execute_sql("PRAGMA synchronous=NORMAL")
    counts = {model.__name__: model.select().count() for model in (
        Coalition, User, Membership, ModuleProgress, QuizAttempt, SelfAssessment, Post,
        Comment, Visit, NextStep)}
    return Summary(sizes=asdict(sizes), seed=seed, counts=counts)


def main(argv: list[str] | None = None) -> None:
    from models import init_db

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every count (0.01 gives a quick small set)")
    parser.add_argument("--tiny", action="store_true", help="the smoke test's sizes")
    for f in fields(Sizes):
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=int, default=None)
    args = parser.parse_args(argv)
    sizes = TINY if args.tiny else FULL.scaled(args.scale) if args.scale != 1.0 else FULL
    overrides: dict[str, Any] = {f.name: getattr(args, f.name) for f in fields(Sizes)
                                 if getattr(args, f.name) is not None}
    sizes = replace(sizes, **overrides)
    init_db(args.database_url)
    with db.connection_context():
        summary = generate(sizes, seed=args.seed)
    print(summary.counts)


if __name__ == "__main__":
    main()
