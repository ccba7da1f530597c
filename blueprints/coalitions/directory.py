"""The directory, the coalition page, and editing goals in place."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import TextAreaField

from blueprints.coalitions import bp, get_coalition
from koalicje import coalitions, kept
from koalicje.permissions import can, require
from koalicje.web import htmx, render
from koalicje.web.forms import TextLimit, options_by_selected
from koalicje.web.labels import role_label, sector_label
from koalicje.workshop import plan
from models import MEMBERSHIP_ROLES, SECTORS, Coalition


class GoalsForm(FlaskForm):
    goals = TextAreaField(
        _l("Cele koalicji"),
        validators=[TextLimit(coalitions.MAX_GOALS_LENGTH)],
        id="goals-input",  # "goals" is the id of the region the form is swapped into
    )


@bp.get("/")
def index():
    filters = coalitions.parse_filters(request.args)
    listing = coalitions.directory(filters)
    fragment = htmx.is_fragment_request()
    response = htmx.render("coalitions/index.html", "coalitions/_results.html",
                               listing=listing, filters=listing.filters, as_fragment=fragment)
    if fragment:
        # The address bar shows the filters in use, without empty or ignored parameters.
        return htmx.with_headers(response, push_url=url_for(
            "coalitions.index", **listing.filters.query_args()))
    return response


DIRECTORY_ROWS = "koalicje.coalitions.directory_rows"  # app.extensions: kept rows' HTML
DIRECTORY_ROWS_KEPT = 4096  # rows (450 coalitions x languages x editors or not): then start again


@bp.app_template_global()
def directory_rows(listed: list[coalitions.ListedCoalition], may_edit: bool) -> Markup:
    """The directory's rows as templates/coalitions/_result_row.html renders each, each
    row's HTML made once per process for everything it shows: the row's values (a
    `ListedCoalition`, member count included), whether the reader may edit coalitions, the
    language and the URL root (a search or a page of the directory shows 20 rows, each with
    two links and five escaped texts). Development (templates reloaded): the template
    every time. tests/test_coalitions.py compares them with the template."""
    template = current_app.jinja_env.get_template("coalitions/_result_row.html")
    if current_app.jinja_env.auto_reload:
        return Markup("".join(template.render(c=row, may_edit=may_edit) for row in listed))
    store = kept.store(DIRECTORY_ROWS)
    page = (render.language(), render.url_root(), bool(may_edit))
    out = []
    for row in listed:
        key = (page, row)
        html = store.get(key)
        if html is None:
            html = kept.keep(store, key, template.render(c=row, may_edit=may_edit),
                             DIRECTORY_ROWS_KEPT)
        out.append(html)
    return Markup("".join(out))


_MEMBER_OPTIONS = "koalicje.coalitions.member_options"  # app.extensions: language -> options


def member_options() -> dict[str, dict[str, Markup]]:
    """The options of the role and sector selects of every member's form (managers only),
    written for each value they may have selected: made once per process and language (the
    roles, sectors and their labels do not change while it runs)."""
    return kept.value(_MEMBER_OPTIONS, render.language(), lambda: {
        "role": options_by_selected((r, role_label(r)) for r in MEMBERSHIP_ROLES),
        "sector": options_by_selected((s, sector_label(s)) for s in SECTORS),
    }, kept.BY_LANGUAGE)


def detail_context(coalition: Coalition, **extra) -> dict:
    context = {
        "coalition": coalition,
        "goals_html": coalitions.goals_html(coalition.goals),
        "groups": coalitions.members_by_sector(coalition),
        "trainers": coalitions.assigned_trainers(coalition),
        "member_error": None,
        # the options of the role and sector selects of every member's form (managers only)
        "member_options": member_options() if can("manage_members", coalition) else None,
        "workshop": plan.summary(coalition)
        if can("view_workshop", coalition) else None,
    }
    context.update(extra)
    return context


@bp.get("/<slug>")
def detail(slug: str):
    coalition = get_coalition(slug)
    require("view_coalition", coalition, 404)
    return render_template("coalitions/detail.html", **detail_context(coalition))


@bp.get("/<slug>/goals")
def goals(slug: str):
    """The goals region alone (htmx: 'cancel' in the editor); a page request goes back."""
    coalition = get_coalition(slug)
    require("view_coalition", coalition, 404)
    if not htmx.is_fragment_request():
        return redirect(url_for("coalitions.detail", slug=slug, _anchor="goals"))
    return htmx.render("coalitions/detail.html", "coalitions/_goals.html",
                           coalition=coalition, goals_html=coalitions.goals_html(coalition.goals))


@bp.get("/<slug>/goals/edit")
def edit_goals(slug: str):
    coalition = get_coalition(slug)
    require("edit_goals", coalition)
    form = GoalsForm(data={"goals": coalition.goals})
    return htmx.render("coalitions/goals_edit.html", "coalitions/_goals_form.html",
                           coalition=coalition, form=form)


@bp.post("/<slug>/goals")
def update_goals(slug: str):
    coalition = get_coalition(slug)
    require("edit_goals", coalition)
    form = GoalsForm()
    if not form.validate():
        return htmx.render("coalitions/goals_edit.html", "coalitions/_goals_form.html",
                               status=422, coalition=coalition, form=form)
    coalitions.update_goals(coalition, form.goals.data or "", current_user._get_current_object())
    if htmx.is_fragment_request():
        return htmx.render("coalitions/detail.html", "coalitions/_goals.html",
                               coalition=coalition, goals_html=coalitions.goals_html(coalition.goals),
                               saved=True)
    return redirect(url_for("coalitions.detail", slug=coalition.slug, _anchor="goals"), 303)
