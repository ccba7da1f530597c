"""Programme statistics for everyone signed in: rounds, sectors, completion over time."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from koalicje import stats
from koalicje.permissions import requires
from koalicje.web import charts
from koalicje.web.labels import sector_label
from models import ROUNDS

bp = Blueprint("stats", __name__)


@bp.get("/stats")
@requires("view_stats")
def index():
    round_arg = request.args.get("round", "")
    sector_round = int(round_arg) if round_arg.isdigit() and int(round_arg) in ROUNDS else None
    rounds = stats.coalitions_per_round()
    sectors = stats.members_by_sector(sector_round)
    months = [(month_label(key), count) for key, count in stats.completions_by_month()]
    rounds_chart = charts.column_chart(
        [charts.Bar(_("Runda %(n)s", n=r), count) for r, count in rounds.items()],
        title=_("Koalicje w kolejnych rundach"), chart_id="chart-rounds",
    )
    sector_total = sum(sectors.values())
    sectors_chart = charts.bar_chart(
        [charts.Bar(sector_label(s),
                    100 * count / sector_total if sector_total else 0,
                    note=ngettext("%(num)d osoba", "%(num)d osób", count))
         for s, count in sectors.items()],
        title=(_("Skład koalicji rundy %(n)s według sektorów", n=sector_round)
               if sector_round else _("Skład koalicji według sektorów")),
        max_value=100, percent=True, digits=0, chart_id="chart-sectors",
    )
    months_chart = charts.column_chart(
        [charts.Bar(month, count) for month, count in months],
        title=_("Ukończone moduły w kolejnych miesiącach"), chart_id="chart-months",
    )
    return render_template(
        "stats/index.html", rounds=rounds, sectors=sectors, months=months,
        sector_round=sector_round, sector_total=sector_total, all_rounds=ROUNDS,
        rounds_chart=rounds_chart, sectors_chart=sectors_chart, months_chart=months_chart,
    )


def month_label(key: str) -> str:
    """"2026-11" as the reader's locale names the month: "lis 2026", "Nov 2026"."""
    year, month = map(int, key.split("-"))
    return format_date(date(year, month, 1), "LLL y")
