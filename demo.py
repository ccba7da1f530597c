"""Demo data for a newcomer running `make run`: idempotent, safe to load again."""

from __future__ import annotations

from datetime import date
from typing import Any

import accounts
from models import Coalition, Membership, TrainerAssignment, User, write_transaction

DEMO_PASSWORD = "koalicje-demo"

# email, name, global role
ACCOUNTS = [
    ("admin@example.org", "Alicja Administratorka", "admin"),
    ("trener@example.org", "Tomasz Trener", "trainer"),
    ("koordynator@example.org", "Katarzyna Koordynatorka", "user"),
    ("bibliotekarka@example.org", "Barbara Bibliotekarka", "user"),
    ("czlonek@example.org", "Czesław Członek", "user"),
]
ACCOUNTS_SUMMARY = [
    ("admin@example.org", "Alicja Administratorka", "admin"),
    ("trener@example.org", "Tomasz Trener", "trainer"),
    ("koordynator@example.org", "Katarzyna Koordynatorka", "coordinator"),
    ("bibliotekarka@example.org", "Barbara Bibliotekarka", "librarian (learner)"),
    ("czlonek@example.org", "Czesław Członek", "coalition member"),
]

COALITIONS = [
    {
        "slug": "koalicja-zalesie",
        "name": "Koalicja dla Zalesia",
        "gmina": "Zalesie",
        "voivodeship": "lubelskie",
        "library": "Gminna Biblioteka Publiczna w Zalesiu",
        "round": 1,
        "founded": date(2010, 11, 18),
        "goals": "Więcej zajęć dla młodzieży po szkole i wspólne święto gminy, "
        "które przygotowują razem szkoła, dom kultury i koło gospodyń.",
    },
    {
        "slug": "partnerstwo-borki",
        "name": "Partnerstwo Borki Razem",
        "gmina": "Borki",
        "voivodeship": "podlaskie",
        "library": "Biblioteka Publiczna Gminy Borki",
        "round": 2,
        "founded": date(2012, 3, 6),
        "goals": "Spotkania pokoleń: seniorzy uczą młodszych rękodzieła, "
        "młodzież uczy seniorów korzystania z internetu.",
    },
    {
        "slug": "koalicja-nowa-wies",
        "name": "Nowowiejska Koalicja Aktywnych",
        "gmina": "Nowa Wieś",
        "voivodeship": "małopolskie",
        "library": "Gminna Biblioteka Publiczna w Nowej Wsi",
        "round": 3,
        "founded": date(2013, 9, 24),
        "goals": "Wspólny kalendarz wydarzeń gminy i punkt informacji dla organizacji.",
    },
]

# email -> (coalition slug, membership role, sector)
MEMBERSHIPS = [
    ("koordynator@example.org", "koalicja-zalesie", "coordinator", "library"),
    ("bibliotekarka@example.org", "koalicja-zalesie", "member", "library"),
    ("czlonek@example.org", "koalicja-zalesie", "member", "ngo"),
]
ASSIGNMENTS = [("trener@example.org", "koalicja-zalesie"), ("trener@example.org", "partnerstwo-borki")]


def load(config: dict[str, Any] | None = None) -> None:
    """Create the demo accounts, coalitions, memberships and assignments if missing."""
    users = {}
    for email, name, role in ACCOUNTS:
        user = User.by_email(email)
        if user is None:
            user = accounts.create_user(email, name, DEMO_PASSWORD, role=role)
        users[email] = user
    with write_transaction():
        coalitions = {}
        for data in COALITIONS:
            coalition = Coalition.get_or_none(Coalition.slug == data["slug"])
            if coalition is None:
                coalition = Coalition.create(**data)
            coalitions[data["slug"]] = coalition
        for email, slug, role, sector in MEMBERSHIPS:
            Membership.get_or_create(
                user=users[email], coalition=coalitions[slug],
                defaults={"role": role, "sector": sector},
            )
        for email, slug in ASSIGNMENTS:
            TrainerAssignment.get_or_create(trainer=users[email], coalition=coalitions[slug])
    load_quizzes(config)
    load_trainer()


# --- quizzes and self-assessment -----------------------------------------------------------

# email -> the answer given to every statement of a dimension, after reverse scoring
# (dimensions not listed: 3). Three members answer, so the coalition profile shows; they
# disagree on communication (2 vs 4 vs 5), which the coalition view flags.
DEMO_SELF_ASSESSMENTS = {
    "koordynator@example.org": {"wspolny-cel": 4, "sklad": 4, "samorzad": 3, "zaufanie": 4,
                                "przywodztwo": 5, "komunikacja": 5, "plan-i-zasoby": 3,
                                "ewaluacja": 2},
    "bibliotekarka@example.org": {"wspolny-cel": 4, "sklad": 3, "samorzad": 2, "zaufanie": 4,
                                  "przywodztwo": 4, "komunikacja": 4, "plan-i-zasoby": 2,
                                  "ewaluacja": 2},
    "czlonek@example.org": {"wspolny-cel": 3, "sklad": 4, "samorzad": 2, "zaufanie": 3,
                            "przywodztwo": 4, "komunikacja": 2, "plan-i-zasoby": 3,
                            "ewaluacja": 3},
}


def load_quizzes(config: dict[str, Any] | None = None) -> None:
    """Submitted self-assessments for the Zalesie coalition and one passed quiz (once)."""
    import quiz_content
    import quizzes
    import self_assessment as sa
    from config import ROOT
    from models import Instrument, Quiz, QuizAttempt, SelfAssessment

    if not Instrument.select().exists() or not Quiz.select().exists():
        quiz_content.sync_own((config or {}).get("CONTENT_DIR") or ROOT / "content")
    instrument = Instrument.get_or_none(Instrument.slug == sa.DEFAULT_INSTRUMENT)
    coalition = Coalition.get_or_none(Coalition.slug == "koalicja-zalesie")
    if instrument is None or coalition is None:
        return
    definition = sa.current_version(instrument).definition
    for email, levels in DEMO_SELF_ASSESSMENTS.items():
        user = User.by_email(email)
        done = SelfAssessment.select().where(
            (SelfAssessment.user == user) & (SelfAssessment.instrument == instrument)
            & (SelfAssessment.status == "submitted")
        ).exists()
        if user is None or done:
            continue
        answers = {}
        for dimension in definition["dimensions"]:
            value = levels.get(dimension["slug"], 3)
            for statement in dimension["statements"]:
                answers[statement["id"]] = 6 - value if statement["reverse"] else value
        draft = sa.start(user, instrument, coalition)
        sa.save_answers(draft, answers, sa.default_sector(user, coalition))
        sa.submit(draft)
    learner = User.by_email("bibliotekarka@example.org")
    quiz = Quiz.get_or_none(Quiz.slug == quiz_content.KNOWN_MODULE_SLUGS[0])
    if learner and quiz and not QuizAttempt.select().where(
        (QuizAttempt.user == learner) & (QuizAttempt.quiz == quiz)
    ).exists():
        version = quizzes.current_version(quiz)
        right = {
            q["id"]: [o["id"] for o in q["options"] if o["correct"]]
            for q in version.definition["questions"]
        }
        quizzes.record_attempt(learner, quiz, version, right)



# --- trainer dashboard: learners' progress, quiz attempts, a visit with next steps ----------

TRAINER_LEARNERS = [
    # email, name, coalition slug, sector, joined days ago
    ("lucyna@example.org", "Lucyna Lis", "koalicja-zalesie", "education_culture", 60),
    ("henryk@example.org", "Henryk Hajduk", "koalicja-zalesie", "ngo", 30),
    ("olga@example.org", "Olga Ostrowska", "partnerstwo-borki", "resident", 50),
]
# email -> [(module position, status, started days ago, last change days ago)]
TRAINER_PROGRESS = {
    "bibliotekarka@example.org": [(1, "completed", 45, 40), (2, "completed", 38, 30),
                                  (3, "completed", 28, 25), (4, "in_progress", 20, 20)],
    "koordynator@example.org": [(1, "completed", 12, 9), (2, "completed", 8, 5),
                                (3, "in_progress", 3, 2)],
    "czlonek@example.org": [(1, "in_progress", 40, 40)],
    "lucyna@example.org": [(1, "completed", 50, 48), (2, "completed", 44, 40),
                           (3, "completed", 30, 28), (4, "completed", 20, 15),
                           (5, "completed", 10, 6), (6, "in_progress", 4, 1)],
    "olga@example.org": [(1, "completed", 9, 5), (2, "in_progress", 5, 4)],
}
# first attempt fails for these (learner, module position): a question to look at
TRAINER_RETRIES = {("bibliotekarka@example.org", 2), ("koordynator@example.org", 1),
                   ("lucyna@example.org", 4)}


def load_trainer() -> None:
    """Progress, quiz attempts and a visit log for the demo trainer's coalitions.

    Uses only modules that exist (run after `flask content sync`); without any, it adds the
    extra learners and the visit log only. Runs once: rows that exist are left alone, so loading again changes nothing.
    """
    from datetime import timedelta

    from models import (
        Module,
        ModuleProgress,
        NextStep,
        Visit,
        utcnow,
    )

    modules = {m.position: m for m in Module.active()}  # none before `content sync`
    now = utcnow().replace(microsecond=0)
    for email, name, _slug, _sector, _days in TRAINER_LEARNERS:
        if User.by_email(email) is None:
            accounts.create_user(email, name, DEMO_PASSWORD)
    with write_transaction():
        for email, _name, slug, sector, days in TRAINER_LEARNERS:
            coalition = Coalition.get_or_none(Coalition.slug == slug)
            if coalition is not None:
                Membership.get_or_create(
                    user=User.by_email(email), coalition=coalition,
                    defaults={"role": "member", "sector": sector,
                              "joined_at": now - timedelta(days=days)},
                )
        for email, steps in TRAINER_PROGRESS.items():
            user = User.by_email(email)
            if user is None:
                continue
            for position, status, started, changed in steps:
                module = modules.get(position)
                if module is None:
                    continue
                _, created = ModuleProgress.get_or_create(
                    user=user, module=module,
                    defaults={
                        "status": status, "watched": True,
                        "started_at": now - timedelta(days=started),
                        "updated_at": now - timedelta(days=changed),
                        "completed_at": (now - timedelta(days=changed)
                                         if status == "completed" else None),
                    },
                )
                if created and module.quiz_slug:
                    _demo_attempts(user, module, status, changed,
                                   (email, position) in TRAINER_RETRIES, now)
        coalition = Coalition.get_or_none(Coalition.slug == "koalicja-zalesie")
        trainer = User.by_email("trener@example.org")
        if coalition is not None and not Visit.select().where(Visit.coalition == coalition).exists():
            today = now.date()
            visit = Visit.create(
                coalition=coalition, trainer=trainer, date=today - timedelta(days=21),
                purpose="local_need",
                notes="Spotkanie w bibliotece z dyrektorką szkoły, sołtysem i kołem gospodyń. "
                "Najczęściej wracał temat braku zajęć dla młodzieży po lekcjach.",
            )
            koordynator = User.by_email("koordynator@example.org")
            NextStep.create(visit=visit, description="Krótka ankieta wśród uczniów klas 6–8",
                            owner_user=koordynator, due_date=today - timedelta(days=4))
            NextStep.create(visit=visit, description="Rozmowa z wójtem o sali w remizie",
                            owner_name="sołtys Zalesia", due_date=today + timedelta(days=10))
            NextStep.create(visit=visit, description="Lista partnerów z kontaktami",
                            owner_user=koordynator, due_date=today - timedelta(days=14),
                            done=True, done_at=now - timedelta(days=15), done_by=koordynator)
            Visit.create(coalition=coalition, trainer=trainer, date=today - timedelta(days=70),
                         purpose="partner_potential",
                         notes="Mapa zasobów: kto w gminie co może wnieść do partnerstwa.")


def _demo_attempts(user, module, status, days_ago, retry, now) -> None:
    """A passing attempt for a completed module (after a failed one when `retry`)."""
    from datetime import timedelta

    from models import Quiz, QuizAttempt, QuizVersion
    from stats import question_texts

    quiz = Quiz.get_or_none((Quiz.slug == module.quiz_slug) & (Quiz.archived == False))  # noqa: E712
    if quiz is None:
        return
    version = quiz.versions.order_by(QuizVersion.number.desc()).first()
    if version is None:
        return
    ids = [qid for qid, _text in question_texts(version.definition)]
    if not ids:
        return
    tries = []
    if retry or status != "completed":
        wrong = set(ids[: max(1, len(ids) // 2)])
        tries.append({qid: qid not in wrong for qid in ids})
    if status == "completed":
        tries.append({qid: (qid != ids[-1] or len(ids) < 4) for qid in ids})
    for index, results in enumerate(tries):
        score = sum(results.values()) / len(results)
        QuizAttempt.create(
            user=user, quiz=quiz, quiz_version=version, answers={}, results=results,
            score=score, passed=score >= quiz.pass_mark,
            created_at=now - timedelta(days=days_ago, hours=len(tries) - index),
        )
