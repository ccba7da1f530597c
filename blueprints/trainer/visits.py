"""Visit log: trainers record visits and next steps; the coalition's coordinator reads them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from playhouse.flask_utils import get_object_or_404
from wtforms import DateField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from blueprints.trainer import bp
from blueprints.trainer.common import require_visible
from koalicje import coalitions
from koalicje.permissions import can
from koalicje.trainer import visits
from koalicje.trainer.scope import local_today
from koalicje.web import render as render_cache
from koalicje.web.forms import LeanDateInput, LeanSelect, LeanTextArea, LeanTextInput, TextLimit
from koalicje.web.htmx import is_fragment_request, render
from koalicje.web.labels import visit_purpose_label
from koalicje.web.markdown import render_markdown
from koalicje.workshop import plan
from models import VISIT_PURPOSES, Coalition, NextStep, Visit

STEP_ROWS = 3


class StepForm(Form):
    description = StringField(_l("Uzgodniony krok"), validators=[Optional(), Length(max=500)],
                              widget=LeanTextInput())
    owner_user = SelectField(_l("Kto odpowiada (członek koalicji)"), coerce=int, default=0,
                             widget=LeanSelect())
    owner_name = StringField(_l("albo kto odpowiada (osoba bez konta)"),
                             validators=[Optional(), Length(max=120)], widget=LeanTextInput())
    due_date = DateField(_l("Termin"), validators=[Optional()], widget=LeanDateInput())


class VisitForm(FlaskForm):
    date = DateField(_l("Data wizyty"), validators=[InputRequired()], widget=LeanDateInput())
    purpose = SelectField(_l("Cel wizyty"), validators=[InputRequired()],
                          render_kw={"required": False},  # a select always has a value
                          widget=LeanSelect())
    notes = TextAreaField(_l("Notatki"), validators=[Optional(), TextLimit(5000)],
                          widget=LeanTextArea())
    link = SelectField(_l("Dotyczy (warsztat koalicji)"), default="", widget=LeanSelect())
    # Labelled (never shown: the legend says it), because WTForms translates a missing label
    # from the field's name, and Flask-WTF loads WTForms' catalog from disk for that.
    steps = FieldList(FormField(StepForm, label=_l("Uzgodniony krok")),
                      label=_l("Uzgodnione następne kroki (opcjonalnie)"),
                      min_entries=STEP_ROWS, max_entries=STEP_ROWS)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for entry in self.steps:
            step = entry.form
            filled = step.owner_user.data or step.owner_name.data or step.due_date.data
            if filled and not (step.description.data or "").strip():
                step.description.errors = [*step.description.errors,
                                           _("Opisz krok, któremu przypisujesz osobę lub termin.")]
                valid = False
        return valid


def visit_form(coalition: Coalition, formdata=None,
               choices: tuple[list, list] | None = None) -> VisitForm:
    """The visit form with the coalition's choices (`choices`: its workshop links and
    members as `_form_choices` gives them, if already read)."""
    links, members = choices or _form_choices(coalition)
    form = VisitForm(formdata=formdata)
    form.purpose.choices = [(p, visit_purpose_label(p)) for p in VISIT_PURPOSES]
    form.link.choices = [("", "—"), *links]
    owners = [(0, "—"), *members]
    for entry in form.steps:
        entry.form.owner_user.choices = owners
    if formdata is None and form.date.data is None:
        form.date.data = local_today()
    return form


def _form_choices(coalition: Coalition) -> tuple[list, list]:
    """The coalition's workshop meetings and actions a visit may be linked to, and its
    members who may own a step, as (value, label) pairs (two and one prepared queries)."""
    return plan.visit_links(coalition), [(u.id, u.name) for u in visits.members(coalition)]


_FORMS = "koalicje.trainer.visit_forms"  # app.extensions key: what decides the HTML -> HTML


def blank_form_html(coalition: Coalition) -> Markup:
    """templates/trainer/_visit_form.html for a blank visit form: rendered once per
    process for everything it shows (language, script root, the coalition's slug, today's
    date, its link and member choices), kept with its CSRF token left out, which is filled
    in for each page: the same HTML as the template gives, without making a WTForms form
    (~0.5 ms) or rendering 16 fields (~1 ms) for every visit to the log."""
    choices = _form_choices(coalition)
    links, members = choices

    def make() -> tuple[str, tuple[str, ...]]:
        page = render_template("trainer/_visit_form.html", coalition=coalition,
                               form=visit_form(coalition, choices=choices))
        return page, (render_cache.csrf_token(),)

    key = (render_cache.language(), request.script_root, coalition.slug, local_today(),
           tuple(links), tuple(members))
    return render_cache.kept_html(_FORMS, key, make, lambda: (render_cache.csrf_token(),))


def _coalition_for(action: str, slug: str) -> Coalition:
    coalition = coalitions.by_slug(slug)
    if coalition is None:
        abort(404)
    require_visible(action, coalition, visible=can("view_visits", coalition))
    return coalition


_STEPS = "koalicje.trainer.next_steps"  # app.extensions key: what a step shows -> HTML


def next_step_html(step: NextStep, today, can_record: bool) -> Markup:
    """templates/trainer/_next_step.html for one step of the log, rendered once per process
    for everything it shows (language, script root, the step's id, description, owner,
    due date, whether it is done or overdue, whether the viewer may mark it) and kept with
    its CSRF token left out, which is filled in for each page
    (tests/test_trainer_visits_form.py compares it with the template's)."""
    overdue = visits.is_overdue(step, today)
    key = (render_cache.language(), request.script_root, step.id, step.description,
           step.owner_label, step.due_date, bool(step.done), overdue, can_record)

    def tokens() -> tuple[str, ...]:
        return (render_cache.csrf_token(),) if can_record else ()

    def make() -> tuple[str, tuple[str, ...]]:
        page = render_template("trainer/_next_step.html", step=step, can_record=can_record,
                               today=today, is_overdue=visits.is_overdue)
        return page, tokens()

    return render_cache.kept_html(_STEPS, key, make, tokens)


def _page(coalition: Coalition, form: VisitForm | None, status: int = 200,
          form_html: Markup | None = None):
    """The log; `form` (or for a blank form on the whole page, its HTML `form_html`) when
    the viewer may record a visit."""
    today = local_today()
    return render(
        "trainer/visits.html", "trainer/_visit_form.html", status=status,
        coalition=coalition, visits=visits.visits_of(coalition), form=form,
        form_html=form_html, today=today, is_overdue=visits.is_overdue,
        step_html=lambda step, can_record: next_step_html(step, today, can_record),
    )


@bp.app_template_filter("notes_html")
def notes_html(source: str) -> Markup:
    """A visit's notes are Markdown written by a trainer: rendered and sanitized like posts."""
    return Markup(render_markdown(source or ""))


@bp.get("/visits/<slug>", endpoint="visits")
@login_required
def visit_log(slug: str):
    coalition = _coalition_for("view_visits", slug)
    if not can("record_visit", coalition):
        return _page(coalition, None)
    if is_fragment_request():  # htmx asks for the form fragment itself
        return _page(coalition, visit_form(coalition))
    return _page(coalition, None, form_html=blank_form_html(coalition))


@bp.post("/visits/<slug>")
@login_required
def record_visit(slug: str):
    coalition = _coalition_for("record_visit", slug)
    form = visit_form(coalition, formdata=request.form)
    if not form.validate():
        return _page(coalition, form, status=422)
    steps = [
        visits.StepInput(
            description=(step.description.data or "").strip(),
            owner_user=step.owner_user.data or None,
            owner_name=(step.owner_name.data or "").strip(),
            due_date=step.due_date.data,
        )
        for step in (entry.form for entry in form.steps)
        if (step.description.data or "").strip()
    ]
    visits.record_visit(coalition, current_user, form.date.data, form.purpose.data,
                           (form.notes.data or "").strip(), steps,
                           link=plan.parse_visit_link(form.link.data))
    flash(_("Zapisano wizytę."), "success")
    return redirect(url_for("trainer.visits", slug=coalition.slug), 303)


@bp.post("/next-steps/<int:step_id>/done")
@login_required
def step_done(step_id: int):
    step = get_object_or_404(
        NextStep.select(NextStep, Visit).join(Visit), NextStep.id == step_id
    )
    coalition = step.visit.coalition
    require_visible("record_visit", coalition, visible=can("view_visits", coalition))
    done = request.form.get("done", "1")
    if done not in ("0", "1"):
        abort(400)
    visits.mark_done(step, current_user, done == "1")
    if is_fragment_request():
        return render("trainer/_next_step.html", "trainer/_next_step.html", step=step,
                      coalition=coalition, can_record=True, today=local_today(),
                      is_overdue=visits.is_overdue)
    return redirect(url_for("trainer.visits", slug=coalition.slug), 303)
