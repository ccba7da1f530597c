"""Test data factories, in one module: people and coalitions, the noticeboard world,
modules, quizzes and attempts, progress, curriculum content and uploaded files.

conftest.py re-exports the people and coalition factories (and the `factories` fixture),
so `from conftest import make_user` keeps working; everything else is imported from here.
Call them with an open connection (inside a test that takes `database` or `app`, or via
`with_db`).
"""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from koalicje import activity
from koalicje.config import ROOT
from koalicje.content import quiz_files, sync
from models import (
    Coalition,
    Instrument,
    Membership,
    Module,
    ModuleProgress,
    Post,
    Quiz,
    QuizAttempt,
    QuizVersion,
    SchemaVersion,
    TrainerAssignment,
    User,
    create_or_migrate,
    db,
    utcnow,
)

PASSWORD = "haslo-testowe-123"
_counter = itertools.count(1)


# --- people and coalitions -----------------------------------------------------------------


def make_user(role: str = "user", email: str | None = None, name: str | None = None,
              password: str = PASSWORD, active: bool = True, locale: str = "pl") -> User:
    n = next(_counter)
    user = User(
        email=email or f"user{n}@example.org", name=name or f"Użytkownik {n}", role=role,
        active=active, locale=locale,
    )
    user.set_password(password)
    user.save()
    return user


def make_coalition(**fields) -> Coalition:
    n = next(_counter)
    data = {
        "slug": f"koalicja-{n}",
        "name": f"Koalicja {n}",
        "gmina": f"Gmina {n}",
        "voivodeship": "mazowieckie",
        "library": f"Biblioteka {n}",
        "round": 1,
        "goals": "Cele koalicji",
    }
    data.update(fields)
    return Coalition.create(**data)


def add_member(user: User, coalition: Coalition, role: str = "member",
               sector: str = "library") -> Membership:
    return Membership.create(user=user, coalition=coalition, role=role, sector=sector)


def assign(trainer: User, coalition: Coalition) -> TrainerAssignment:
    return TrainerAssignment.create(trainer=trainer, coalition=coalition)


def migrate_from(version: int) -> list[int]:
    """Mark the database as being at schema `version` (after a test undid what the later
    migrations did) and run `create_or_migrate()` on a fresh connection, as a deployment
    upgrading from that version would; returns the versions applied."""
    SchemaVersion.update(version=version).execute()
    db.close()
    db.connect()
    return create_or_migrate()


def with_db(fn):
    """Run `fn` with an open connection (for setting up data between requests)."""
    db.connect(reuse_if_open=True)
    try:
        return fn()
    finally:
        db.close()


# --- the noticeboard world -----------------------------------------------------------------


@dataclass
class BoardWorld:
    coalition: Coalition
    other: Coalition
    coordinator: User
    member: User
    member2: User
    outsider: User
    trainer: User
    other_trainer: User
    admin: User


def build_board_world() -> BoardWorld:
    """A coalition with a coordinator, members and a trainer, and another coalition.
    Each board test module wraps this in its own `bw` fixture (which also takes `app`)."""
    db.connect(reuse_if_open=True)
    coalition = make_coalition(name="Koalicja Lipowa")
    other = make_coalition(name="Koalicja Dębowa")
    world = BoardWorld(
        coalition=coalition, other=other,
        coordinator=make_user(name="Krystyna Koordynatorka"),
        member=make_user(name="Marek Członek"),
        member2=make_user(name="Maria Druga"),
        outsider=make_user(name="Olga Spoza"),
        trainer=make_user(role="trainer", name="Teodor Trener"),
        other_trainer=make_user(role="trainer", name="Inny Trener"),
        admin=make_user(role="admin", name="Ada Admin"),
    )
    add_member(world.coordinator, coalition, "coordinator", "library")
    add_member(world.member, coalition, "member", "ngo")
    add_member(world.member2, coalition, "member", "business")
    add_member(world.outsider, other, "member", "resident")
    assign(world.trainer, coalition)
    assign(world.other_trainer, other)
    db.close()
    return world


# --- modules, quizzes, attempts, progress ------------------------------------------------------


def make_module(position: int | None = None, slug: str | None = None, *, kind: str = "reading",
                quiz: bool = False, questions: int = 3, quiz_slug: str | None = None,
                prerequisites: list[str] | None = None, task: bool = False,
                video: dict | None = None, required: bool = True, materials: list | None = None,
                **fields) -> Module:
    """A module titled "Moduł <position>" / "Module <position>" (position: the next number
    when not given). `quiz=True` also creates its quiz (slug = the module's) with
    `questions` questions; `quiz_slug` only points at a quiz (see `make_quiz`)."""
    n = next(_counter)
    slug = slug or f"modul-{position if position is not None else n}"
    position = position if position is not None else n
    meta = {"presenters": [], "materials": materials or []}
    if video:
        meta["video"] = video
    if task:
        meta["task"] = {"title": {"pl": "Zadanie", "en": "Task"},
                        "prompt": {"pl": "Napisz", "en": "Write"}, "category": "event"}
    data = dict(
        slug=slug, position=position, kind=kind,
        title_pl=f"Moduł {position}", title_en=f"Module {position}", summary_pl="Opis modułu",
        summary_en="Module summary", body="## Nagłówek\n\nTreść modułu.", meta=meta,
        quiz_slug=slug if quiz else quiz_slug, prerequisites=prerequisites or [],
        required=required, estimated_minutes=10,
    )
    data.update(fields)
    module = Module.create(**data)
    if quiz:
        made = Quiz.create(slug=slug, module_slug=slug, title=f"Test {position}")
        QuizVersion.create(
            quiz=made, number=1, content_hash="h",
            definition={"questions": [
                {"id": f"q{k}", "text": {"pl": f"Pytanie {k}", "en": f"Question {k}"}}
                for k in range(1, questions + 1)
            ]},
        )
    return module


def make_quiz(slug: str, archived: bool = False) -> Quiz:
    """A quiz without questions (for modules made with `quiz_slug=`)."""
    quiz = Quiz.create(slug=slug, module_slug=slug, title=f"Quiz {slug}", archived=archived)
    QuizVersion.create(quiz=quiz, number=1, content_hash="h", definition={})
    return quiz


def attempt(user: User, of: Module | Quiz, results: dict[str, bool] | None = None,
            at: datetime | None = None, *, passed: bool | None = None) -> QuizAttempt:
    """An attempt at the quiz of a module (or at a quiz): scored from `results`
    (question id -> answered correctly), or just `passed` (score 1.0 or 0.2)."""
    quiz = of if isinstance(of, Quiz) else Quiz.get(Quiz.slug == of.quiz_slug)
    version = quiz.versions.order_by(QuizVersion.number.desc()).first()
    if results is not None:
        score = sum(results.values()) / len(results)
        passed = score >= quiz.pass_mark
    else:
        score = 1.0 if passed else 0.2
    made = QuizAttempt.create(
        user=user, quiz=quiz, quiz_version=version, results=results or {}, answers={},
        score=score, passed=bool(passed), created_at=at or utcnow(),
    )
    activity.recompute([user.id])  # rows written directly keep the stamp like the domain's
    return made


def progress(user: User, module: Module, status: str, started: datetime | None = None,
             updated: datetime | None = None) -> ModuleProgress:
    now = utcnow()
    started = started or now
    updated = updated or started
    row = ModuleProgress.create(
        user=user, module=module, status=status, watched=status == "completed",
        started_at=started, updated_at=updated,
        completed_at=updated if status == "completed" else None,
    )
    activity.recompute([user.id])
    return row


def days_ago(days: float, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)


def task_post(user: User, module: Module, deleted: bool = False) -> Post:
    return board_post(user, title="Plan spotkania", body="Plan", category="event",
                      module_slug=module.slug, deleted_at=utcnow() if deleted else None)


def board_post(user: User, coalition: Coalition | None = None, *, title: str = "Wpis",
               body: str = "Treść", **fields) -> Post:
    """A post written directly (any `created_at`, `deleted_at`...), the author's activity
    stamp kept as the domain's `create_post` keeps it."""
    post = Post.create(coalition=coalition, author=user, title=title, body_source=body,
                       body_html=f"<p>{body}</p>", **fields)
    activity.recompute([user.id])
    return post


def write_content_file(upload_dir: str | Path, name: str, data: bytes) -> Path:
    folder = Path(upload_dir) / "content"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


# --- the curriculum's quizzes and self-assessment instruments ----------------------------------

CONTENT = ROOT / "content"


def sync_content(folder: Path | None = None) -> sync.SyncReport:
    """Quizzes and instruments only: other areas' loaders (modules) keep their own test data."""
    return quiz_files.sync_own(folder or CONTENT)


def copy_content(tmp_path: Path) -> Path:
    """A private copy of the quiz and instrument files that a test may edit (and the module
    files, which quizzes must belong to)."""
    target = tmp_path / "content"
    for name in ("modules", "quizzes", "self_assessment"):
        shutil.copytree(CONTENT / name, target / name)
    return target


def quiz(slug: str = "czym-jest-partnerstwo") -> Quiz:
    return Quiz.get(Quiz.slug == slug)


def _current_definition(item: Quiz | Instrument) -> dict:
    """The definition of the current version of a synced quiz or instrument."""
    return item.versions.where(item.versions.model.number == item.version).get().definition


def definition(slug: str = "czym-jest-partnerstwo") -> dict:
    return _current_definition(quiz(slug))


def right_answers(definition: dict) -> dict[str, list[str]]:
    return {
        q["id"]: [o["id"] for o in q["options"] if o["correct"]] for q in definition["questions"]
    }


def wrong_answers(definition: dict) -> dict[str, list[str]]:
    return {
        q["id"]: [next(o["id"] for o in q["options"] if not o["correct"])]
        for q in definition["questions"]
    }


def form_data(answers: dict[str, list[str]], token: str) -> dict:
    data: dict = {"csrf_token": token}
    for qid, chosen in answers.items():
        data[f"q-{qid}"] = chosen
    return data


def instrument(slug: str = "partnerstwo") -> Instrument:
    return Instrument.get(Instrument.slug == slug)


def instrument_definition(slug: str = "partnerstwo") -> dict:
    return _current_definition(instrument(slug))


def statements(definition: dict) -> list[dict]:
    return [s for d in definition["dimensions"] for s in d["statements"]]


def answers_for(definition: dict, per_dimension: dict[str, float]) -> dict[str, int]:
    """Answers whose item scores all equal the given value per dimension (reverse handled).

    Only whole values are possible this way; the value is the dimension's mean.
    """
    out = {}
    for dimension in definition["dimensions"]:
        value = int(per_dimension.get(dimension["slug"], 3))
        for statement in dimension["statements"]:
            out[statement["id"]] = 6 - value if statement["reverse"] else value
    return out
