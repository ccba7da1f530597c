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
