"""The partnership research meeting: a checklist from the framework scenario's steps, the
board event, participants by sector, needs by theme and dot voting on them.

Voting is safe under concurrency: every vote change runs in `write_transaction` (one writer
at a time on both engines) and NeedVote's unique (need, user) index counts a vote once even
if two requests race past the check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import JOIN, IntegrityError, fn

from koalicje.board import posts
from koalicje.workshop import (
    Invalid,
    required_text,
    sector_code,
    stored_text_locale,
    text,
)
from models import (
    MEETING_STEPS,
    SECTORS,
    Coalition,
    Meeting,
    MeetingParticipant,
    Need,
    NeedVote,
    User,
    WorkshopComment,
    db,
    utcnow,
    write_transaction,
)

TITLE_MAX = 200
PLACE_MAX = 200
ITEM_MAX = 300
THEME_MAX = 100
NEED_MAX = 500
COMMENT_MAX = 2_000
MAX_ITEMS = 40
MIN_VOTES, MAX_VOTES = 1, 10

# The framework scenario of a partnership research meeting, as a starting checklist the
# coordinator adapts (our wording of its steps).
DEFAULT_CHECKLIST: tuple[tuple[str, object], ...] = (
    ("preparation", _l("Ustalcie, jaką potrzebę lub problem gminy chcecie zbadać")),
    ("preparation", _l("Zarezerwujcie salę (w bibliotece lub u partnera) i zadbajcie o poczęstunek")),
    ("invitations", _l("Zaproście osoby z każdego sektora: urząd gminy, oświata i kultura, "
                       "organizacje, biznes, mieszkańcy")),
    ("invitations", _l("Przypomnijcie się zaproszonym kilka dni przed spotkaniem")),
    ("agenda", _l("Ułóżcie program: powitanie, przedstawienie się, praca w grupach, "
                  "podsumowanie")),
    ("agenda", _l("Ustalcie, kto moderuje rozmowę (może to być trener)")),
    ("questions", _l("Spiszcie pytania, na które spotkanie ma odpowiedzieć")),
    ("after", _l("Roześlijcie uczestnikom notatkę z wnioskami")),
    ("after", _l("Wybierzcie priorytety i zaplanujcie pierwsze działania")),
)


def default_checklist() -> list[dict]:
    with stored_text_locale():
        return [{"step": step, "text": str(label), "done": False}
                for step, label in DEFAULT_CHECKLIST]


def meetings_of(coalition: Coalition) -> list[Meeting]:
    return list(
        Meeting.select().where(Meeting.coalition == coalition)
        .order_by(Meeting.starts_at.desc(nulls="LAST"), Meeting.id.desc())
    )


def get_meeting(coalition: Coalition, meeting_id: int) -> Meeting | None:
    return Meeting.get_or_none((Meeting.id == meeting_id) & (Meeting.coalition == coalition))


# --- planning ---------------------------------------------------------------------------------


def clean_meeting(values: Mapping) -> dict:
    errors: dict[str, str] = {}
    title = required_text(
        values, "title", TITLE_MAX, errors, _l("Podaj nazwę spotkania."),
        _l("Nazwa może mieć najwyżej %(max)d znaków."))
    place = text(values, "place", PLACE_MAX)
    if len(place) > PLACE_MAX:
        errors["place"] = _("Miejsce może mieć najwyżej %(max)d znaków.", max=PLACE_MAX)
    starts_at = None
    raw = (values.get("starts_at") or "").strip()
    if raw:
        try:
            starts_at = datetime.fromisoformat(raw).replace(tzinfo=None, second=0,
                                                            microsecond=0)
        except ValueError:
            errors["starts_at"] = _("Podaj datę i godzinę, np. 2026-03-12 17:00.")
    votes = (values.get("votes_per_person") or "3").strip()
    if not votes.isdigit() or not MIN_VOTES <= int(votes) <= MAX_VOTES:
        errors["votes_per_person"] = _("Liczba głosów: od %(low)d do %(high)d.",
                                       low=MIN_VOTES, high=MAX_VOTES)
    if errors:
        raise Invalid(errors)
    return {"title": title, "place": place, "starts_at": starts_at,
            "votes_per_person": int(votes)}


def _event_body(meeting: Meeting) -> str:
    return _("Partnerskie spotkanie badawcze koalicji: rozmawiamy o potrzebach gminy i "
             "wybieramy, czym się zająć. Zapraszamy przedstawicieli wszystkich sektorów.")


def _sync_event(meeting: Meeting, actor: User) -> None:
    """The meeting's date and place as an event on the coalition's board (with its .ics)."""
    if meeting.starts_at is None:
        return
    post = meeting.post if meeting.post_id else None
    if post is not None and post.deleted_at is None:
        posts.edit_post(post, title=meeting.title, body=post.body_source, category="event",
                        event_at=meeting.starts_at, event_place=meeting.place)
        return
    with stored_text_locale():
        body = _event_body(meeting)
    post = posts.create_post(actor, meeting.coalition, title=meeting.title,
                             body=body, category="event",
                             event_at=meeting.starts_at, event_place=meeting.place)
    meeting.post = post
    meeting.save(only=[Meeting.post])


def create_meeting(coalition: Coalition, data: Mapping, actor: User) -> Meeting:
    with write_transaction():
        meeting = Meeting.create(coalition=coalition, created_by=actor,
                                 checklist=default_checklist(), **data)
    _sync_event(meeting, actor)
    return meeting


def update_meeting(meeting: Meeting, data: Mapping, actor: User) -> Meeting:
    with write_transaction():
        for key, value in data.items():
            setattr(meeting, key, value)
        meeting.updated_at = utcnow()
        meeting.save()
    _sync_event(meeting, actor)
    return meeting


def clean_checklist(values: Mapping, count: int) -> list[dict]:
    """The checklist form: item_<i> text, done_<i>, remove_<i>, step_<i>, then new_text and
    new_step for one more item."""
    items: list[dict] = []
    for i in range(min(count, MAX_ITEMS)):
        if values.get(f"remove_{i}"):
            continue
        item_text = text(values, f"item_{i}", ITEM_MAX)
        if not item_text:
            continue
        step = values.get(f"step_{i}")
        items.append({"step": step if step in MEETING_STEPS else "preparation",
                      "text": item_text[:ITEM_MAX], "done": bool(values.get(f"done_{i}"))})
    new_text = text(values, "new_text", ITEM_MAX)
    if len(new_text) > ITEM_MAX:
        raise Invalid({"new_text": _("Punkt może mieć najwyżej %(max)d znaków.", max=ITEM_MAX)})
    if new_text:
        if len(items) >= MAX_ITEMS:
            raise Invalid({"new_text": _("Lista może mieć najwyżej %(max)d punktów.",
                                         max=MAX_ITEMS)})
        step = values.get("new_step")
        items.append({"step": step if step in MEETING_STEPS else "preparation",
                      "text": new_text, "done": False})
    order = {step: n for n, step in enumerate(MEETING_STEPS)}
    return sorted(items, key=lambda item: order[item["step"]])  # stable within a step


def save_checklist(meeting: Meeting, items: list[dict]) -> None:
    with write_transaction():
        meeting.checklist = items
        meeting.updated_at = utcnow()
        meeting.save(only=[Meeting.checklist, Meeting.updated_at])


def checklist_by_step(meeting: Meeting) -> list[tuple[str, list[tuple[int, dict]]]]:
    """[(step, [(index, item)])] in the scenario's order, steps without items left out."""
    groups: dict[str, list[tuple[int, dict]]] = {step: [] for step in MEETING_STEPS}
    for index, item in enumerate(meeting.checklist or []):
        groups.setdefault(item.get("step", "preparation"), []).append((index, item))
    return [(step, items) for step, items in groups.items() if items]


# --- participants -------------------------------------------------------------------------------


def participants_of(meeting: Meeting) -> list[MeetingParticipant]:
    return list(
        MeetingParticipant.select().where(MeetingParticipant.meeting == meeting)
        .order_by(MeetingParticipant.sector, fn.LOWER(MeetingParticipant.name))
    )


def get_participant(meeting: Meeting, participant_id: int) -> MeetingParticipant | None:
    return MeetingParticipant.get_or_none((MeetingParticipant.id == participant_id)
                                          & (MeetingParticipant.meeting == meeting))


def clean_participant(values: Mapping) -> dict:
    errors: dict[str, str] = {}
    name = required_text(
        values, "name", TITLE_MAX, errors, _l("Podaj imię i nazwisko albo instytucję."),
        _l("Nazwa może mieć najwyżej %(max)d znaków."))
    sector = sector_code(values, errors)
    if errors:
        raise Invalid(errors)
    return {"name": name, "sector": sector, "present": bool(values.get("present"))}


def add_participant(meeting: Meeting, data: Mapping, user: User | None = None
                    ) -> MeetingParticipant:
    with write_transaction():
        participant = MeetingParticipant.create(meeting=meeting, user=user, **data)
        if participant.present and not meeting.held:
            meeting.held = True
            meeting.save(only=[Meeting.held])
    return participant


def set_present(participant: MeetingParticipant, present: bool) -> None:
    with write_transaction():
        participant.present = present
        participant.save(only=[MeetingParticipant.present])
        if present:
            Meeting.update(held=True).where(Meeting.id == participant.meeting_id).execute()


@dataclass
class Attendance:
    invited: dict[str, int] = field(default_factory=dict)  # sector -> people invited
    present: dict[str, int] = field(default_factory=dict)  # sector -> people present

    @property
    def missing_invited(self) -> list[str]:
        return [s for s in SECTORS if not self.invited.get(s)]

    @property
    def missing_present(self) -> list[str]:
        return [s for s in SECTORS if not self.present.get(s)]


def attendance(participants: Sequence[MeetingParticipant]) -> Attendance:
    result = Attendance()
    for p in participants:
        result.invited[p.sector] = result.invited.get(p.sector, 0) + 1
        if p.present:
            result.present[p.sector] = result.present.get(p.sector, 0) + 1
    return result


# --- needs and dot voting -----------------------------------------------------------------------


def clean_need(values: Mapping) -> dict:
    errors: dict[str, str] = {}
    theme = required_text(
        values, "theme", THEME_MAX, errors, _l("Podaj temat (np. młodzież, komunikacja, seniorzy)."),
        _l("Temat może mieć najwyżej %(max)d znaków."))
    need_text = required_text(
        values, "text", NEED_MAX, errors, _l("Opisz potrzebę lub problem w kilku słowach."),
        _l("Opis może mieć najwyżej %(max)d znaków."))
    sector = sector_code(values, errors, optional=True)
    if errors:
        raise Invalid(errors)
    return {"theme": theme, "text": need_text, "sector": sector}


def add_need(meeting: Meeting, data: Mapping, actor: User) -> Need:
    with write_transaction():
        return Need.create(meeting=meeting, created_by=actor, **data)


def get_need(meeting: Meeting, need_id: int) -> Need | None:
    return Need.get_or_none((Need.id == need_id) & (Need.meeting == meeting))


class VoteRefused(Exception):
    """The vote cannot change: the vote is closed, or the person has no votes left."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def votes_used(meeting: Meeting | int, user: User) -> int:
    return NeedVote.select().where((NeedVote.meeting == meeting) & (NeedVote.user == user)).count()


def set_vote(meeting: Meeting, need: Need, user: User, on: bool) -> bool:
    """Give (`on`) or take back one dot on a need; returns whether the user now supports it.

    Idempotent: giving a dot twice, or two requests racing, leaves one vote; the limit of
    `votes_per_person` holds because the check and the insert share the write lock.
    """
    if need.meeting_id != meeting.id:
        raise ValueError("need of another meeting")
    with write_transaction():
        fresh = Meeting.get_by_id(meeting.id)
        if fresh.vote_closed_at is not None:
            raise VoteRefused(_("Głosowanie jest zamknięte."))
        existing = NeedVote.get_or_none((NeedVote.need == need) & (NeedVote.user == user))
        if not on:
            if existing is not None:
                existing.delete_instance()
            return False
        if existing is not None:
            return True
        if votes_used(meeting, user) >= fresh.votes_per_person:
            raise VoteRefused(_("Wykorzystano już wszystkie głosy (%(n)d). Zabierz głos z "
                                "innej potrzeby, żeby oddać go tutaj.",
                                n=fresh.votes_per_person))
        try:
            with db.atomic():
                NeedVote.create(meeting=meeting, need=need, user=user)
        except IntegrityError:  # the same vote from a concurrent request: counted once
            pass
        return True


def close_vote(meeting: Meeting, actor: User) -> None:
    with write_transaction():
        Meeting.update(vote_closed_at=utcnow(), held=True, updated_at=utcnow()).where(
            (Meeting.id == meeting.id) & Meeting.vote_closed_at.is_null()
        ).execute()
    meeting.vote_closed_at = Meeting.get_by_id(meeting.id).vote_closed_at
    meeting.held = True


@dataclass
class NeedRow:
    need: Need
    votes: int = 0
    mine: bool = False


@dataclass
class Ballot:
    themes: list[tuple[str, list[NeedRow]]]
    used: int  # the viewer's dots
    allowed: int

    @property
    def left(self) -> int:
        return max(0, self.allowed - self.used)

    @property
    def ranked(self) -> list[NeedRow]:
        rows = [row for _theme, rows in self.themes for row in rows]
        return sorted(rows, key=lambda r: (-r.votes, r.need.id))


def ballot(meeting: Meeting, viewer: User) -> Ballot:
    """Needs grouped by theme with their votes and the viewer's dots (two queries)."""
    counts = fn.COUNT(NeedVote.id)
    rows = (
        Need.select(Need, counts.alias("votes"))
        .join(NeedVote, join_type=JOIN.LEFT_OUTER, on=(NeedVote.need == Need.id))
        .where(Need.meeting == meeting)
        .group_by(Need.id)
        .order_by(fn.LOWER(Need.theme), Need.id)
    )
    mine = {
        need_id for (need_id,) in NeedVote.select(NeedVote.need)
        .where((NeedVote.meeting == meeting) & (NeedVote.user == viewer.id)).tuples()
    }
    themes: dict[str, list[NeedRow]] = {}
    for need in rows:
        key = need.theme.strip().lower()
        themes.setdefault(key, []).append(NeedRow(need, need.votes, need.id in mine))
    grouped = [(rows_[0].need.theme, rows_) for rows_ in themes.values()]
    return Ballot(grouped, len(mine), meeting.votes_per_person)


# --- comments (members and the coalition's trainer) -------------------------------------------


def add_comment(coalition: Coalition, meeting: Meeting | None, author: User, body: str
                ) -> WorkshopComment:
    body = text({"body": body}, "body", COMMENT_MAX)
    if not body:
        raise Invalid({"body": _("Wpisz treść uwagi.")})
    if len(body) > COMMENT_MAX:
        raise Invalid({"body": _("Uwaga może mieć najwyżej %(max)d znaków.", max=COMMENT_MAX)})
    with write_transaction():
        return WorkshopComment.create(coalition=coalition, meeting=meeting, author=author,
                                      body=body)


def comments_of(coalition: Coalition, meeting: Meeting | None) -> list[WorkshopComment]:
    where = WorkshopComment.coalition == coalition
    where &= (WorkshopComment.meeting.is_null() if meeting is None
              else WorkshopComment.meeting == meeting)
    return list(
        WorkshopComment.select(WorkshopComment, User)
        .join(User, join_type=JOIN.LEFT_OUTER, on=(WorkshopComment.author == User.id))
        .where(where).order_by(WorkshopComment.id)
    )
