"""The partnership research meeting: plan it, adapt its checklist, record who came, collect
needs, vote on them with dots, close the vote, remark on it."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from blueprints.workshop import bp, coalition_for, flags, me
from koalicje.web import htmx
from koalicje.workshop import Invalid, meetings, stages
from models import Coalition, Meeting


@bp.get("/")
def index(slug: str):
    coalition = coalition_for(slug)
    return render_template("workshop/index.html", coalition=coalition,
                           stage=stages.stages_of([coalition.id])[coalition.id],
                           **flags(coalition))


@bp.get("/meetings", endpoint="meetings")
def meeting_list(slug: str):
    coalition = coalition_for(slug)
    return render_template("workshop/meetings.html", coalition=coalition,
                           meetings=meetings.meetings_of(coalition), errors={}, values={},
                           **flags(coalition))


@bp.post("/meetings")
def create_meeting(slug: str):
    coalition = coalition_for(slug, "decide_workshop")
    try:
        data = meetings.clean_meeting(request.form)
    except Invalid as refused:
        return render_template("workshop/meetings.html", coalition=coalition,
                               meetings=meetings.meetings_of(coalition), errors=refused.errors,
                               values=request.form, **flags(coalition)), 422
    meeting = meetings.create_meeting(coalition, data, me())
    return redirect(url_for("workshop.meeting", slug=slug, meeting_id=meeting.id), 303)


def _meeting(coalition: Coalition, meeting_id: int) -> Meeting:
    meeting = meetings.get_meeting(coalition, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _page(coalition: Coalition, meeting: Meeting, fragment: str, status: int = 200,
          **extra):
    participants = meetings.participants_of(meeting)
    context = {
        "coalition": coalition, "meeting": meeting,
        "steps": meetings.checklist_by_step(meeting),
        "participants": participants, "attendance": meetings.attendance(participants),
        "ballot": meetings.ballot(meeting, me()),
        "comments": meetings.comments_of(coalition, meeting),
        "errors": {}, "values": {}, "vote_error": None, **flags(coalition),
    }
    context.update(extra)
    return htmx.render("workshop/meeting.html", f"workshop/{fragment}", status=status,
                       **context)


def _done(coalition: Coalition, meeting: Meeting, fragment: str, anchor: str, **extra):
    """After a change: the region for htmx, a redirect back to it otherwise."""
    if htmx.is_fragment_request():
        return _page(coalition, meeting, fragment, **extra)
    return redirect(url_for("workshop.meeting", slug=coalition.slug, meeting_id=meeting.id,
                            _anchor=anchor), 303)


@bp.get("/meetings/<int:meeting_id>")
def meeting(slug: str, meeting_id: int):
    coalition = coalition_for(slug)
    return _page(coalition, _meeting(coalition, meeting_id), "_needs.html")


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit_meeting(slug: str, meeting_id: int):
    coalition = coalition_for(slug, "decide_workshop")
    meeting = _meeting(coalition, meeting_id)
    if request.method == "GET":
        return render_template("workshop/meeting_edit.html", coalition=coalition,
                               meeting=meeting, errors={}, values=None)
    try:
        data = meetings.clean_meeting(request.form)
    except Invalid as refused:
        return render_template("workshop/meeting_edit.html", coalition=coalition,
                               meeting=meeting, errors=refused.errors,
                               values=request.form), 422
    meetings.update_meeting(meeting, data, me())
    return redirect(url_for("workshop.meeting", slug=slug, meeting_id=meeting.id), 303)


@bp.post("/meetings/<int:meeting_id>/checklist")
def update_checklist(slug: str, meeting_id: int):
    coalition = coalition_for(slug, "decide_workshop")
    meeting = _meeting(coalition, meeting_id)
    try:
        items = meetings.clean_checklist(request.form, len(meeting.checklist or []))
    except Invalid as refused:
        return _page(coalition, meeting, "_checklist.html", 422, errors=refused.errors,
                     values=request.form)
    meetings.save_checklist(meeting, items)
    return _done(coalition, meeting, "_checklist.html", "checklist", checklist_saved=True)


@bp.post("/meetings/<int:meeting_id>/participants")
def add_participant(slug: str, meeting_id: int):
    coalition = coalition_for(slug, "contribute_workshop")
    meeting = _meeting(coalition, meeting_id)
    try:
        data = meetings.clean_participant(request.form)
    except Invalid as refused:
        return _page(coalition, meeting, "_participants.html", 422, errors=refused.errors,
                     values=request.form)
    meetings.add_participant(meeting, data)
    return _done(coalition, meeting, "_participants.html", "participants")


@bp.post("/meetings/<int:meeting_id>/participants/<int:participant_id>")
def update_participant(slug: str, meeting_id: int, participant_id: int):
    coalition = coalition_for(slug, "contribute_workshop")
    meeting = _meeting(coalition, meeting_id)
    participant = meetings.get_participant(meeting, participant_id)
    if participant is None:
        abort(404)
    meetings.set_present(participant, request.form.get("present") == "1")
    return _done(coalition, meeting, "_participants.html", "participants")


@bp.post("/meetings/<int:meeting_id>/needs")
def add_need(slug: str, meeting_id: int):
    coalition = coalition_for(slug, "contribute_workshop")
    meeting = _meeting(coalition, meeting_id)
    try:
        data = meetings.clean_need(request.form)
    except Invalid as refused:
        return _page(coalition, meeting, "_needs.html", 422, errors=refused.errors,
                     values=request.form)
    meetings.add_need(meeting, data, me())
    return _done(coalition, meeting, "_needs.html", "needs")


@bp.post("/meetings/<int:meeting_id>/needs/<int:need_id>/vote")
def vote(slug: str, meeting_id: int, need_id: int):
    """One dot given (vote=1) or taken back (vote=0): one request per change."""
    coalition = coalition_for(slug, "vote_needs")
    meeting = _meeting(coalition, meeting_id)
    need = meetings.get_need(meeting, need_id)
    if need is None:
        abort(404)
    try:
        meetings.set_vote(meeting, need, me(), request.form.get("vote") == "1")
    except meetings.VoteRefused as refused:
        return _page(coalition, meeting, "_needs.html", 409, vote_error=refused.message)
    return _done(coalition, meeting, "_needs.html", f"need-{need.id}")


@bp.post("/meetings/<int:meeting_id>/close-vote")
def close_vote(slug: str, meeting_id: int):
    coalition = coalition_for(slug, "decide_workshop")
    meeting = _meeting(coalition, meeting_id)
    meetings.close_vote(meeting, me())
    return _done(coalition, meeting, "_needs.html", "needs")


@bp.post("/meetings/<int:meeting_id>/comments")
def comment(slug: str, meeting_id: int):
    coalition = coalition_for(slug, "comment_workshop")
    meeting = _meeting(coalition, meeting_id)
    try:
        meetings.add_comment(coalition, meeting, me(), request.form.get("body", ""))
    except Invalid as refused:
        return _page(coalition, meeting, "_comments.html", 422, errors=refused.errors,
                     values=request.form)
    return _done(coalition, meeting, "_comments.html", "comments")

