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
    load_learning(config)


# --- learning path -------------------------------------------------------------------------


def load_learning(config: dict[str, Any] | None = None) -> None:
    """Generate the demo recording, captions, transcript and documents; start a learner off.

    Barbara (the librarian) has read the opening module and stopped the film a few seconds
    in, so the home page offers "continue where you left off" and the player resumes.
    """
    import media_demo
    import progress
    from models import Module, ModuleProgress, WatchState

    upload_dir = (config or {}).get("UPLOAD_DIR")
    if upload_dir:
        media_demo.generate(upload_dir)
    learner = User.by_email("bibliotekarka@example.org")
    opening = Module.get_or_none(Module.slug == "czym-jest-partnerstwo")
    film = Module.get_or_none(Module.slug == "film-spotkanie-badawcze")
    if learner is None or opening is None or film is None:
        return  # content not synced yet: `flask content sync` first
    if not ModuleProgress.select().where(
        (ModuleProgress.user == learner) & (ModuleProgress.module == opening)
    ).exists():
        progress.set_watched(learner, opening, True)
    if not WatchState.select().where(
        (WatchState.user == learner) & (WatchState.module == film)
    ).exists():
        with write_transaction():
            progress.touch(learner, film)
            WatchState.create(
                user=learner, module=film, source=media_demo.RECORDING,
                duration=float(media_demo.SECONDS), intervals=[[0.0, 4.0]],
                watched_seconds=4.0, position=4.0, session="demo", seq=1,
            )
