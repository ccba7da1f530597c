"""Member management on the coalition page: role, sector, removal (coordinators, admins).

htmx requests get the members region back (a changed sector moves the person to another
group); plain form posts are redirected to the page. A refused change answers 422 with the
message shown in the members region.
"""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from blueprints.coalitions import bp, get_coalition
from blueprints.coalitions.directory import detail_context
from koalicje import coalitions
from koalicje.permissions import require
from koalicje.web import htmx
from models import Coalition, Membership


def _membership(coalition: Coalition, membership_id: int) -> Membership:
    membership = Membership.get_or_none(
        (Membership.id == membership_id) & (Membership.coalition == coalition)
    )
    if membership is None:
        abort(404)
    return membership


def _answer(coalition: Coalition, error: str | None = None):
    if error is None and not htmx.is_fragment_request():
        return redirect(url_for("coalitions.detail", slug=coalition.slug, _anchor="members"), 303)
    return htmx.render("coalitions/detail.html", "coalitions/_members.html",
                           status=422 if error else 200,
                           **detail_context(coalition, member_error=error))


@bp.post("/<slug>/members/<int:membership_id>")
def update_member(slug: str, membership_id: int):
    coalition = get_coalition(slug)
    require("manage_members", coalition)
    membership = _membership(coalition, membership_id)
    role = request.form.get("role", membership.role)
    sector = request.form.get("sector", membership.sector)
    try:
        coalitions.update_membership(membership, role, sector, current_user._get_current_object())
    except coalitions.MembershipError as error:
        return _answer(coalition, str(error))
    g.pop("_memberships", None)  # the editor may have changed their own role
    return _answer(coalition)


@bp.post("/<slug>/members/<int:membership_id>/remove")
def remove_member(slug: str, membership_id: int):
    coalition = get_coalition(slug)
    require("manage_members", coalition)
    membership = _membership(coalition, membership_id)
    try:
        coalitions.remove_membership(membership, current_user._get_current_object())
    except coalitions.MembershipError as error:
        return _answer(coalition, str(error))
    g.pop("_memberships", None)  # the editor may have removed themselves
    return _answer(coalition)
