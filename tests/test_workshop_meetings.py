"""The partnership research meeting: checklist, board event, participants by sector, needs by
theme, dot voting (limits, closing, concurrency on both engines)."""

from __future__ import annotations

import threading

import pytest
from conftest import add_member, make_coalition, make_user, soup

from koalicje.board import feeds, posts
from koalicje.workshop import Invalid, meetings
from models import Meeting, MeetingParticipant, NeedVote, Post, db


@pytest.fixture
def world(database):
    coalition = make_coalition(slug="zalesie", name="Koalicja dla Zalesia")
    coordinator = make_user(name="Koordynatorka")
    member = make_user(name="Członkini")
    add_member(coordinator, coalition, "coordinator", "library")
    add_member(member, coalition, "member", "ngo")
    meeting = meetings.create_meeting(coalition, meetings.clean_meeting(
        {"title": "Spotkanie badawcze", "place": "Biblioteka", "starts_at": "2026-03-12T17:00",
         "votes_per_person": "2"}), coordinator)
    needs = [meetings.add_need(meeting, {"theme": theme, "text": text, "sector": sector},
                               member)
             for theme, text, sector in [("Młodzież", "Brak miejsca spotkań", "resident"),
                                         ("młodzież", "Nuda po lekcjach", None),
                                         ("Seniorzy", "Samotność", "ngo")]]
    db.close()
    return {"coalition": coalition, "coordinator": coordinator, "member": member,
            "meeting": meeting, "needs": needs}


def _url(world, tail=""):
    return f"/coalitions/zalesie/workshop/meetings/{world['meeting'].id}{tail}"


# --- planning and the board event ---------------------------------------------------------------


def test_meeting_gets_scenario_checklist_and_board_event(world):
    db.connect(reuse_if_open=True)
    meeting = Meeting.get_by_id(world["meeting"].id)
    assert [step for step, _items in meetings.checklist_by_step(meeting)] == [
        "preparation", "invitations", "agenda", "questions", "after"]
    post = Post.get_by_id(meeting.post_id)
    assert post.category == "event" and post.coalition_id == world["coalition"].id
    assert post.event_place == "Biblioteka" and post.event_at.hour == 17


def test_changing_date_moves_the_event_and_its_ics(client, auth, world):
    auth.as_user(world["coordinator"])
    response = client.post(_url(world, "/edit"), data={
        "title": "Spotkanie badawcze", "place": "Remiza OSP", "starts_at": "2026-03-19T18:30",
        "votes_per_person": "2", "csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert Post.select().where(Post.category == "event").count() == 1
    post = Post.get_by_id(Meeting.get_by_id(world["meeting"].id).post_id)
    assert post.event_place == "Remiza OSP" and post.event_at.day == 19
    db.connect(reuse_if_open=True)
    ics = feeds.icalendar(posts.feed_events(world["coalition"]), name="Zalesie",
                          domain="example.org", post_url=lambda p: f"/board/post/{p.id}")
    assert b"LOCATION:Remiza OSP" in ics and b"DTSTART" in ics


def test_bad_meeting_input_is_refused(database):
    with pytest.raises(Invalid) as refused:
        meetings.clean_meeting({"title": "", "starts_at": "jutro", "votes_per_person": "99"})
    assert set(refused.value.errors) == {"title", "starts_at", "votes_per_person"}


def test_coordinator_adapts_checklist(client, auth, world):
    auth.as_user(world["coordinator"])
    count = len(world["meeting"].checklist)
    response = client.post(_url(world, "/checklist"), data={
        **{f"item_{i}": item["text"] for i, item in enumerate(world["meeting"].checklist)},
        **{f"step_{i}": item["step"] for i, item in enumerate(world["meeting"].checklist)},
        "done_0": "1", "remove_1": "1", "new_text": "Zamówić kawę", "new_step": "preparation",
        "csrf_token": auth.csrf()})
    assert response.status_code == 303
    checklist = Meeting.get_by_id(world["meeting"].id).checklist
    assert len(checklist) == count  # one removed, one added
    assert checklist[0]["done"] is True
    assert checklist[1]["text"] == "Zamówić kawę" and checklist[1]["step"] == "preparation"


# --- participants ---------------------------------------------------------------------------


def test_participants_by_sector_warn_about_missing_sectors(client, auth, world):
    auth.as_user(world["member"])
    for name, sector, present in [("Wójt", "local_government", "1"),
                                  ("Dyrektorka szkoły", "education_culture", "")]:
        data = {"name": name, "sector": sector, "csrf_token": auth.csrf()}
        if present:
            data["present"] = present
        assert client.post(_url(world, "/participants"), data=data).status_code == 303
    page = soup(client.get(_url(world)))
    assert len(page.select("#participant-sector option")) == 6
    assert len(page.select("#need-sector option")) == 7  # "not given" first
    invited = page.select_one("#missing-invited").get_text(" ", strip=True)
    assert "Biznes" in invited and "Urząd gminy" not in invited
    present = page.select_one("#missing-present").get_text(" ", strip=True)
    assert "Oświata i kultura" in present and "Urząd gminy" not in present


def test_marking_presence_holds_the_meeting_and_other_meetings_participants_are_404(
        client, auth, world):
    db.connect(reuse_if_open=True)
    here = meetings.add_participant(world["meeting"], {"name": "Sołtys", "sector": "resident"})
    other_meeting = meetings.create_meeting(world["coalition"], meetings.clean_meeting(
        {"title": "Drugie spotkanie", "place": "Szkoła", "starts_at": "2026-04-02T17:00",
         "votes_per_person": "2"}), world["coordinator"])
    elsewhere = meetings.add_participant(other_meeting, {"name": "Radna", "sector": "ngo"})
    db.close()
    auth.as_user(world["member"])
    url = _url(world, f"/participants/{here.id}")
    assert client.post(url, data={"present": "1", "csrf_token": auth.csrf()}).status_code == 303
    db.connect(reuse_if_open=True)
    assert MeetingParticipant.get_by_id(here.id).present
    assert Meeting.get_by_id(world["meeting"].id).held
    db.close()
    wrong = _url(world, f"/participants/{elsewhere.id}")
    assert client.post(wrong, data={"present": "1", "csrf_token": auth.csrf()}).status_code == 404
    assert client.post(_url(world, "/participants/999999"),
                       data={"present": "1", "csrf_token": auth.csrf()}).status_code == 404
    db.connect(reuse_if_open=True)
    assert not MeetingParticipant.get_by_id(elsewhere.id).present


# --- needs and voting -----------------------------------------------------------------------


def test_needs_grouped_by_theme_ignoring_case(world):
    db.connect(reuse_if_open=True)
    ballot = meetings.ballot(world["meeting"], world["member"])
    assert [(theme, len(rows)) for theme, rows in ballot.themes] == [("Młodzież", 2),
                                                                       ("Seniorzy", 1)]


def test_votes_are_limited_and_idempotent(world):
    db.connect(reuse_if_open=True)
    meeting, member, needs = world["meeting"], world["member"], world["needs"]
    assert meetings.set_vote(meeting, needs[0], member, True)
    assert meetings.set_vote(meeting, needs[0], member, True)  # again: still one dot
    assert meetings.set_vote(meeting, needs[1], member, True)
    with pytest.raises(meetings.VoteRefused):
        meetings.set_vote(meeting, needs[2], member, True)  # only two dots
    assert not meetings.set_vote(meeting, needs[0], member, False)
    assert meetings.set_vote(meeting, needs[2], member, True)  # the dot moved
    assert NeedVote.select().count() == 2


def test_vote_without_javascript_and_with_htmx(client, htmx, auth, world):
    auth.as_user(world["member"])
    need = world["needs"][2]
    response = client.post(_url(world, f"/needs/{need.id}/vote"),
                           data={"vote": "1", "csrf_token": auth.csrf()})
    assert response.status_code == 303 and response.location.endswith(f"#need-{need.id}")
    response = htmx.post(_url(world, f"/needs/{need.id}/vote"),
                         data={"vote": "0", "csrf_token": auth.csrf()})
    fragment = soup(response)
    assert response.status_code == 200 and fragment.select_one("html") is None
    assert fragment.select_one(f"#need-{need.id} .need-votes").get_text(strip=True) == "● 0"
    assert "2" in fragment.select_one("#votes-left").get_text()


def test_closed_vote_refuses_votes(client, auth, world):
    auth.as_user(world["coordinator"])
    assert client.post(_url(world, "/close-vote"),
                       data={"csrf_token": auth.csrf()}).status_code == 303
    auth.logout()
    auth.as_user(world["member"])
    response = client.post(_url(world, f"/needs/{world['needs'][0].id}/vote"),
                           data={"vote": "1", "csrf_token": auth.csrf()})
    assert response.status_code == 409
    page = soup(response)
    assert page.select_one("#vote-error").get_text(strip=True) == "Głosowanie jest zamknięte."
    assert page.select_one(".need-list form") is None
    assert NeedVote.select().count() == 0
    db.connect(reuse_if_open=True)
    with pytest.raises(meetings.VoteRefused):
        meetings.set_vote(world["meeting"], world["needs"][0], world["member"], True)
    assert Meeting.get_by_id(world["meeting"].id).held


def _race(work, count):
    barrier = threading.Barrier(count)
    errors = []

    def run(i):
        db.connect(reuse_if_open=True)
        try:
            barrier.wait()
            work(i)
        except meetings.VoteRefused:
            pass
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            db.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_concurrent_votes_count_once_and_respect_the_limit(world):
    """Runs on SQLite and, with KOALICJE_TEST_DATABASE_URL, on PostgreSQL."""
    meeting, needs = world["meeting"], world["needs"]
    db.connect(reuse_if_open=True)
    voters = [make_user(name=f"Głosujący {i}") for i in range(6)]
    for voter in voters:
        add_member(voter, world["coalition"], "member", "resident")
    db.close()
    # the same dot from eight parallel requests of one person: one vote
    _race(lambda i: meetings.set_vote(meeting, needs[0], voters[0], True), 8)
    # one person tries all three needs at once with two dots: exactly two votes
    _race(lambda i: meetings.set_vote(meeting, needs[i % 3], voters[1], True), 6)
    # four people vote on the same need at once: four votes, none lost
    _race(lambda i: meetings.set_vote(meeting, needs[2], voters[2 + i], True), 4)
    db.connect(reuse_if_open=True)
    assert meetings.votes_used(meeting, voters[0]) == 1
    assert meetings.votes_used(meeting, voters[1]) == 2
    assert NeedVote.select().where(NeedVote.user.in_(voters[2:])).count() == 4
    assert NeedVote.select().count() == 1 + 2 + 4


def test_bad_need_and_participant_answer_422_with_messages(htmx, auth, world):
    auth.as_user(world["member"])
    response = htmx.post(_url(world, "/needs"), data={"theme": "", "text": "x" * 501,
                                                      "sector": "martians",
                                                      "csrf_token": auth.csrf()})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#theme-error") and page.select_one("#text-error")
    assert page.select_one("#need-text")["value"] == "x" * 501  # kept for correcting
    response = htmx.post(_url(world, "/participants"), data={"name": "Ktoś", "sector": "",
                                                             "csrf_token": auth.csrf()})
    assert response.status_code == 422
    assert soup(response).select_one("#participant-name")["value"] == "Ktoś"
