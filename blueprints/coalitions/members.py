"""Member management on the coalition page: role, sector, removal (coordinators, admins).

htmx requests get the members region back (a changed sector moves the person to another
group); plain form posts are redirected to the page. A refused change answers 422 with the
message shown in the members region.
"""

from __future__ import annotations

from typing import Any

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
    page shows the same (tests/test_coalitions_members_render.py compares the two). What
    every group of the page shares (texts, URLs) is made once per page."""
    tag, forms = render.cached(
        ("member-items", render.language(), coalition.slug, options is not None),
        lambda: _shared(coalition.slug, options is not None))
    if forms is not None:
        t_role, t_sector, t_save, t_remove, confirm, update_url, remove_url = forms
        csrf = render.csrf_input()
    out = []
    for m in people:
        user = m.user
        name = str(escape(user.name))
        mid = m.id
        coordinator = m.role == "coordinator"
        out.append(f'<li id="member-{mid}" class="member{" coordinator" if coordinator else ""}">'
                   f' <span class="member-name"><span class="member-name-text">{name}</span>'
                   f' {tag if coordinator else ""}</span> ')
        if options is not None:
            update, remove = update_url(mid), remove_url(mid)
            roles = options["role"].get(m.role) or options["role"][""]
            sectors = options["sector"].get(m.sector) or options["sector"][""]
            out.append(
                f'<form method="post" action="{update}" hx-post="{update}" hx-target="#members"'
                f' hx-swap="outerHTML" class="member-form"> {csrf}'
                f' <label for="role-{mid}">{t_role} <select id="role-{mid}" name="role">'
                f"{roles}</select> </label>"
                f' <label for="sector-{mid}">{t_sector} <select id="sector-{mid}"'
                f' name="sector">{sectors}</select> </label>'
                f' <button type="submit" class="secondary">{t_save}<span'
                f' class="visually-hidden">: {name}</span></button> </form>'
                f' <form method="post" action="{remove}" hx-post="{remove}" hx-target="#members"'
                # Markup's % escapes the name: the name escaped once, into the plain text
                f' hx-swap="outerHTML" hx-confirm="{confirm % {"name": name}}"'
                f' class="member-remove"> {csrf} <button type="submit"'
                f' class="secondary outline">{t_remove}<span class="visually-hidden">:'
                f" {name}</span></button> </form> ")
        out.append("</li> ")
    return Markup("".join(out).rstrip())


def _shared(slug: str, forms: bool) -> tuple[str, tuple[Any, ...] | None]:
    """The coordinator tag, and for managers the forms' texts (translations are trusted
    markup), the removal confirmation as a plain text to format with an escaped
    name, and the two form URLs cut around the membership id."""
    tag = f'<span class="tag">{escape(role_label("coordinator"))}</span>'
    if not forms:
        return tag, None
    catalog = render.translations()
    return tag, (
        *(catalog.ugettext(text) for text in (
            "Rola", "Sektor", "Zapisz zmiany", "Usuń z koalicji")),
        str(catalog.ugettext("Usunąć osobę %(name)s z koalicji?")),
        render.url_cut("coalitions.update_member", "membership_id", slug=slug),
        render.url_cut("coalitions.remove_member", "membership_id", slug=slug),
    )


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
