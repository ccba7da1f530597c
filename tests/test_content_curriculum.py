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


def test_module_one_facts():
    text = flat(text_of("czym-jest-partnerstwo"))
    assert "Biblioteki Wiodące z I i II rundy oraz wszystkie biblioteki z III rundy" in text
    assert "W I rundzie (2010–2011)" in text and "„Gminnymi Koalicjami”" in text
    # "którzy ... żadne z nich" mixed two grammatical genders in one sentence.
    assert "żadne z nich" not in text


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
