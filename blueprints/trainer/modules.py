"""Module statistics: completion, quiz scores, and per question the share answered right."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from blueprints.trainer import bp
from koalicje import stats
from koalicje.permissions import requires
from koalicje.web import charts
from models import Module


@bp.get("/modules")
@requires("trainer_area")
def modules():
    return render_template("trainer/modules.html", rows=stats.module_stats(current_user))


@bp.get("/modules/<slug>")
@requires("trainer_area")
def module(slug: str):
    found = get_object_or_404(Module.active(), Module.slug == slug)
    detail = stats.module_detail(current_user, found, locale=str(get_locale()))
    chart = charts.bar_chart(
        [charts.Bar(q.text, None if q.share is None else q.share * 100,
                    css_class=band(q.share)) for q in detail.questions],
        title=_("Odsetek poprawnych odpowiedzi na pytania"), max_value=100, percent=True, digits=0, chart_id="chart-questions",
    )
    return render_template("trainer/module.html", module=found, detail=detail,
                           question_chart=chart)


def band(share: float | None) -> str:
    """Colour a question by how many got it right: under half needs attention."""
    if share is None:
        return ""
    if share < 0.5:
        return "band-attention"
    return "band-discuss" if share < 0.75 else "band-strong"
