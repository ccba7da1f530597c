"""Demo data of the coalition workshop (called by koalicje.ops.demo.load, idempotent).

Zalesie has a partners' map, a held research meeting with notes and votes, two priorities
and a plan with one overdue action; Borki is at the first step (a map just started).
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale

from koalicje.workshop import meetings, partners, plan
from models import Coalition, Meeting, Need, NeedVote, PartnerEntry, User, utcnow

ZALESIE_PARTNERS = [
    # name, sector, status, resources, contribution
    ("Urząd Gminy Zalesie", "local_government", "partner", ["money", "premises"],
     "Sala narad, wsparcie w ogłoszeniach gminy."),
    ("Szkoła Podstawowa w Zalesiu", "education_culture", "partner", ["people", "premises"],
     "Sala gimnastyczna, nauczyciele do zajęć popołudniowych."),
    ("Stowarzyszenie Aktywne Zalesie", "ngo", "partner", ["people", "know_how"],
     "Wolontariusze, doświadczenie w pisaniu wniosków."),
    ("Sklep i piekarnia „Kłos”", "business", "approached", ["money", "reach"],
     "Drobne nagrody, plakaty w sklepie."),
    ("Koło Gospodyń Wiejskich", "resident", "potential", ["people", "reach"],
     "Kontakt z seniorkami i seniorami ze wsi."),
]
ZALESIE_NEEDS = [
    # theme, text, sector, votes
    ("Młodzież", "Brak miejsca, gdzie młodzież może spędzać popołudnia", "education_culture", 3),
    ("Młodzież", "Mało zajęć poza szkołą", "resident", 1),
    ("Seniorzy", "Samotność starszych osób w małych wsiach", "ngo", 2),
    ("Komunikacja", "Mieszkańcy nie wiedzą o wydarzeniach w gminie", "local_government", 1),
]


def load() -> None:
    zalesie = Coalition.get_or_none(Coalition.slug == "koalicja-zalesie")
    borki = Coalition.get_or_none(Coalition.slug == "partnerstwo-borki")
    coordinator = User.by_email("koordynator@example.org")
    if zalesie is None or coordinator is None:
        return
    with force_locale("pl"):
        _zalesie(zalesie, coordinator)
        if borki is not None and not PartnerEntry.select().where(
                PartnerEntry.coalition == borki).exists():
            partners.save_partner(borki, {
                "name": "Gminny Ośrodek Kultury w Borkach", "sector": "education_culture",
                "status": "potential", "resources": ["premises"],
                "contribution": "Sala widowiskowa.", "email": ""}, coordinator)


def _zalesie(coalition: Coalition, coordinator: User) -> None:
    if PartnerEntry.select().where(PartnerEntry.coalition == coalition).exists():
        return  # loaded before
    entries = {}
    for name, sector, status, resources, contribution in ZALESIE_PARTNERS:
        entries[name] = partners.save_partner(coalition, {
            "name": name, "sector": sector, "status": status, "resources": resources,
            "contribution": contribution, "email": ""}, coordinator)
    held_at = (utcnow() - timedelta(days=30)).replace(hour=17, minute=0, second=0,
                                                      microsecond=0)
    meeting = meetings.create_meeting(coalition, {
        "title": "Partnerskie spotkanie badawcze w Zalesiu", "place": "Biblioteka w Zalesiu",
        "starts_at": held_at, "votes_per_person": 3}, coordinator)
    meeting.checklist = [dict(item, done=True) for item in meeting.checklist]
    meeting.save(only=[Meeting.checklist])
    for name, sector, present in [("Wójt gminy", "local_government", True),
                                  ("Dyrektorka szkoły", "education_culture", True),
                                  ("Prezes stowarzyszenia", "ngo", True),
                                  ("Bibliotekarka", "library", True),
                                  ("Właściciel piekarni", "business", False)]:
        meetings.add_participant(meeting, {"name": name, "sector": sector, "present": present})
    voters = [u for u in (User.by_email(e) for e in (
        "koordynator@example.org", "bibliotekarka@example.org", "czlonek@example.org",
        "janina.sowa@example.org", "piotr.mazur@example.org")) if u is not None]
    needs: list[Need] = []
    for theme, text, sector, votes in ZALESIE_NEEDS:
        need = meetings.add_need(meeting, {"theme": theme, "text": text, "sector": sector},
                                 coordinator)
        needs.append(need)
        for voter in voters[:votes]:
            if meetings.votes_used(meeting, voter) < meeting.votes_per_person:
                NeedVote.get_or_create(meeting=meeting, need=need, user=voter)
    meetings.close_vote(meeting, coordinator)
    plan.choose_directions(coalition, [needs[0].id, needs[2].id], coordinator)
    youth, seniors = (d.priority for d in plan.directions(coalition))
    today = utcnow().date()
    for priority, title, partner, due, status in [
        (youth, "Klub młodzieżowy w bibliotece we wtorki", "Szkoła Podstawowa w Zalesiu",
         today - timedelta(days=5), "in_progress"),  # overdue
        (youth, "Ankieta wśród uczniów: jakie zajęcia", "Szkoła Podstawowa w Zalesiu",
         today - timedelta(days=12), "done"),
        (seniors, "Spotkania przy herbacie z Kołem Gospodyń", "Stowarzyszenie Aktywne Zalesie",
         today + timedelta(days=20), "planned"),
    ]:
        plan.add_action({"priority": priority, "title": title, "partner": entries[partner],
                         "responsible": "", "due_date": due, "status": status})
