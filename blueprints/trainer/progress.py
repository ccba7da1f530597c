"""Progress matrix, learner pages and the nudge list, with their CSV and XLSX exports."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from playhouse.flask_utils import get_object_or_404

from blueprints.trainer import bp
from blueprints.trainer.common import download
from koalicje import kept
from koalicje.permissions import can, memberships_of, requires
from koalicje.trainer import nudges, progress_matrix
from koalicje.trainer.scope import scoped_coalition_list
from koalicje.trainer.timeline import timeline
from koalicje.web import exports
from koalicje.web.htmx import render
from koalicje.web.labels import MODULE_STATUS_LABELS
from koalicje.web.render import dateformat, language, url_cut
from models import ROUNDS, VOIVODESHIPS, User


def _matrix(paginate: bool = True) -> progress_matrix.Matrix:
    filters = progress_matrix.MatrixFilter.from_args(request.args)
    return progress_matrix.build(current_user, filters, paginate=paginate)


def cell_html(cell: progress_matrix.Cell) -> str:
    """A matrix cell's `<td>`: its status (a class and a data attribute), its label and
    its score when it has one."""
    status = escape(cell.status)
    score = "" if cell.percent is None else f' <span class="score">{cell.percent}%</span>'
    return (f'<td class="cell cell-{status}" data-status="{status}">'
            f'<span class="status">{escape(cell.label)}</span>{score}</td>')


def matrix_rows(matrix: progress_matrix.Matrix) -> Markup:
    """The matrix's body rows (`<tr>`s): each learner's name linking to their page, the
    coalition, the completed modules of the required ones, the last activity's local day
    and the cells. What templates/trainer/_matrix.html wrote per row, with the same URL and
    date helpers. A row shows only the values of its key (its link, name, coalition,
    counts, day and each cell's state, label and score) in the request's language, so each
    is written once per process and kept (koalicje.kept) by them: a changed value is
    written afresh, an unchanged one is the same text. Each distinct cell of a page is
    written once."""
    written = kept.value("koalicje.trainer.matrix_rows", language(), dict,
                         kept.BY_LANGUAGE)
    learner_url = url_cut("trainer.learner", "user_id")  # HTML-escaped
    made: dict[int, str] = {}
    required = matrix.required
    out = []
    for row in matrix.rows:
        url = learner_url(row.user_id)
        key = (url, row.name, row.coalition, row.completed, required, row.last_date,
               *[(cell.status, cell.label, cell.percent) for cell in row.cells])
        html = written.get(key)
        if html is None:
            html = kept.keep(written, key, _matrix_row(row, url, required, made), _KEPT_ROWS)
        out.append(html)
    return Markup("".join(out))


_KEPT_ROWS = 4096  # matrix rows kept per language; then start again


def _matrix_row(row: progress_matrix.MatrixRow, url: str, required: int,
                made: dict[int, str]) -> str:
    """One row of `matrix_rows`, its distinct cells' HTML shared through `made`."""
    out = [f'<tr><th scope="row" data-col="name"><a href="{url}">{escape(row.name)}'
           f'</a></th><td data-col="coalition">{escape(row.coalition)}</td>'
           f'<td data-col="completed" data-value="{row.completed}">{row.completed} / '
           f'{required}</td><td data-col="last">']
    if row.last_date:
        # the machine-readable datetime attribute: the ISO date (str of a date)
        out.append(f'<time datetime="{row.last_date}">'
                   f'{escape(dateformat(row.last_date, "medium"))}</time></td>')
    else:
        out.append("—</td>")
    for cell in row.cells:
        html = made.get(id(cell))
        if html is None:
            html = made[id(cell)] = cell_html(cell)
        out.append(html)
    out.append("</tr>")
    return "".join(out)


@bp.get("/matrix")
@requires("trainer_area")
def matrix():
    result = _matrix()
    return render(
        "trainer/matrix.html", "trainer/_matrix.html", matrix=result,
        rows=matrix_rows(result),
        coalitions=scoped_coalition_list(current_user), rounds=ROUNDS,
        voivodeships=VOIVODESHIPS, statuses=MODULE_STATUS_LABELS,
    )


@bp.get("/matrix.csv")
@requires("trainer_area")
def matrix_csv():
    result = _matrix(paginate=False)
    body = exports.to_csv(progress_matrix.headers(result), progress_matrix.table(result))
    return download(body, exports.CSV_TYPE, _("postepy"), "csv")


@bp.get("/matrix.xlsx")
@requires("trainer_area")
def matrix_xlsx():
    result = _matrix(paginate=False)
    body = exports.to_xlsx(progress_matrix.headers(result), progress_matrix.table(result),
                           title=_("Postępy"))
    return download(body, exports.XLSX_TYPE, _("postepy"), "xlsx")


@bp.get("/learners/<int:user_id>")
@requires("trainer_area")
def learner(user_id: int):
    person = get_object_or_404(User, User.id == user_id)
    if not can("view_learner", person):
        abort(404)
    events, stopped = timeline(person, viewer=current_user)
    coalitions = sorted((m.coalition for m in memberships_of(person).values()),
                        key=lambda c: c.name)
    return render_template("trainer/learner.html", person=person, events=events,
                           stopped=stopped, coalitions=coalitions,
                           stopped_text=nudges.stopped_text)


@bp.get("/nudges", endpoint="nudges")
@requires("trainer_area")
def nudge_list():
    found = nudges.needing_nudge(current_user)
    return render_template("trainer/nudges.html", nudges=found,
                           days=nudges.nudge_days(), reason_text=nudges.reason_text,
                           stopped_text=nudges.stopped_text)


@bp.get("/nudges.csv")
@requires("trainer_area")
def nudges_csv():
    found = nudges.needing_nudge(current_user)
    body = exports.to_csv(nudges.headers(), nudges.table(found))
    return download(body, exports.CSV_TYPE, _("do-przypomnienia"), "csv")


@bp.get("/nudges.xlsx")
@requires("trainer_area")
def nudges_xlsx():
    found = nudges.needing_nudge(current_user)
    body = exports.to_xlsx(nudges.headers(), nudges.table(found),
                           title=_("Przypomnienia"))
    return download(body, exports.XLSX_TYPE, _("do-przypomnienia"), "xlsx")
