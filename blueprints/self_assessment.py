"""The partnership self-assessment: answer page by page (autosaved with htmx), see the
result with its chart and history, and — for those who may — the coalition's profile."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from playhouse.flask_utils import get_object_or_404

from koalicje import self_assessment
from koalicje.content.quiz_files import module_titles
from koalicje.permissions import can, memberships_of, require
from koalicje.web import charts
from koalicje.web.errors import abort_with
from koalicje.web.htmx import is_fragment_request, render
from koalicje.web.labels import localized, sector_choices
from koalicje.workshop import suggestions
from models import (
    SECTORS,
    Coalition,
    Instrument,
    InstrumentVersion,
    SelfAssessment,
)

bp = Blueprint("self_assessment", __name__, url_prefix="/self-assessment")


def _own(answer_id: int) -> SelfAssessment:
    return get_object_or_404(
        SelfAssessment.select(SelfAssessment, Instrument, InstrumentVersion)
        .join(Instrument).switch(SelfAssessment).join(InstrumentVersion),
        (SelfAssessment.id == answer_id) & (SelfAssessment.user == current_user.id),
    )


@bp.get("/")
@login_required
def index():
    page = self_assessment.overview(current_user)
    return render(
        "self_assessment/index.html", "self_assessment/_mine.html",
        instruments=page.instruments, memberships=page.memberships, drafts=page.drafts,
        submitted=page.submitted, overseen=page.overseen, titles=page.titles, text=localized,
    )


@bp.post("/<instrument_slug>/start")
@login_required
def start(instrument_slug: str):
    instrument = get_object_or_404(
        Instrument.active(), Instrument.slug == instrument_slug
    )
    coalition = None
    raw = request.form.get("coalition", "")
    if raw:
        membership = memberships_of(current_user).get(int(raw) if raw.isdigit() else -1)
        if membership is None:
            abort_with(404, _("Nie należysz do tej koalicji."))
        coalition = membership.coalition
    draft = self_assessment.start(current_user, instrument, coalition)
    return redirect(url_for("self_assessment.answer", answer_id=draft.id), 303)


def _pages(definition: dict) -> list[dict]:
    return definition["dimensions"]


def _first_open_page(definition: dict, answers: dict) -> int:
    for number, dimension in enumerate(_pages(definition), 1):
        if any(s["id"] not in answers for s in dimension["statements"]):
            return number
    return len(_pages(definition))


def _page_context(draft: SelfAssessment, page: int, missing: list[str] | None = None) -> dict:
    definition = draft.instrument_version.definition
    pages = _pages(definition)
    return {
        "draft": draft,
        "definition": definition,
        "current_page": page,
        "pages": len(pages),
        "dimension": pages[page - 1],
        "missing": missing or [],
        "missing_pages": sorted({
            number for number, d in enumerate(pages, 1)
            for s in d["statements"] if missing and s["id"] in missing
        }),
        "answered": len(draft.answers or {}),
        "total": sum(len(d["statements"]) for d in pages),
        "scale": self_assessment.SCALE_LABELS,
        "sectors": sector_choices(),
        "text": localized,
    }


def _page_number(value: str | None, definition: dict, default: int) -> int:
    try:
        number = int(value) if value else default
    except ValueError:
        abort_with(400, _("Niepoprawny numer strony."))
    if not 1 <= number <= len(_pages(definition)):
        abort_with(404, _("Nie ma takiej strony."))
    return number


@bp.get("/answers/<int:answer_id>")
@login_required
def answer(answer_id: int):
    item = _own(answer_id)
    definition = item.instrument_version.definition
    if item.status == "submitted":
        return _result(item)
    page = _page_number(request.args.get("page"), definition,
                        _first_open_page(definition, item.answers or {}))
    return render("self_assessment/page.html", "self_assessment/_page.html",
                  **_page_context(item, page))


def _save_from_form(draft: SelfAssessment, page: int | None) -> None:
    definition = draft.instrument_version.definition
    ids = None
    if page is not None:
        ids = [s["id"] for s in _pages(definition)[page - 1]["statements"]]
    answers = self_assessment.parse_answers(definition, request.form, ids)
    sector = request.form.get("sector") or None
    if sector is not None and sector not in SECTORS:
        abort_with(422, _("Nieznany sektor."))
    try:
        self_assessment.save_answers(draft, answers, sector)
    except ValueError:  # submitted meanwhile (another tab or a double click)
        abort_with(409, _("Te odpowiedzi zostały już wysłane i nie można ich zmienić."))


@bp.post("/answers/<int:answer_id>")
@login_required
def save_page(answer_id: int):
    draft = _own(answer_id)
    if draft.status != "draft":
        abort_with(409, _("Te odpowiedzi zostały już wysłane i nie można ich zmienić."))
    definition = draft.instrument_version.definition
    page = _page_number(request.form.get("page"), definition, 1)
    _save_from_form(draft, page)
    action = request.form.get("action", "next")
    if action == "submit":
        missing = self_assessment.unanswered(definition, draft.answers)
        if missing:
            first = next(n for n, d in enumerate(_pages(definition), 1)
                         if any(s["id"] in missing for s in d["statements"]))
            return render("self_assessment/page.html", "self_assessment/_page.html",
                          status=422, **_page_context(draft, first, missing))
        self_assessment.submit(draft)
        return redirect(url_for("self_assessment.answer", answer_id=draft.id), 303)
    target = page - 1 if action == "prev" else page + 1
    target = max(1, min(target, len(_pages(definition))))
    return redirect(url_for("self_assessment.answer", answer_id=draft.id, page=target), 303)


@bp.post("/answers/<int:answer_id>/autosave")
@login_required
def autosave(answer_id: int):
    draft = _own(answer_id)
    if draft.status != "draft":
        abort_with(409, _("Te odpowiedzi zostały już wysłane i nie można ich zmienić."))
    definition = draft.instrument_version.definition
    page = request.form.get("page")
    _save_from_form(draft, _page_number(page, definition, 1) if page else None)
    if not is_fragment_request():
        return redirect(url_for("self_assessment.answer", answer_id=draft.id, page=page or None), 303)
    return render("self_assessment/_save_status.html", "self_assessment/_save_status.html",
                  draft=draft, saved=True, answered=len(draft.answers),
                  total=sum(len(d["statements"]) for d in _pages(definition)))


def _chart(dimensions: list, title: str, chart_id: str):
    return charts.bar_chart(
        [charts.Bar(label=d.title, value=d.mean,
                    css_class=self_assessment.BAND_CLASSES.get(d.band or "", ""),
                    note=getattr(d, "band_label", "") or "")
         for d in dimensions],
        title=title, min_value=1, max_value=5, digits=2, chart_id=chart_id,
    )


def _result(item: SelfAssessment):
    items = self_assessment.history(current_user, item.instrument)
    previous = self_assessment.previous_of(item, items)
    dimensions = self_assessment.read_result(item, previous)
    definition = item.instrument_version.definition
    comparison = None
    if previous is not None:
        before = previous.scores or {}
        comparison = charts.radar_chart(
            [d.title for d in dimensions],
            [charts.Series(_("Ta odpowiedź"), [d.mean for d in dimensions], "radar-current"),
             charts.Series(_("Poprzednia odpowiedź"), [before.get(d.slug) for d in dimensions],
                           "radar-previous")],
            title=_("Porównanie z poprzednią odpowiedzią (1–5)"), min_value=1, max_value=5,
            digits=2, chart_id="sa-compare-chart",
        )
    return render(
        "self_assessment/result.html", "self_assessment/_result.html",
        comparison=comparison,
        item=item, definition=definition, dimensions=dimensions, previous=previous,
        history=items, chart=_chart(dimensions, _("Średnia w każdym obszarze (1–5)"), "sa-result-chart"),
        titles=module_titles(), recommended=self_assessment.recommendations(dimensions), text=localized,
    )


@bp.get("/coalition/<slug>")
@login_required
def coalition(slug: str):
    item = get_object_or_404(Coalition, Coalition.slug == slug)
    require("view_coalition_results", item)
    instruments = self_assessment.active_instruments()
    titles = self_assessment.instrument_titles(instruments)
    chosen = request.args.get("instrument", self_assessment.DEFAULT_INSTRUMENT)
    if instruments and chosen not in {i.slug for i in instruments}:
        abort_with(404, _("Nie ma takiego narzędzia."))
    profile = self_assessment.coalition_profile(item, chosen)
    count = profile.respondents if profile else self_assessment.respondent_count(item, chosen)
    chart = None
    if profile:
        chart = _chart(profile.dimensions, _("Średnia członków koalicji w każdym obszarze (1–5)"),
                       "sa-coalition-chart")
    return render(
        "self_assessment/coalition.html", "self_assessment/_coalition.html",
        coalition=item, profile=profile, respondents=count, chart=chart,
        instruments=instruments, titles=titles, chosen=chosen, minimum=self_assessment.MIN_RESPONDENTS,
        text=localized,
        band_label=lambda mean: self_assessment.band_label(profile.definition, mean) if profile else "",
        workshop_steps=suggestions.for_profile(item, profile.dimensions)
        if profile and can("view_workshop", item) else [],
    )
