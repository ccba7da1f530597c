"""Permission cases for the workshop: members contribute, coordinators decide and close votes,
assigned trainers read and comment, everyone else (other coalitions, other trainers) gets 404.
"""

from conftest import make_user

from access import PERSONAS, Case
from koalicje.workshop import meetings, partners, plan

# Signed in but outside the coalition: the workshop does not exist for them.
HIDDEN = dict(user=404, other_trainer=404)
READERS = dict(**HIDDEN, member=200, trainer=200, coordinator=200, admin=200)


def setup(world) -> None:
    coalition, member = world.coalition, world.member
    world.extra["entry"] = partners.save_partner(coalition, partners.clean_partner(
        {"name": "Ośrodek Kultury", "sector": "education_culture", "status": "potential"}, []),
        member)
    # One invitable entry per persona, each with its own address.
    world.extra["invitable"] = [
        partners.save_partner(coalition, partners.clean_partner(
            {"name": f"Partner {i}", "sector": "business", "status": "potential",
             "email": f"partner{i}@example.org"}, []), member)
        for i in range(len(PERSONAS))
    ]
    meeting = meetings.create_meeting(coalition, meetings.clean_meeting(
        {"title": "Spotkanie badawcze", "place": "Biblioteka"}), world.coordinator)
    world.extra["meeting"] = meeting
    world.extra["participant"] = meetings.add_participant(
        meeting, {"name": "Sołtyska", "sector": "resident", "present": False})
    world.extra["need"] = meetings.add_need(
        meeting, {"theme": "Młodzież", "text": "Brak miejsca spotkań", "sector": None}, member)
    world.extra["voter"] = make_user(name="Wyborca")
    plan.choose_directions(coalition, [world.extra["need"].id], world.coordinator)
    world.extra["priority"] = plan.directions(coalition)[0].priority
    world.extra["action"] = plan.add_action(plan.clean_action(
        coalition, {"title": "Klub młodzieżowy", "priority": str(world.extra["priority"].id)}))


def _w(w) -> str:
    return f"/coalitions/{w.coalition.slug}/workshop"


def _m(w) -> str:
    return f"{_w(w)}/meetings/{w.extra['meeting'].id}"


CONTRIBUTORS = dict(**HIDDEN, member=303, trainer=403, coordinator=303, admin=303)
DECIDERS = dict(**HIDDEN, member=403, trainer=403, coordinator=303, admin=303)

CASES = [
    Case("workshop.index", "GET", lambda w: f"{_w(w)}/", anonymous=302, **READERS),
    # partners' map
    Case("workshop.partners", "GET", lambda w: f"{_w(w)}/partners", anonymous=302, **READERS),
    Case("workshop.add_partner", "POST", lambda w: f"{_w(w)}/partners",
         data=lambda w: {"name": "Sklep", "sector": "business", "status": "potential"},
         anonymous=302, **CONTRIBUTORS),
    Case("workshop.edit_partner", "GET",
         lambda w: f"{_w(w)}/partners/{w.extra['entry'].id}/edit",
         anonymous=302, **HIDDEN, member=200, trainer=403, coordinator=200, admin=200),
    Case("workshop.edit_partner", "POST",
         lambda w: f"{_w(w)}/partners/{w.extra['entry'].id}/edit",
         data=lambda w: {"name": "Gminny Ośrodek Kultury", "sector": "education_culture",
                         "status": "approached"},
         anonymous=302, **CONTRIBUTORS),
    Case("workshop.invite_partner", "POST",
         lambda w: f"{_w(w)}/partners/{w.extra['invitable'].pop().id}/invite",
         anonymous=302, **HIDDEN, member=403, trainer=403, coordinator=200, admin=200),
    Case("workshop.export_partners", "GET", lambda w: f"{_w(w)}/partners/export.csv",
         anonymous=302, **READERS),
    # research meetings
    Case("workshop.meetings", "GET", lambda w: f"{_w(w)}/meetings", anonymous=302, **READERS),
    Case("workshop.create_meeting", "POST", lambda w: f"{_w(w)}/meetings",
         data=lambda w: {"title": "Drugie spotkanie", "votes_per_person": "3"},
         anonymous=302, **DECIDERS),
    Case("workshop.meeting", "GET", _m, anonymous=302, **READERS),
    Case("workshop.edit_meeting", "GET", lambda w: f"{_m(w)}/edit",
         anonymous=302, **HIDDEN, member=403, trainer=403, coordinator=200, admin=200),
    Case("workshop.edit_meeting", "POST", lambda w: f"{_m(w)}/edit",
         data=lambda w: {"title": "Spotkanie badawcze", "place": "Sala OSP",
                         "starts_at": "2026-03-12T17:00", "votes_per_person": "3"},
         anonymous=302, **DECIDERS),
    Case("workshop.update_checklist", "POST", lambda w: f"{_m(w)}/checklist",
         data=lambda w: {"new_text": "Kupić kawę", "new_step": "preparation"},
         anonymous=302, **DECIDERS),
    Case("workshop.add_participant", "POST", lambda w: f"{_m(w)}/participants",
         data=lambda w: {"name": "Radny", "sector": "local_government"},
         anonymous=302, **CONTRIBUTORS),
    Case("workshop.update_participant", "POST",
         lambda w: f"{_m(w)}/participants/{w.extra['participant'].id}",
         data=lambda w: {"present": "1"}, anonymous=302, **CONTRIBUTORS),
    Case("workshop.add_need", "POST", lambda w: f"{_m(w)}/needs",
         data=lambda w: {"theme": "Seniorzy", "text": "Samotność"},
         anonymous=302, **CONTRIBUTORS),
    # only the coalition's members hold votes (admins and trainers do not vote)
    Case("workshop.vote", "POST", lambda w: f"{_m(w)}/needs/{w.extra['need'].id}/vote",
         data=lambda w: {"vote": "1"},
         anonymous=302, **HIDDEN, member=303, trainer=403, coordinator=303, admin=403),
    Case("workshop.close_vote", "POST", lambda w: f"{_m(w)}/close-vote",
         anonymous=302, **DECIDERS),
    Case("workshop.comment", "POST", lambda w: f"{_m(w)}/comments",
         data=lambda w: {"body": "Dobra robota"},
         anonymous=302, **HIDDEN, member=303, trainer=303, coordinator=303, admin=303),
    # priorities and the plan
    Case("workshop.plan", "GET", lambda w: f"{_w(w)}/plan", anonymous=302, **READERS),
    Case("workshop.choose_directions", "POST", lambda w: f"{_w(w)}/plan/directions",
         data=lambda w: {"needs": str(w.extra["need"].id)}, anonymous=302, **DECIDERS),
    Case("workshop.add_action", "POST", lambda w: f"{_w(w)}/plan/actions",
         data=lambda w: {"title": "Festyn", "priority": str(w.extra["priority"].id)},
         anonymous=302, **CONTRIBUTORS),
    Case("workshop.update_action", "POST",
         lambda w: f"{_w(w)}/plan/actions/{w.extra['action'].id}",
         data=lambda w: {"status": "in_progress"}, anonymous=302, **CONTRIBUTORS),
    Case("workshop.comment_plan", "POST", lambda w: f"{_w(w)}/plan/comments",
         data=lambda w: {"body": "Warto dopisać termin"},
         anonymous=302, **HIDDEN, member=303, trainer=303, coordinator=303, admin=303),
    Case("workshop.export_plan", "GET", lambda w: f"{_w(w)}/plan/export.xlsx",
         anonymous=302, **READERS),
]
