"""Admin management: create and edit coalitions, assign and unassign trainers."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import IntegrityError
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from blueprints.coalitions import bp, get_coalition
from koalicje import coalitions
from koalicje.permissions import require
from koalicje.web import htmx
from koalicje.web.forms import TextLimit
from koalicje.web.labels import round_label
from koalicje.web.text import SLUG_PATTERN
from models import ROUNDS, VOIVODESHIPS, Coalition, User


class CoalitionForm(FlaskForm):
    slug = StringField(
        _l("Adres (slug)"),
        validators=[DataRequired(), Length(max=80),
                    Regexp(SLUG_PATTERN, message=_l("Tylko małe litery bez polskich znaków, "
                                                    "cyfry i łączniki, np. koalicja-zalesie."))],
    )
    name = StringField(_l("Nazwa"), validators=[DataRequired(), Length(max=200)])
    gmina = StringField(_l("Gmina"), validators=[DataRequired(), Length(max=100)])
    voivodeship = SelectField(_l("Województwo"), choices=[SelectChoice(v) for v in VOIVODESHIPS],
                              validate_choice=True)
    library = StringField(_l("Biblioteka"), validators=[DataRequired(), Length(max=200)])
    round = SelectField(_l("Runda programu"), coerce=int,
                        choices=[SelectChoice(r, round_label(r)) for r in ROUNDS])
    founded = DateField(_l("Data założenia"), validators=[Optional()])
    goals = TextAreaField(
        _l("Cele koalicji"),
        validators=[TextLimit(coalitions.MAX_GOALS_LENGTH)],
    )


def _slug_taken(form: CoalitionForm) -> None:
    form.slug.errors = [_("Ten adres jest już zajęty. Wybierz inny.")]


def _save(form: CoalitionForm, coalition: Coalition | None) -> Coalition | None:
    """Validate and save; None (with the errors on the form) when the input is refused."""
    if not form.validate():
        return None
    data = _form_data(form)
    if coalitions.slug_taken(data["slug"], coalition.id if coalition else None):
        _slug_taken(form)
        return None
    try:
        return coalitions.save_coalition(data, coalition, current_user._get_current_object())
    except IntegrityError:  # taken by a concurrent request since the check
        _slug_taken(form)
        return None


def _form_data(form: CoalitionForm) -> dict:
    return {
        "slug": form.slug.data.strip(),
        "name": form.name.data.strip(),
        "gmina": form.gmina.data.strip(),
        "voivodeship": form.voivodeship.data,
        "library": form.library.data.strip(),
        "round": form.round.data,
        "founded": form.founded.data,
        "goals": (form.goals.data or "").replace("\r\n", "\n").strip(),
    }


@bp.route("/new", methods=["GET", "POST"])
def create():
    require("edit_coalition")
    form = CoalitionForm()
    if request.method == "POST":
        coalition = _save(form, None)
        if coalition is not None:
            return redirect(url_for("coalitions.detail", slug=coalition.slug), 303)
        return render_template("coalitions/form.html", form=form, coalition=None), 422
    return render_template("coalitions/form.html", form=form, coalition=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    coalition = get_coalition(slug)
    require("edit_coalition", coalition)
    if request.method == "POST":
        form = CoalitionForm()
        if _save(form, coalition) is not None:
            return redirect(url_for("coalitions.detail", slug=coalition.slug), 303)
        return render_template("coalitions/form.html", form=form, coalition=coalition), 422
    form = CoalitionForm(data=coalitions.coalition_data(coalition))
    return render_template("coalitions/form.html", form=form, coalition=coalition)


def _trainers_page(coalition: Coalition, status: int = 200, error: str | None = None):
    return htmx.render(
        "coalitions/trainers.html", "coalitions/_trainer_assignments.html", status=status,
        coalition=coalition, trainers=coalitions.assigned_trainers(coalition),
        candidates=coalitions.assignable_trainers(coalition), error=error,
    )


@bp.get("/<slug>/trainers")
def trainers(slug: str):
    coalition = get_coalition(slug)
    require("edit_coalition", coalition)
    return _trainers_page(coalition)


@bp.post("/<slug>/trainers")
def add_trainer(slug: str):
    coalition = get_coalition(slug)
    require("edit_coalition", coalition)
    trainer_id = coalitions.small_int(request.form.get("trainer"))
    trainer = User.get_or_none(User.id == trainer_id) if trainer_id is not None else None
    if trainer is None or not coalitions.assign_trainer(
        coalition, trainer, current_user._get_current_object()
    ):
        return _trainers_page(coalition, 422, _("Wybierz z listy trenera lub trenerkę."))
    if htmx.is_fragment_request():
        return _trainers_page(coalition)
    return redirect(url_for("coalitions.trainers", slug=coalition.slug), 303)


@bp.post("/<slug>/trainers/<int:trainer_id>/remove")
def remove_trainer(slug: str, trainer_id: int):
    coalition = get_coalition(slug)
    require("edit_coalition", coalition)
    if not coalitions.unassign_trainer(coalition, trainer_id, current_user._get_current_object()):
        abort(404)
    if htmx.is_fragment_request():
        return _trainers_page(coalition)
    return redirect(url_for("coalitions.trainers", slug=coalition.slug), 303)
