"""The workshop's demo data: Zalesie well under way, Borki at the first step; loads twice."""

from __future__ import annotations

from koalicje.ops import demo
from koalicje.workshop import meetings, plan, stages
from models import Coalition, Meeting, NeedVote, PartnerEntry, Post


def test_demo_workshop(database):
    demo.load()
    zalesie = Coalition.get(Coalition.slug == "koalicja-zalesie")
    borki = Coalition.get(Coalition.slug == "partnerstwo-borki")
    counts = (PartnerEntry.select().count(), NeedVote.select().count(), Post.select().count())
    demo.load()  # idempotent
    assert (PartnerEntry.select().count(), NeedVote.select().count(),
            Post.select().count()) == counts
    result = stages.stages_of([zalesie.id, borki.id])
    assert result[zalesie.id].reached == "plan"
    assert result[zalesie.id].meetings_held == 1 and result[zalesie.id].priorities == 2
    assert result[borki.id].reached == "partners" and result[borki.id].meetings_held == 0
    meeting = Meeting.get(Meeting.coalition == zalesie)
    assert meeting.vote_closed_at is not None and meeting.post_id is not None
    assert len(meetings.participants_of(meeting)) == 5
    ranked = meetings.ballot(meeting, meeting.created_by).ranked
    assert ranked[0].votes == 3 and sum(r.votes for r in ranked) == NeedVote.select().count()
    actions = [a for d in plan.directions(zalesie) for a in d.actions]
    assert sum(plan.is_overdue(a) for a in actions) == 1
    assert "Kierunki działania" in Coalition.get_by_id(zalesie.id).goals
