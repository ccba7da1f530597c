"""The curriculum's facts, checked against the programme page (shared/seed/).

A trainer publishing the path must be able to trust dates, names, roles and numbers. Each
module's facts are listed here once; a wrong edit of a module file turns this red. Also
guarded: things the source does not say (webinar topics, who funds the library, a project
name in a bio) must not come back as facts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from koalicje.content import module_files, quiz_files

ROOT = Path(__file__).resolve().parent.parent
MODULES = {d.slug: d for d in module_files.load_modules(ROOT / "content")}

WEBINARS = {
    # slug: (date, presenters, host)
    "webinarium-program-wsparcia": (
        "2014-02-07",
        ["Ewa Chromniak", "Aleksandra Kaliszewska", "Magdalena Krasowska-Igras"],
        "Dorota Kostowska",
    ),
    "webinarium-biblioteka-i-samorzad": (
        "2014-02-13", ["Anna Miodyńska", "Magdalena Krasowska-Igras"], "Dorota Kostowska",
    ),
    "webinarium-ngo-i-biznes": (
        "2014-02-19", ["Katarzyna Sekutowicz"], "Magdalena Krasowska-Igras",
    ),
    "webinarium-rozwijamy-wspolprace": (
        "2014-02-25", ["Katarzyna Braun"], "Magdalena Krasowska-Igras",
    ),
}


def text_of(slug: str, lang: str = "pl") -> str:
    """Everything a learner reads in the module: body, summary and people."""
    d = MODULES[slug]
    parts = [d.title[lang], d.summary[lang], d.body if lang == "pl" else d.meta.get("body_en", "")]
    for person in d.meta.get("presenters", []) + [d.meta.get("host") or {}]:
        parts += [person.get("name", ""), (person.get("role") or {}).get(lang, ""),
                  (person.get("bio") or {}).get(lang, "")]
    return "\n".join(parts)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("slug", sorted(WEBINARS))
def test_webinar_dates_presenters_and_host(slug):
    date, presenters, host = WEBINARS[slug]
    d = MODULES[slug]
    assert d.kind == "webinar"
    assert d.meta["date"] == date
    assert [p["name"] for p in d.meta["presenters"]] == presenters
    assert d.meta["host"]["name"] == host


def test_roles_are_the_programme_pages_roles():
    support = MODULES["webinarium-program-wsparcia"].meta
    kaliszewska = support["presenters"][1]
    assert "koordynatorka projektu" in kaliszewska["role"]["pl"]
    assert "Centrum Wspierania Aktywności Lokalnej CAL" in kaliszewska["role"]["pl"]
    # The source names no project of hers: the bio must not invent one.
    assert "partnerstw bibliotek" not in kaliszewska["bio"]["pl"]
    for slug in ("webinarium-program-wsparcia", "webinarium-biblioteka-i-samorzad"):
        host = MODULES[slug].meta["host"]
        assert host["role"]["pl"] == "główna specjalistka ds. szkoleń, FRSI"
        assert "Główna specjalistka ds. szkoleń" in host["bio"]["pl"]
        assert "chief training specialist" in host["bio"]["en"].lower()
    for d in MODULES.values():
        for person in d.meta.get("presenters", []) + [d.meta.get("host") or {}]:
            if person.get("name") == "Magdalena Krasowska-Igras":
                assert "specjalistka ds. programów grantowych i partnerstw lokalnych" in (
                    person["role"]["pl"])
    sekutowicz = MODULES["webinarium-ngo-i-biznes"].meta["presenters"][0]
    assert "BORIS" in sekutowicz["role"]["pl"]
    # A supervisor *in* the STOP association, not its head.
    assert "supervises the STOP" not in sekutowicz["bio"]["en"]
    assert "supervisor in the STOP Trainers' Association" in sekutowicz["bio"]["en"]
    braun = MODULES["webinarium-rozwijamy-wspolprace"].meta["presenters"][0]
    assert "Instytut Pedagogiki KUL" in braun["role"]["pl"]
    assert "Volunteer Centre Association in Lublin" in braun["role"]["en"]
    miodynska = MODULES["webinarium-biblioteka-i-samorzad"].meta["presenters"][0]
    assert "Małopolski Instytut Kultury" in miodynska["role"]["pl"]


def test_film_facts():
    film = MODULES["film-spotkanie-badawcze"]
    assert film.duration_seconds == 16 * 60
    assert [p["name"] for p in film.meta["presenters"]] == ["Ewa Chromniak"]
    assert "Prawdziwy film trwa 16 minut" in flat(film.body)
    assert "The real film lasts 16 minutes" in flat(film.meta["body_en"])


def test_every_module_has_an_english_text():
    for d in MODULES.values():
        assert d.meta.get("body_en"), d.slug


def test_module_one_facts():
    text = flat(text_of("czym-jest-partnerstwo"))
    assert "Biblioteki Wiodące z I i II rundy oraz wszystkie biblioteki z III rundy" in text
    assert "W I rundzie (2010–2011)" in text and "„Gminnymi Koalicjami”" in text
    # "którzy ... żadne z nich" mixed two grammatical genders in one sentence.
    assert "żadne z nich" not in text
    english = flat(MODULES["czym-jest-partnerstwo"].meta["body_en"])
    assert "Lead Libraries of rounds I and II and all the libraries of round III" in english
    assert "round I (2010–2011)" in english


def test_module_two_facts():
    text = flat(text_of("wsparcie-dla-partnerstw"))
    assert "142 Bibliotekach Wiodących" in text
    assert "450 koalicji" in text
    assert "„Aktywna Biblioteka”" in text
    assert "Akademia Rozwoju Filantropii w Polsce (w I rundzie programu)" in text
    assert "Dwie wizyty animatora z CAL" in text and "Dwudniowe wizyty studyjne" in text
    # The closing seminar: two people from each *partnership*, one of them the librarian.
    assert "Każde partnerstwo wysyłało na nie dwie osoby" in text
    assert "bibliotekarz lub bibliotekarka" in text
    assert "pieniądze na lokalne przedsięwzięcie biblioteki mogły" not in text
    english = flat(MODULES["wsparcie-dla-partnerstw"].meta["body_en"])
    for fact in ("142 Lead Libraries", "450 coalitions", "Each partnership sent two people",
                 "Academy for the Development of Philanthropy in Poland (in round I",
                 '"Aktywna Biblioteka" grant competition'):
        assert fact in english


UNSUPPORTED_AS_FACT = [
    # Topics and claims the programme page does not give for these webinars.
    ("webinarium-biblioteka-i-samorzad", "głównym źródłem finansowania"),
    ("webinarium-biblioteka-i-samorzad", "## Tematy"),
    ("webinarium-ngo-i-biznes", "wspólny wniosek o grant"),
    ("webinarium-ngo-i-biznes", "co skłania lokalnego przedsiębiorcę"),
]


@pytest.mark.parametrize("slug, phrase", UNSUPPORTED_AS_FACT)
def test_unsupported_topics_are_not_presented_as_facts(slug, phrase):
    assert phrase not in text_of(slug)


def test_the_funder_question_is_asked_not_answered():
    text = flat(text_of("webinarium-biblioteka-i-samorzad"))
    assert "Kto finansuje Twoją bibliotekę" in text


def test_webinar_topics_named_by_the_source():
    ngo = flat(text_of("webinarium-ngo-i-biznes"))
    assert "możliwościach, formach, dobrych praktykach, potrzebach i wyzwaniach" in ngo
    develop = flat(text_of("webinarium-rozwijamy-wspolprace"))
    for topic in ("Społeczność przyjaciół biblioteki", "Stowarzyszenie przy bibliotece",
                  "Strategiczne kierunki rozwoju współpracy"):
        assert topic in develop


@pytest.mark.parametrize("slug", sorted(WEBINARS))
def test_webinar_modules_have_a_study_guide_questions_and_a_task_in_both_languages(slug):
    d = MODULES[slug]
    headings = re.findall(r"^## (.+)$", d.body, re.MULTILINE)
    assert headings[0].startswith("Przewodnik")
    assert "Pytania do Twojej gminy" in headings and "Zadanie praktyczne" in headings
    english = re.findall(r"^## (.+)$", d.meta["body_en"], re.MULTILINE)
    assert english[0].startswith("Guide")
    assert "Questions about your gmina" in english and "Practical task" in english
    # The body reads the same with or without a recording: it never claims either.
    assert "oznacz moduł jako obejrzany" not in d.body.lower()
    assert "nie jest streszczeniem nagrania" in flat(d.body).lower()
    # Reading the guide and taking the quiz, not an hour of video that is not there.
    assert d.estimated_minutes <= 30
    assert len(d.body.split()) >= 300


def test_one_term_for_one_thing():
    everything = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("content/modules", "content/quizzes")
        for path in sorted((ROOT / folder).iterdir())
    )
    assert "biblioteki wiodące" not in everything and "bibliotek wiodących" not in everything
    assert "Leading Librar" not in everything
    assert "Volunteering Centre" not in everything
    assert "Pracowniczką" not in everything


def test_quiz_list_does_not_claim_every_module_has_a_quiz():
    assert MODULES["materialy-do-pobrania"].quiz_slug is None
    page = (ROOT / "templates/quizzes/index.html").read_text(encoding="utf-8")
    assert "Każdy moduł ścieżki kończy krótki quiz" not in page


def test_every_quiz_belongs_to_a_module_that_names_it():
    for path in sorted((ROOT / "content/quizzes").glob("*.yaml")):
        data = quiz_files.read_yaml(path)
        assert MODULES[data["module"]].quiz_slug == data["slug"]


# --- every quiz question is answerable from its module's text ------------------------------

# quiz slug -> question id -> phrases of the correct answer that the module states
# (compared without case, Markdown emphasis or line breaks). A new question needs a line.
ANSWERED_IN_MODULE = {
    "czym-jest-partnerstwo": {
        "definicja": ["stała współpraca instytucji, organizacji i mieszkańców",
                      "nastawioną na wspólne cele i przekazywanie wiedzy"],
        "nazwa": ["„gminnymi koalicjami”"],
        "tylko-biblioteka": ["cele samych koalicji zawsze sięgały dalej"],
        "cele": ["pobudzenie aktywności mieszkańców", "przyciągnięcie młodzieży do kultury",
                 "zbliżenie do siebie pokoleń"],
        "rola-biblioteki": ["miejsce kontaktu z ludźmi", "wydarzeń społecznych i kulturalnych"],
        "korzysci": ["bardziej rozpoznawalny", "razem pozyskiwać środki na wspólne projekty",
                     "pomóc w sporze między środowiskami"],
        "zasoby": ["lepiej korzystają z tego, czym każdy z nich już dysponuje"],
    },
    "wsparcie-dla-partnerstw": {
        "animatorzy": ["kogo zaprosić do współpracy", "czym partnerstwo mogłoby się zająć",
                       "jako moderatorzy"],
        "konkurs": ["konkursie grantowym „aktywna biblioteka”"],
        "liczba-i-runda": ["w i rundzie koalicje powstały przy 142 bibliotekach wiodących"],
        "razem": ["powstało 450 koalicji"],
        "sklad": ["urzędnicy gminni", "działacze organizacji pozarządowych", "przedsiębiorcy",
                  "mieszkańcy w różnym wieku"],
        "partnerzy": ["akademia rozwoju filantropii w polsce (w i rundzie programu)"],
    },
    "webinarium-program-wsparcia": {
        "dla-kogo": ["dla partnerstw bibliotek z i i ii rundy"],
        "wizyty": ["dwie wizyty doświadczonych animatorów z cal w partnerstwie"],
        "tematy-wizyt": ["problemu, lokalnej potrzeby albo strategicznego kierunku",
                         "potencjał partnerów", "prowadzili jako warsztat"],
        "wizyty-studyjne": ["także takimi spoza programu",
                            "samorządu, biznesu i organizacji pozarządowych"],
        "seminarium": ["po dwie osoby z każdego partnerstwa", "bibliotekarz lub bibliotekarka"],
        "data": ["7 lutego 2014"],
        "osoby": ["prowadziła dorota kostowska"],
        "kaliszewska": ["koordynatorka projektu w centrum wspierania aktywności lokalnej cal",
                        "której animatorzy odwiedzali partnerstwa"],
    },
    "film-spotkanie-badawcze": {
        "cel": ["wspólnie przyglądają się swojej gminie", "czym partnerstwo powinno się zająć"],
        "zaproszeni": ["biblioteka, urząd, szkoła, organizacje, firmy i mieszkańcy"],
        "moderator": ["jako moderatorzy brali udział animatorzy"],
        "wyniki": ["czym partnerstwo powinno się zająć"],
        "scenariusz": ["ramowy scenariusz partnerskiego spotkania badawczego"],
        "film": ["ewa chromniak", "film trwa 16 minut"],
    },
    "webinarium-biblioteka-i-samorzad": {
        "temat": ["partnerskiej współpracy", "z samorządem lokalnym"],
        "prezentujaca": ["pracuje w małopolskim instytucie kultury w krakowie"],
        "role-w-programie": ["trenerką, animatorką i ewaluatorką"],
        "trwale-miejsce": ["trwałe miejsce jako ważny partner samorządu"],
        "korzysc": ["wypracowanie zasad współpracy z władzami"],
        "urzednicy": ["pracownicy urzędu gminy"],
        "czego-nie-wiemy": ["kto finansuje twoją bibliotekę",
                            "tych spraw opis webinarium nie rozstrzyga"],
        "gdzie-samorzad": ["trwałe miejsce jako ważny partner samorządu",
                           "pracownicy urzędu gminy", "przedstawicielami samorządów"],
    },
    "webinarium-ngo-i-biznes": {
        "data": ["19 lutego 2014"],
        "tematy": ["możliwościach, formach, dobrych praktykach, potrzebach i wyzwaniach"],
        "prezentujaca": ["katarzyna sekutowicz z biura obsługi ruchu inicjatyw społecznych (boris)"],
        "stop": ["tytuł superwizorki w stowarzyszeniu trenerów stop"],
        "przedsiebiorcy": ["działacze lokalnych organizacji pozarządowych i przedsiębiorcy"],
        "wymiana": ["wymiana informacji, doświadczeń, wiedzy i zasobów",
                    "każda strona coś wnosi i coś zyskuje"],
    },
    "webinarium-rozwijamy-wspolprace": {
        "tematy": ["społeczność przyjaciół biblioteki", "stowarzyszenie przy bibliotece",
                   "strategiczne kierunki rozwoju współpracy"],
        "data": ["25 lutego 2014"],
        "prezentujaca": ["instytucie pedagogiki katolickiego uniwersytetu lubelskiego",
                         "stowarzyszenia centrum wolontariatu w lublinie"],
        "rady": ["młodzieżowych rad miasta i gminnych rad seniorów"],
        "trwalosc": ["trwałe miejsce jako partner", "nie tylko na czas jednego projektu"],
        "prowadzaca": ["prowadziła magdalena krasowska-igras"],
    },
}


def module_text(slug: str) -> str:
    d = MODULES[slug]
    materials = [m["title"]["pl"] for m in d.meta.get("materials", [])]
    text = "\n".join([text_of(slug), *materials])
    return flat(text.replace("*", "")).lower()


@pytest.mark.parametrize("quiz_slug", sorted(ANSWERED_IN_MODULE))
def test_every_quiz_answer_is_stated_in_its_module(quiz_slug):
    data = quiz_files.read_yaml(ROOT / "content" / "quizzes" / f"{quiz_slug}.yaml")
    expected = ANSWERED_IN_MODULE[quiz_slug]
    assert {q["id"] for q in data["questions"]} == set(expected), "a question without a source"
    text = module_text(data["module"])
    for question in data["questions"]:
        for phrase in expected[question["id"]]:
            assert phrase in text, (quiz_slug, question["id"], phrase)


def test_every_quiz_file_is_covered():
    assert {p.stem for p in (ROOT / "content/quizzes").glob("*.yaml")} == set(ANSWERED_IN_MODULE)


@pytest.mark.parametrize("quiz_slug", sorted(ANSWERED_IN_MODULE))
def test_explanations_speak_to_the_distractors(quiz_slug):
    """A choice question's explanation says more than the right answer: it is long enough
    to address why the other options are wrong (at least two sentences)."""
    data = quiz_files.read_yaml(ROOT / "content" / "quizzes" / f"{quiz_slug}.yaml")
    for question in data["questions"]:
        if question["type"] == "true_false":
            continue
        for lang in ("pl", "en"):
            sentences = [s for s in re.split(r"[.;—]\s", question["explanation"][lang]) if s]
            assert len(sentences) >= 2, (quiz_slug, question["id"], lang)
