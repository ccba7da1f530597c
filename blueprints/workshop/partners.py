"""The partners' map: list with sector coverage, add and edit entries, invite a partner."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for

from blueprints.workshop import bp, coalition_for, flags, me, spreadsheet
from koalicje import invites
from koalicje.web import htmx
from koalicje.workshop import Invalid, partners
from models import Coalition, PartnerEntry


def _values() -> dict:
    """The submitted form, to show it again with its errors."""
    return {**request.form.to_dict(), "resources": request.form.getlist("resources")}


def _map(coalition: Coalition, status: int = 200, errors: dict | None = None,
         values: dict | None = None, saved: bool = False):
    entries = partners.partners_of(coalition)
    coverage = partners.sector_coverage(coalition, entries)
    return htmx.render(
        "workshop/partners.html", "workshop/_partners.html", status=status,
        coalition=coalition, entries=entries, coverage=coverage,
        missing=partners.missing_sectors(coverage), errors=errors or {}, values=values or {},
        saved=saved, **flags(coalition),
    )


@bp.get("/partners", endpoint="partners")
def partner_map(slug: str):
    return _map(coalition_for(slug))


@bp.post("/partners")
def add_partner(slug: str):
    coalition = coalition_for(slug, "contribute_workshop")
    try:
        data = partners.clean_partner(request.form, request.form.getlist("resources"))
    except Invalid as refused:
        return _map(coalition, 422, refused.errors, _values())
    partners.save_partner(coalition, data, me())
    if htmx.is_fragment_request():
        return _map(coalition, saved=True)
    return redirect(url_for("workshop.partners", slug=slug), 303)


def _entry(coalition: Coalition, entry_id: int) -> PartnerEntry:
    entry = partners.get_entry(coalition, entry_id)
    if entry is None:
        abort(404)
    return entry


@bp.route("/partners/<int:entry_id>/edit", methods=["GET", "POST"])
def edit_partner(slug: str, entry_id: int):
    coalition = coalition_for(slug, "contribute_workshop")
    entry = _entry(coalition, entry_id)
    if request.method == "GET":
        return render_template("workshop/partner_edit.html", coalition=coalition, entry=entry,
                               errors={}, values=None)
    try:
        data = partners.clean_partner(request.form, request.form.getlist("resources"))
    except Invalid as refused:
        return render_template("workshop/partner_edit.html", coalition=coalition, entry=entry,
                               errors=refused.errors, values=_values()), 422
    partners.save_partner(coalition, data, me(), entry)
    return redirect(url_for("workshop.partners", slug=slug, _anchor=f"partner-{entry.id}"), 303)


@bp.post("/partners/<int:entry_id>/invite")
def invite_partner(slug: str, entry_id: int):
    """The coordinator turns a partner into a member: an invite, its link shown once."""
    coalition = coalition_for(slug, "decide_workshop")
    entry = _entry(coalition, entry_id)
    try:
        _invite, token = partners.invite_partner(me(), entry, current_app.config["INVITE_DAYS"])
    except Invalid as refused:
        return render_template("workshop/partner_invite.html", coalition=coalition,
                               entry=entry, error=refused.errors["email"], link=None), 422
    except (invites.InviteError, invites.InviteForbidden) as refused:
        return render_template("workshop/partner_invite.html", coalition=coalition,
                               entry=entry, error=refused.message, link=None), 422
    link = url_for("invites.accept", token=token, _external=True)
    return render_template("workshop/partner_invite.html", coalition=coalition, entry=entry,
                           error=None, link=link, days=current_app.config["INVITE_DAYS"])



@bp.get("/partners/export.<fmt>")
def export_partners(slug: str, fmt: str):
    coalition = coalition_for(slug)
    header, rows = partners.export_rows(partners.partners_of(coalition))
    return spreadsheet(header, rows, f"partnerzy-{coalition.slug}", fmt)
