"""Member management on the coalition page: role, sector, removal (coordinators, admins).

htmx requests get the members region back (a changed sector moves the person to another
group); plain form posts are redirected to the page. A refused change answers 422 with the
message shown in the members region.
"""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from blueprints.coalitions import bp, get_coalition
from blueprints.coalitions.directory import detail_context
from koalicje import coalitions
from koalicje.permissions import require
from koalicje.web import htmx, render
from koalicje.web.labels import role_label
from models import Coalition, Membership


@bp.app_template_global()
def member_items(coalition: Coalition, people: list[Membership],
                 options: dict[str, dict[str, Markup]] | None = None) -> Markup:
    """The `<li>` of each member of a sector group on the coalition page, with the role,
    sector and removal forms when `options` (the selects' options, `member_options()`:
    managers only) are given. What templates/coalitions/_members.html wrote per member,
    written by plain joins (~55 µs a member in Jinja: two URLs, a translated confirmation,
    a dozen lookups); every run of whitespace the template had is one space here, so the
    page shows the same (tests/test_coalitions_members_render.py compares the two)."""
    catalog = render.translations()
    tag = f'<span class="tag">{escape(role_label("coordinator"))}</span>'
    if options is not None:
        csrf = render.csrf_input()
        role_options, sector_options = options["role"], options["sector"]
        t_role, t_sector, t_save, t_remove = (catalog.ugettext(text) for text in (
            "Rola", "Sektor", "Zapisz zmiany", "Usuń z koalicji"))  # trusted markup
        confirm = Markup(catalog.ugettext("Usunąć osobę %(name)s z koalicji?"))
        update_url = render.url_cut("coalitions.update_member", "membership_id",
                                    slug=coalition.slug)
        remove_url = render.url_cut("coalitions.remove_member", "membership_id",
                                    slug=coalition.slug)
    out = []
    for m in people:
        name = escape(m.user.name)
        coordinator = m.role == "coordinator"
        out.append(f'<li id="member-{m.id}" class="member{" coordinator" if coordinator else ""}">'
                   f' <span class="member-name"><span class="member-name-text">{name}</span>'
                   f' {tag if coordinator else ""}</span> ')
        if options is not None:
            update, remove = update_url(m.id), remove_url(m.id)
            roles = role_options.get(m.role) or role_options[""]
            sectors = sector_options.get(m.sector) or sector_options[""]
            out.append(
                f'<form method="post" action="{update}" hx-post="{update}" hx-target="#members"'
                f' hx-swap="outerHTML" class="member-form"> {csrf}'
                f' <label for="role-{m.id}">{t_role} <select id="role-{m.id}" name="role">'
                f"{roles}</select> </label>"
                f' <label for="sector-{m.id}">{t_sector} <select id="sector-{m.id}"'
                f' name="sector">{sectors}</select> </label>'
                f' <button type="submit" class="secondary">{t_save}<span'
                f' class="visually-hidden">: {name}</span></button> </form>'
                f' <form method="post" action="{remove}" hx-post="{remove}" hx-target="#members"'
                f' hx-swap="outerHTML" hx-confirm="{confirm % {"name": m.user.name}}"'
                f' class="member-remove"> {csrf} <button type="submit"'
                f' class="secondary outline">{t_remove}<span class="visually-hidden">:'
                f" {name}</span></button> </form> ")
        out.append("</li> ")
    return Markup("".join(out).rstrip())


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
