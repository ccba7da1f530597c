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
    load_board()


# --- noticeboard ----------------------------------------------------------------------------

# (board: coalition slug or None for the programme board, author e-mail, category, title,
#  body, options). Event times are local (Europe/Warsaw), days from the first load.
BOARD_POSTS: list[tuple[str | None, str, str, str, str, dict]] = [
    (None, "admin@example.org", "announcement", "Witamy na tablicy programu",
     "Tu wszystkie koalicje z programu dzielą się **ogłoszeniami**, pytaniami i dobrymi "
     "pomysłami.\n\nPiszcie krótko i konkretnie; wydarzenia oznaczajcie kategorią "
     "*Wydarzenie*, a pojawią się w kalendarzu.", {"pinned": True}),
    (None, "trener@example.org", "event", "Powtórka webinarium o współpracy z samorządem",
     "Dla osób, które nie mogły być na żywo: wspólnie obejrzymy nagranie i porozmawiamy o "
     "tym, jak przygotować się do rozmowy z wójtem.", {"days": 14, "hour": 18,
                                                      "place": "Online, link w wiadomości"}),
    (None, "koordynator@example.org", "need", "Kto zna się na budżecie obywatelskim?",
     "Chcemy zgłosić projekt świetlicy do budżetu obywatelskiego gminy. Szukamy kogoś, kto "
     "już przez to przechodził i podpowie, na co uważać przy kosztorysie.", {}),
    (None, "trener@example.org", "offer", "Konsultacje dla koordynatorów",
     "W każdy czwartek między 16 a 18 mam czas na rozmowę telefoniczną o planach koalicji. "
     "Wystarczy napisać komentarz z proponowaną godziną.", {}),
    (None, "bibliotekarka@example.org", "success", "Mamy grant na kącik dla młodzieży",
     "Po roku starań fundacja lokalnego banku sfinansowała meble i dwa komputery. Wniosek "
     "pisaliśmy razem ze szkołą i kołem gospodyń — bez koalicji by się nie udało.", {}),
    ("koalicja-zalesie", "koordynator@example.org", "announcement",
     "Zasady naszej tablicy — prosimy o potwierdzenie",
     "1. Piszemy do siebie uprzejmie.\n2. Ogłoszenia o wydarzeniach dodajemy co najmniej "
     "tydzień wcześniej.\n3. Dane osobowe mieszkańców zostają poza tablicą.\n\nKliknijcie "
     "„Przeczytane”, żebym wiedziała, że zasady dotarły do wszystkich.", {"must_read": True}),
    ("koalicja-zalesie", "koordynator@example.org", "event",
     "Spotkanie partnerów: plan święta gminy",
     "Omówimy podział zadań na święto gminy: kto przygotowuje scenę, kto stoiska, a kto "
     "zajęcia dla dzieci. Przynieście pomysły!", {"days": 7, "hour": 17,
                                                  "place": "Biblioteka w Zalesiu, sala na piętrze"}),
    ("koalicja-zalesie", "czlonek@example.org", "need", "Potrzebny rzutnik na wieczór filmowy",
     "Stowarzyszenie organizuje w piątek pokaz filmu dla seniorów. Czy ktoś może pożyczyć "
     "rzutnik z ekranem? Odbierzemy i oddamy w sobotę.", {}),
    ("koalicja-zalesie", "bibliotekarka@example.org", "offer", "Sala biblioteki wolna we wtorki",
     "Po 17.00 we wtorki sala czytelni stoi pusta. Chętnie udostępnimy ją na próby chóru "
     "albo spotkania klubu szachowego.", {}),
    ("koalicja-zalesie", "trener@example.org", "announcement",
     "Materiały po webinarium o współpracy z samorządem",
     "Nagranie i prezentacja są w module szkoleniowym. Szczególnie polecam fragment o tym, "
     "jak opisać korzyści dla gminy w jednym akapicie.", {"pinned": True}),
    ("koalicja-zalesie", "koordynator@example.org", "success",
     "Warsztaty rękodzieła przyciągnęły 40 osób",
     "Seniorki z koła gospodyń uczyły młodzież szydełkowania, a młodzież pokazała, jak "
     "wrzucić zdjęcia prac do internetu. Powtarzamy w marcu!", {}),
]

BOARD_COMMENTS: list[tuple[str, str, str]] = [
    ("Potrzebny rzutnik na wieczór filmowy", "bibliotekarka@example.org",
     "Biblioteka ma rzutnik — zapraszam po odbiór w czwartek po południu."),
    ("Potrzebny rzutnik na wieczór filmowy", "czlonek@example.org", "Dziękuję, będę o 15!"),
    ("Spotkanie partnerów: plan święta gminy", "czlonek@example.org",
     "Stowarzyszenie może wziąć na siebie zajęcia dla dzieci."),
    ("Kto zna się na budżecie obywatelskim?", "trener@example.org",
     "Napiszę do koalicji z Borek — w zeszłym roku ich projekt wygrał głosowanie."),
]


def load_board() -> None:
    """Posts, an upcoming event, a must-read post and comments on the demo boards."""
    from datetime import UTC, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    import board
    from models import Comment, Post

    zone = ZoneInfo("Europe/Warsaw")
    existing = {p.title: p for p in Post.select().where(
        Post.title.in_([row[3] for row in BOARD_POSTS]))}
    for slug, email, category, title, body, options in BOARD_POSTS:
        if title in existing:
            continue
        coalition = Coalition.get(Coalition.slug == slug) if slug else None
        event_at = None
        if "days" in options:
            day = (datetime.now(zone) + timedelta(days=options["days"])).date()
            local = datetime.combine(day, time(options["hour"]), tzinfo=zone)
            event_at = local.astimezone(UTC).replace(tzinfo=None)
        post = board.create_post(
            User.by_email(email), coalition, title=title, body=body, category=category,
            event_at=event_at, event_place=options.get("place", ""),
        )
        if options.get("pinned"):
            board.set_pinned(post, True)
        if options.get("must_read"):
            board.set_must_read(post, True)
        existing[title] = post
    for title, email, body in BOARD_COMMENTS:
        post = existing[title]
        author = User.by_email(email)
        if not Comment.select().where(
            (Comment.post == post) & (Comment.author == author) & (Comment.body_source == body)
        ).exists():
            board.add_comment(author, post, body)
