"""The trainer's overview page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from blueprints.trainer import bp
from koalicje.permissions import requires
from koalicje.trainer import nudges, overview
from koalicje.web.render import decimalformat


def _visits_url() -> Callable[[str], str]:
    """A coalition's visits page by slug, built by werkzeug once per slug: the overdue steps
    repeat a few coalitions many times."""
    urls: dict[str, str] = {}

    def visits_url(slug: str) -> str:
        url = urls.get(slug)
        if url is None:
            url = urls[slug] = url_for("trainer.visits", slug=slug)
        return url

    return visits_url


def _matrix_url() -> Callable[[str], str]:
    """The progress matrix of one coalition by slug: the matrix's URL built once, the slug
    added as its query string (as `url_for("trainer.matrix", coalition=slug)` writes it)."""
    base = url_for("trainer.matrix")

    def matrix_url(slug: str) -> str:
        return f"{base}?{urlencode({'coalition': slug}, safe=_QUERY_SAFE)}"

    return matrix_url


# what werkzeug leaves unquoted in a query string it builds
_QUERY_SAFE = "!$'()*,/:;?@"


def mean_text() -> Callable[[float | None], str]:
    """A profile's mean as the `decimalformat("0.00")` filter writes it, "—" for None.
    The means lie between 1 and 5 with two decimal places (`self_assessment._mean`): each
    hundredth from 0.00 to 6.00 is formatted by Babel once per process and locale (number
    formats do not change while the process lives), not once per request for each of the
    page's ~240 means. Anything else goes to the filter."""
    locale = get_locale()
    tables = current_app.extensions.setdefault("koalicje.trainer.means", {})
    table = tables.get(str(locale))
    if table is None:
        table = tables[str(locale)] = [
            format_decimal(hundredths / 100, format="0.00", locale=locale)
            for hundredths in range(_MEANS)]

    def text(value: float | None) -> str:
        if value is None:
            return "—"
        if type(value) is float and 0 <= value < 6.005:
            hundredths = round(value * 100)
            if hundredths / 100 == value:  # a two-place value: the table's own number
                return table[hundredths]
        return decimalformat(value, "0.00")

    return text


_MEANS = 601  # hundredths from 0.00 to 6.00


def profile_rows(mean_of: Callable[[float | None], str]) -> Callable[..., Markup]:
    """The rows of one coalition profile's table (`trainer/_profile.html`), written out
    here: a page shows 20 profiles of 12 dimensions, and each row done by Jinja costs a
    dozen escapes and lookups. Each title, label and mean is escaped once per request;
    `band_texts` and `disagreement` are the page's own translated texts (as the template
    renders them: translations are not escaped). The markup is what the loop it replaces
    wrote (`tests/test_trainer_overview.py` compares the two)."""
    escaped: dict[str, str] = {}

    def text(value: str) -> str:
        done = escaped.get(value)
        if done is None:
            done = escaped[value] = str(escape(value))
        return done

    def rows(profile: Any, band_texts: dict[str, str], disagreement: str) -> Markup:
        tag = f' <span class="tag">{disagreement}</span>'
        out = []
        for d in profile.dimensions:
            row = f'\n        <tr class="band-{text(d.band)}">' if d.band else "\n        <tr>"
            label = text(d.band_label) if d.band_label else band_texts.get(d.band) or "—"
            out.append(f'{row}<th scope="row">{text(d.title)}</th>'
                       f'<td>{text(mean_of(d.mean))}</td><td>{label}'
                       f'{tag if d.disagreement else ""}</td></tr>')
        return Markup("".join(out))

    return rows


@bp.get("/")
@requires("trainer_area")
def index():
    page = request.args.get("page", "1")
    summary = overview.build(current_user, page=int(page) if page.isdigit() else 1)
    return render_template("trainer/overview.html", overview=summary,
                           stopped_text=nudges.stopped_text, visits_url=_visits_url(),
                           matrix_url=_matrix_url(), profile_rows=profile_rows(mean_text()))
