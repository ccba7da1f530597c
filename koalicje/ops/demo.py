"""Demo data for a newcomer running `make run`: idempotent, safe to load again."""

from __future__ import annotations

from datetime import date
from typing import Any

from koalicje import accounts, activity
from koalicje.ops import demo_workshop
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
        "voivodeship": "lubelskie",
        "library": "Biblioteka Publiczna Gminy Borki",
        "round": 2,
        "founded": date(2012, 3, 6),
        "goals": "Spotkania pokoleń: seniorzy uczą młodszych rękodzieła, "
        "młodzież uczy seniorów korzystania z internetu.",
    },
    {
        "slug": "koalicja-nowa-wies",
        "name": "Nowowiejska Koalicja Aktywnych",
        "gmina": "Nowa Wieś Wielka",
        "voivodeship": "kujawsko-pomorskie",
        "library": "Gminna Biblioteka Publiczna w Nowej Wsi Wielkiej",
        "round": 3,
        "founded": date(2013, 9, 24),
        "goals": "Wspólny kalendarz wydarzeń gminy i punkt informacji dla organizacji.",
    },
    {
        "slug": "koalicja-czarna-dabrowka",
        "name": "Dąbrowiecka Koalicja Sąsiedzka",
        "gmina": "Czarna Dąbrówka",
        "voivodeship": "pomorskie",
        "library": "Gminna Biblioteka Publiczna w Czarnej Dąbrówce",
        "round": 1,
        "founded": date(2010, 10, 5),
        "goals": "Chcemy, żeby mieszkańcy małych sołectw częściej spotykali się ze sobą:\n\n"
        "- raz w miesiącu wieczór sąsiedzki w bibliotece albo w świetlicy,\n"
        "- wspólne porządkowanie i ozdabianie miejsc, z których korzysta cała wieś,\n"
        "- kronika gminy pisana przez mieszkańców.",
    },
    {
        "slug": "partnerstwo-lagow",
        "name": "Partnerstwo Łagowskie",
        "gmina": "Łagów",
        "voivodeship": "lubuskie",
        "library": "Gminna Biblioteka Publiczna w Łagowie",
        "round": 2,
        "founded": date(2012, 4, 17),
        "goals": "Łączymy turystykę z lokalną kulturą: młodzież przygotowuje szlak legend "
        "okolicy, przedsiębiorcy udostępniają miejsca na wystawy, a biblioteka zbiera "
        "wspomnienia najstarszych mieszkańców.",
    },
    {
        "slug": "koalicja-zarnow",
        "name": "Żarnowska Koalicja na Rzecz Kultury",
        "gmina": "Żarnów",
        "voivodeship": "łódzkie",
        "library": "Gminna Biblioteka Publiczna w Żarnowie",
        "round": 1,
        "founded": date(2011, 2, 22),
        "goals": "Młodzi ludzie współtworzą życie kulturalne gminy: prowadzą koło filmowe, "
        "organizują przegląd zespołów i sami decydują o części wydarzeń w bibliotece.",
    },
    {
        "slug": "koalicja-ozimek",
        "name": "Ozimskie Forum Partnerów",
        "gmina": "Ozimek",
        "voivodeship": "opolskie",
        "library": "Miejsko-Gminna Biblioteka Publiczna w Ozimku",
        "round": 3,
        "founded": date(2014, 1, 14),
        "goals": "**Wspólny kalendarz** wydarzeń wszystkich instytucji i organizacji, "
        "żeby imprezy się nie nakładały, oraz jeden punkt, w którym mieszkańcy zgłaszają "
        "pomysły na działania.",
    },
    {
        "slug": "partnerstwo-baligrod",
        "name": "Bieszczadzkie Partnerstwo w Baligrodzie",
        "gmina": "Baligród",
        "voivodeship": "podkarpackie",
        "library": "Gminna Biblioteka Publiczna w Baligrodzie",
        "round": 2,
        "founded": date(2012, 6, 1),
        "goals": "Chcemy zatrzymać młodych w gminie: warsztaty zawodowe z lokalnymi firmami, "
        "kursy komputerowe dla dorosłych i miejsce do nauki po lekcjach.",
    },
    {
        "slug": "koalicja-bodzentyn",
        "name": "Koalicja Bodzentyn Pokoleń",
        "gmina": "Bodzentyn",
        "voivodeship": "świętokrzyskie",
        "library": "Miejsko-Gminna Biblioteka Publiczna w Bodzentynie",
        "round": 3,
        "founded": date(2013, 10, 9),
        "goals": "Pokolenia uczą się od siebie nawzajem:\n\n"
        "- seniorzy opowiadają o dawnych zawodach i obrzędach,\n"
        "- uczniowie pomagają seniorom w sprawach urzędowych przez internet,\n"
        "- razem nagrywamy wspomnienia do gminnego archiwum.",
    },
    {
        "slug": "koalicja-rozogi",
        "name": "Rozoska Koalicja Aktywności",
        "gmina": "Rozogi",
        "voivodeship": "warmińsko-mazurskie",
        "library": "Gminna Biblioteka Publiczna w Rozogach",
        "round": 1,
        "founded": date(2010, 12, 2),
        "goals": "Ożywiamy świetlice wiejskie: każda wieś ma opiekuna z koalicji, "
        "a biblioteka przywozi książki i prowadzi zajęcia na miejscu.",
    },
    {
        "slug": "partnerstwo-krzykosy",
        "name": "Partnerstwo Gminy Krzykosy",
        "gmina": "Krzykosy",
        "voivodeship": "wielkopolskie",
        "library": "Gminna Biblioteka Publiczna w Krzykosach",
        "round": 3,
        "founded": date(2013, 11, 20),
        "goals": "Więcej wspólnych przedsięwzięć szkoły, koła gospodyń i straży pożarnej; "
        "mieszkańcy uczą się pisać wnioski o małe granty.",
    },
    {
        "slug": "koalicja-swieradow",
        "name": "Świeradowska Koalicja Kultury",
        "gmina": "Świeradów-Zdrój",
        "voivodeship": "dolnośląskie",
        "library": "Miejska Biblioteka Publiczna w Świeradowie-Zdroju",
        "round": 2,
        "founded": date(2012, 5, 8),
        "goals": "Kultura przez cały rok, nie tylko w sezonie: spotkania autorskie, "
        "warsztaty dla dzieci kuracjuszy i mieszkańców, wspólna gazetka.",
    },
    {
        "slug": "koalicja-kolbaskowo",
        "name": "Kołbaskowska Koalicja Dobrego Sąsiedztwa",
        "gmina": "Kołbaskowo",
        "voivodeship": "zachodniopomorskie",
        "library": "Gminna Biblioteka Publiczna w Kołbaskowie",
        "round": 3,
        "founded": date(2014, 2, 3),
        "goals": "Nowi mieszkańcy osiedli podmiejskich poznają starszych mieszkańców wsi: "
        "piknik sąsiedzki, wymiana książek i roślin, mapa ciekawych miejsc gminy.",
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
    load_coalitions()
    load_learning(config)
    load_quizzes(config)
    load_board()
    load_trainer()
    demo_workshop.load()
    activity.recount()  # some demo rows are written directly, with dates in the past


# --- coalitions: members of the directory's coalitions ---------------------------------------

# email, name, coalition slug, membership role, sector. Every coalition gets a coordinator.
COALITION_MEMBERS = [
    ("janina.sowa@example.org", "Janina Sowa", "koalicja-zalesie", "member", "local_government"),
    ("piotr.mazur@example.org", "Piotr Mazur", "koalicja-zalesie", "member", "education_culture"),
    ("halina.borkowska@example.org", "Halina Borkowska", "partnerstwo-borki", "coordinator",
     "library"),
    ("marek.wysocki@example.org", "Marek Wysocki", "partnerstwo-borki", "member", "resident"),
    ("agata.lis@example.org", "Agata Lis", "partnerstwo-borki", "member", "ngo"),
    ("ewa.kaczmarek@example.org", "Ewa Kaczmarek", "koalicja-nowa-wies", "coordinator",
     "library"),
    ("robert.zielinski@example.org", "Robert Zieliński", "koalicja-nowa-wies", "member",
     "business"),
    ("danuta.klein@example.org", "Danuta Klein", "koalicja-czarna-dabrowka", "coordinator",
     "library"),
    ("tadeusz.formela@example.org", "Tadeusz Formela", "koalicja-czarna-dabrowka", "member",
     "local_government"),
    ("monika.labuda@example.org", "Monika Łabuda", "koalicja-czarna-dabrowka", "member",
     "resident"),
    ("grazyna.pawlak@example.org", "Grażyna Pawlak", "partnerstwo-lagow", "coordinator",
     "library"),
    ("lukasz.nowicki@example.org", "Łukasz Nowicki", "partnerstwo-lagow", "member", "business"),
    ("kinga.duda@example.org", "Kinga Duda", "partnerstwo-lagow", "member", "education_culture"),
    ("irena.stasiak@example.org", "Irena Stasiak", "koalicja-zarnow", "coordinator", "library"),
    ("mateusz.kubiak@example.org", "Mateusz Kubiak", "koalicja-zarnow", "member", "resident"),
    ("wiktoria.sikora@example.org", "Wiktoria Sikora", "koalicja-zarnow", "member", "ngo"),
    ("beata.pietrzyk@example.org", "Beata Pietrzyk", "koalicja-ozimek", "coordinator", "library"),
    ("henryk.mols@example.org", "Henryk Mols", "koalicja-ozimek", "member", "local_government"),
    ("sylwia.kurek@example.org", "Sylwia Kurek", "koalicja-ozimek", "member", "ngo"),
    ("renata.krol@example.org", "Renata Król", "partnerstwo-baligrod", "coordinator", "library"),
    ("adam.hnatyszyn@example.org", "Adam Hnatyszyn", "partnerstwo-baligrod", "member",
     "business"),
    ("joanna.bury@example.org", "Joanna Bury", "partnerstwo-baligrod", "member",
     "education_culture"),
    ("zofia.gorecka@example.org", "Zofia Górecka", "koalicja-bodzentyn", "coordinator",
     "library"),
    ("stanislaw.wrona@example.org", "Stanisław Wrona", "koalicja-bodzentyn", "member",
     "resident"),
    ("natalia.bak@example.org", "Natalia Bąk", "koalicja-bodzentyn", "member",
     "education_culture"),
    ("jolanta.rydzewska@example.org", "Jolanta Rydzewska", "koalicja-rozogi", "coordinator",
     "library"),
    ("krzysztof.olszewski@example.org", "Krzysztof Olszewski", "koalicja-rozogi", "member",
     "local_government"),
    ("aneta.dudek@example.org", "Aneta Dudek", "partnerstwo-krzykosy", "coordinator", "library"),
    ("pawel.nowak@example.org", "Paweł Nowak", "partnerstwo-krzykosy", "member", "ngo"),
    ("dorota.wilk@example.org", "Dorota Wilk", "partnerstwo-krzykosy", "member", "business"),
    ("elzbieta.marek@example.org", "Elżbieta Marek", "koalicja-swieradow", "coordinator",
     "library"),
    ("jakub.szymczak@example.org", "Jakub Szymczak", "koalicja-swieradow", "member",
     "education_culture"),
    ("magdalena.ostrowska@example.org", "Magdalena Ostrowska", "koalicja-kolbaskowo",
     "coordinator", "library"),
    ("tomasz.wojcik@example.org", "Tomasz Wójcik", "koalicja-kolbaskowo", "member", "resident"),
    ("karolina.baran@example.org", "Karolina Baran", "koalicja-kolbaskowo", "member",
     "local_government"),
]
COALITION_ASSIGNMENTS = [
    ("trener@example.org", "koalicja-czarna-dabrowka"),
    ("trener@example.org", "koalicja-bodzentyn"),
]


def load_coalitions() -> None:
    """Members for the directory's coalitions (accounts with the demo password)."""
    users = {}
    for email, name, _slug, _role, _sector in COALITION_MEMBERS:
        if email not in users:
            users[email] = User.by_email(email) or accounts.create_user(
                email, name, DEMO_PASSWORD
            )
    coalitions = {c.slug: c for c in Coalition.select().where(
        Coalition.slug.in_([data["slug"] for data in COALITIONS]))}
    with write_transaction():
        for email, _name, slug, role, sector in COALITION_MEMBERS:
            Membership.get_or_create(
                user=users[email], coalition=coalitions[slug],
                defaults={"role": role, "sector": sector},
            )
        for email, slug in COALITION_ASSIGNMENTS:
            trainer = User.by_email(email)
            if trainer is not None:
                TrainerAssignment.get_or_create(trainer=trainer, coalition=coalitions[slug])


# --- learning path -------------------------------------------------------------------------


def load_learning(config: dict[str, Any] | None = None) -> None:
    """Generate the demo recording, captions, transcript and documents; start a learner off.

    Barbara (the librarian) has read the opening module and stopped the film a few seconds
    in, so the home page offers "continue where you left off" and the player resumes.
    """
    from koalicje.learning import progress
    from koalicje.ops import demo_media
    from models import Module, ModuleProgress, WatchState

    upload_dir = (config or {}).get("UPLOAD_DIR")
    if upload_dir:
        demo_media.generate(upload_dir)
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
                user=learner, module=film, source=demo_media.RECORDING,
                duration=float(demo_media.SECONDS), intervals=[[0.0, 4.0]],
                watched_seconds=4.0, position=4.0, session="demo", seq=1,
            )


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
    from koalicje import quizzes, self_assessment
    from koalicje.config import ROOT
    from koalicje.content import quiz_files
    from models import Instrument, Quiz, QuizAttempt, SelfAssessment

    if not Instrument.select().exists() or not Quiz.select().exists():
        quiz_files.sync_own((config or {}).get("CONTENT_DIR") or ROOT / "content")
    instrument = Instrument.get_or_none(Instrument.slug == self_assessment.DEFAULT_INSTRUMENT)
    coalition = Coalition.get_or_none(Coalition.slug == "koalicja-zalesie")
    if instrument is None or coalition is None:
        return
    definition = self_assessment.current_version(instrument).definition
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
        draft = self_assessment.start(user, instrument, coalition)
        self_assessment.save_answers(draft, answers, self_assessment.default_sector(user, coalition))
        self_assessment.submit(draft)
    learner = User.by_email("bibliotekarka@example.org")
    quiz = Quiz.get_or_none(Quiz.slug == "czym-jest-partnerstwo")
    if learner and quiz and not QuizAttempt.select().where(
        (QuizAttempt.user == learner) & (QuizAttempt.quiz == quiz)
    ).exists():
        version = quizzes.current_version(quiz)
        right = {
            q["id"]: [o["id"] for o in q["options"] if o["correct"]]
            for q in version.definition["questions"]
        }
        quizzes.record_attempt(learner, quiz, version, right)


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
     "Przed spotkaniem: moduł o współpracy z samorządem",
     "Nagrania webinarium nie ma jeszcze na platformie, ale moduł ma przewodnik i pytania "
     "o naszą gminę. Przeczytajcie go przed spotkaniem — zadanie z jedną stroną dla wójta "
     "zrobimy razem.", {"pinned": True}),
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

    from koalicje.board import posts
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
        post = posts.create_post(
            User.by_email(email), coalition, title=title, body=body, category=category,
            event_at=event_at, event_place=options.get("place", ""),
        )
        if options.get("pinned"):
            posts.set_pinned(post, True)
        if options.get("must_read"):
            posts.set_must_read(post, True)
        existing[title] = post
    for title, email, body in BOARD_COMMENTS:
        post = existing[title]
        author = User.by_email(email)
        if not Comment.select().where(
            (Comment.post == post) & (Comment.author == author) & (Comment.body_source == body)
        ).exists():
            posts.add_comment(author, post, body)

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

    from koalicje.web.markdown import render_markdown
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
            notes = ("Spotkanie w bibliotece z dyrektorką szkoły, sołtysem i kołem gospodyń. "
                     "Najczęściej wracał temat braku zajęć dla młodzieży po lekcjach.")
            visit = Visit.create(
                coalition=coalition, trainer=trainer, date=today - timedelta(days=21),
                purpose="local_need", notes=notes, notes_html=render_markdown(notes),
            )
            koordynator = User.by_email("koordynator@example.org")
            NextStep.create(visit=visit, description="Krótka ankieta wśród uczniów klas 6–8",
                            owner_user=koordynator, due_date=today - timedelta(days=4))
            NextStep.create(visit=visit, description="Rozmowa z wójtem o sali w remizie",
                            owner_name="sołtys Zalesia", due_date=today + timedelta(days=10))
            NextStep.create(visit=visit, description="Lista partnerów z kontaktami",
                            owner_user=koordynator, due_date=today - timedelta(days=14),
                            done=True, done_at=now - timedelta(days=15), done_by=koordynator)
            notes = "Mapa zasobów: kto w gminie co może wnieść do partnerstwa."
            Visit.create(coalition=coalition, trainer=trainer, date=today - timedelta(days=70),
                         purpose="partner_potential", notes=notes,
                         notes_html=render_markdown(notes))


def _demo_attempts(user, module, status, days_ago, retry, now) -> None:
    """A passing attempt for a completed module (after a failed one when `retry`)."""
    from datetime import timedelta

    from koalicje.stats import question_texts
    from models import Quiz, QuizAttempt, QuizVersion

    quiz = Quiz.get_active(module.quiz_slug)
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
