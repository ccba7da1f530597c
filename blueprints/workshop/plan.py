"""Priorities and the action plan: choose directions, add actions, move them along."""

from __future__ import annotations

from flask import abort, redirect, request, url_for

from blueprints.workshop import bp, coalition_for, flags, me, spreadsheet
from koalicje.web import htmx
from koalicje.workshop import Invalid, meetings, partners, plan
from models import Coalition


def _page(coalition: Coalition, status: int = 200, **extra):
    context = {
        "coalition": coalition, "directions": plan.directions(coalition),
        "candidates": plan.candidate_needs(coalition),
        "partners": partners.partners_of(coalition),
        "history": plan.goals_history(coalition), "is_overdue": plan.is_overdue,
        "meeting": None, "comments": meetings.comments_of(coalition, None),
        "errors": {}, "values": {}, **flags(coalition),
    }
    context.update(extra)
    return htmx.render("workshop/plan.html", "workshop/_plan.html", status=status, **context)


def _back(coalition: Coalition, anchor: str = "plan"):
    if htmx.is_fragment_request():
        return _page(coalition)
    return redirect(url_for("workshop.plan", slug=coalition.slug, _anchor=anchor), 303)


@bp.get("/plan", endpoint="plan")
def plan_page(slug: str):
    return _page(coalition_for(slug))


@bp.post("/plan/directions")
def choose_directions(slug: str):
    coalition = coalition_for(slug, "decide_workshop")
    ids = [int(v) for v in request.form.getlist("needs") if v.isdigit() and len(v) < 10]
    try:
        plan.choose_directions(coalition, ids, me())
    except Invalid as refused:
        return _page(coalition, 422, errors=refused.errors)
    return _back(coalition, "directions")


@bp.post("/plan/actions")
def add_action(slug: str):
    coalition = coalition_for(slug, "contribute_workshop")
    try:
        data = plan.clean_action(coalition, request.form)
    except Invalid as refused:
        return _page(coalition, 422, errors=refused.errors, values=request.form.to_dict())
    plan.add_action(data)
    return _back(coalition)


@bp.post("/plan/actions/<int:action_id>")
def update_action(slug: str, action_id: int):
    coalition = coalition_for(slug, "contribute_workshop")
    action = plan.get_action(coalition, action_id)
    if action is None:
        abort(404)
    try:
        plan.set_status(action, request.form.get("status", ""))
    except Invalid as refused:
        return _page(coalition, 422, errors=refused.errors)
    return _back(coalition, f"action-{action.id}")


@bp.post("/plan/comments")
def comment_plan(slug: str):
    """A remark on the plan, e.g. from the coalition's trainer."""
    coalition = coalition_for(slug, "comment_workshop")
    try:
        meetings.add_comment(coalition, None, me(), request.form.get("body", ""))
    except Invalid as refused:
        return _page(coalition, 422, errors=refused.errors)
    return _back(coalition, "comments")


@bp.get("/plan/export.<fmt>")
def export_plan(slug: str, fmt: str):
    coalition = coalition_for(slug)
    header, rows = plan.export_rows(plan.directions(coalition))
    return spreadsheet(header, rows, f"plan-{coalition.slug}", fmt)
