"""The progress matrix: learners × modules, each cell the status and the best quiz score.

`build(viewer, filters)` answers the page (one page of rows) and, with `paginate=False`, the
exports; `table(matrix)` turns it into the plain rows both exports write, so the page, the CSV
and the XLSX cannot disagree. The number of queries is fixed: modules (the required count is
taken from them), the row count (pages only), the rows, their progress and their best
scores, the last three read straight from the cursor as plain tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from math import ceil
from typing import Any

from peewee import fn

from koalicje.trainer.scope import (
    active_modules,
    completed_count_expr,
    local_date_of,
    memberships,
    module_status_rank_expr,
    required_module_count,
    started_count_expr,
    to_datetime,
)
from koalicje.web.labels import module_status_label, module_title
from models import (
    MODULE_STATUSES,
    ROUNDS,
    VOIVODESHIPS,
    Coalition,
    Membership,
    Module,
    ModuleProgress,
    Quiz,
    QuizAttempt,
    User,
    db,
)

PER_PAGE = 25
FIXED_SORTS = ("name", "coalition", "completed", "last")


@dataclass
class MatrixFilter:
    """What the GET form asks for; unknown values fall back to "any" rather than fail."""

    coalition: str = ""  # slug
    round: int | None = None
    voivodeship: str = ""
    status: str = ""  # "" or one of MODULE_STATUSES: the whole path, or `module` when set
    module: str = ""  # slug: the status filter asks about this module only
    q: str = ""
    sort: str = "name"  # name | coalition | completed | last | m-<module slug>
    desc: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> MatrixFilter:
        def integer(name: str) -> int | None:
            try:
                return int(args.get(name, ""))
            except ValueError:
                return None

        round_ = integer("round")
        sort = args.get("sort", "name")
        if sort not in FIXED_SORTS and not sort.startswith("m-"):
            sort = "name"
        return cls(
            coalition=args.get("coalition", "").strip()[:100],
            round=round_ if round_ in ROUNDS else None,
            voivodeship=v if (v := args.get("voivodeship", "")) in VOIVODESHIPS else "",
            status=s if (s := args.get("status", "")) in MODULE_STATUSES else "",
            module=args.get("module", "").strip()[:100],
            q=" ".join(args.get("q", "").split())[:100],
            sort=sort,
            desc=args.get("dir") == "desc",
            page=max(1, integer("page") or 1),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link to this view with `changes` (empty ones dropped)."""
        data = replace(self, **changes)
        out = {
            "coalition": data.coalition,
            "round": data.round,
            "voivodeship": data.voivodeship,
            "status": data.status,
            "module": data.module,
            "q": data.q,
            "sort": data.sort if data.sort != "name" else "",
            "dir": "desc" if data.desc else "",
            "page": data.page if data.page > 1 else "",
        }
        return {key: value for key, value in out.items() if value not in ("", None)}

    def sort_args(self, key: str) -> dict[str, Any]:
        """Link arguments that sort by `key`, flipping the direction when already sorted so."""
        return self.args(sort=key, desc=(self.sort == key and not self.desc), page=1)


@dataclass(frozen=True)
class Cell:
    status: str  # one of MODULE_STATUSES
    score: float | None  # best quiz score 0..1, None without attempts or quiz
    label: str  # the status in the reader's language (translated once per matrix)
    percent: int | None  # the score as a whole percentage, None without a score


@dataclass
class MatrixRow:
    user_id: int
    name: str
    coalition: str  # the coalition's name
    completed: int
    last_activity: datetime | None
    last_date: date | None  # last_activity's calendar date in the app's time zone
    cells: list[Cell]


@dataclass
class Matrix:
    modules: list[Module]
    rows: list[MatrixRow]
    total_rows: int
    required: int
    filters: MatrixFilter
    per_page: int = PER_PAGE
    coalitions: list[Coalition] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total_rows / self.per_page))


def _filtered(viewer: User, filters: MatrixFilter, required: int, modules: list[Module]):
    query = memberships(viewer)
    if filters.coalition:
        query = query.where(Coalition.slug == filters.coalition)
    if filters.round is not None:
        query = query.where(Coalition.round == filters.round)
    if filters.voivodeship:
        query = query.where(Coalition.voivodeship == filters.voivodeship)
    if filters.q:
        q = filters.q
        # SQLite's LIKE folds ASCII case only: also try the lower and capitalised forms so
        # "łuk" finds "Łukasz" (PostgreSQL's ILIKE folds everything).
        variants = {q, q.lower(), q.capitalize(), q.title()}
        condition = None
        for variant in variants:
            part = User.name.contains(variant)
            condition = part if condition is None else (condition | part)
        query = query.where(condition)
    by_slug = {m.slug: m for m in modules}
    if filters.status and filters.module in by_slug:
        rank = MODULE_STATUSES.index(filters.status)  # 0 not started, 1 in progress, 2 done
        return query.where(module_status_rank_expr(by_slug[filters.module].id) == rank)
    if filters.status == "completed":
        query = query.where(completed_count_expr() >= required)
    elif filters.status == "not_started":
        query = query.where(started_count_expr() == 0)
    elif filters.status == "in_progress":
        query = query.where((started_count_expr() > 0) & (completed_count_expr() < required))
    return query


def _order(filters: MatrixFilter, modules: list[Module]) -> list:
    by_slug = {m.slug: m for m in modules}
    key = filters.sort
    if key == "coalition":
        primary = [Coalition.name]
    elif key == "completed":
        primary = [fn.COALESCE(completed_count_expr(), 0)]
    elif key == "last":
        # never active sorts as the oldest: first going up, last going down
        last = User.last_active_at
        primary = [last.desc(nulls="LAST") if filters.desc else last.asc(nulls="FIRST")]
        return [*primary, User.name.asc(), Membership.id]
    elif key.startswith("m-") and key[2:] in by_slug:
        primary = [module_status_rank_expr(by_slug[key[2:]].id)]
    else:
        primary = []
    primary = [p.desc() if filters.desc else p.asc() for p in primary]
    name = User.name.desc() if (filters.desc and not primary) else User.name.asc()
    return [*primary, name, Membership.id]


def build(viewer: User, filters: MatrixFilter, paginate: bool = True,
          per_page: int = PER_PAGE) -> Matrix:
    """The matrix for what `viewer` oversees, filtered, sorted and (optionally) one page."""
    modules = active_modules()
    required = required_module_count(modules)
    query = _filtered(viewer, filters, required, modules)
    total = query.count() if paginate else 0
    if paginate:
        pages = max(1, ceil(total / per_page))
        filters = replace(filters, page=min(filters.page, pages))
    # Completed modules are computed for the shown rows only (below), not as subqueries for
    # every row before sorting; sorting by them stays in SQL. Last activity is a column.
    # Plain tuples, not model instances: the exports read every learner in scope.
    rows_query = query.order_by(*_order(filters, modules)).select(
        User.id, User.name, User.last_active_at, Coalition.name
    )
    if paginate:
        rows_query = rows_query.paginate(filters.page, per_page)
    members = _fetch(rows_query)
    if not paginate:
        total = len(members)
    status: dict[tuple[int, int], str] = {}
    best: dict[tuple[int, str], float] = {}
    if members:
        shown = (sorted({m[0] for m in members}) if paginate
                 else _filtered(viewer, filters, required, modules).select(User.id))
        in_users = User.id.in_(shown)
        progress = (
            ModuleProgress.select(ModuleProgress.user, ModuleProgress.module, ModuleProgress.status)
            .join(User).where(in_users)
        )
        for user_id, module_id, state in _fetch(progress):
            status[(user_id, module_id)] = state
        scores = (
            QuizAttempt.select(QuizAttempt.user, Quiz.slug, fn.MAX(QuizAttempt.score).alias("best"))
            .join(Quiz, on=(QuizAttempt.quiz == Quiz.id))
            .switch(QuizAttempt)
            .join(User, on=(QuizAttempt.user == User.id))
            .where(in_users)
            .group_by(QuizAttempt.user, Quiz.slug)
        )
        for user_id, quiz_slug, score in _fetch(scores):
            best[(user_id, quiz_slug)] = float(score)
    labels = {key: module_status_label(key) for key in MODULE_STATUSES}
    # plain values read once, not per cell: (module id, quiz slug, counts towards "completed")
    columns = [(m.id, m.quiz_slug, m.required) for m in modules]
    # A cell is immutable and there are few distinct ones (three states times the scores
    # seen): each is made once per matrix and shared by the rows that show it.
    cells: dict[tuple[str, float | None], Cell] = {}
    to_local_date = local_date_of()
    rows = []
    for user_id, name, last_active, coalition_name in members:
        row_cells = []
        completed = 0
        for module_id, quiz_slug, counted in columns:
            state = status.get((user_id, module_id), "not_started")
            if counted and state == "completed":
                completed += 1
            score = best.get((user_id, quiz_slug)) if quiz_slug else None
            cell = cells.get((state, score))
            if cell is None:
                cell = cells[(state, score)] = Cell(
                    status=state, score=score, label=labels[state],
                    percent=None if score is None else round(score * 100),
                )
            row_cells.append(cell)
        when = to_datetime(last_active)
        rows.append(MatrixRow(user_id=user_id, name=name, coalition=coalition_name,
                              completed=completed, last_activity=when,
                              last_date=to_local_date(when), cells=row_cells))
    return Matrix(modules=modules, rows=rows, total_rows=total, required=required,
                  filters=filters, per_page=per_page)


def _fetch(query) -> list[tuple]:
    """The rows of `query` as the driver gives them: no model instances and no per-value
    conversion (the columns here are ids, text and numbers; timestamps go through
    `to_datetime`, as SQLite gives text). About half of the export's time went there."""
    return db.execute(query).fetchall()


# --- the plain table both exports write --------------------------------------------------


def headers(matrix: Matrix) -> list[str]:
    from flask_babel import gettext as _

    out = [_("Osoba"), _("Koalicja"), _("Ukończone moduły"), _("Ostatnia aktywność")]
    for module in matrix.modules:
        title = f"{module.position}. {module_title(module)}"
        out += [title, _("%(module)s — wynik (%%)", module=title)]
    return out


def table(matrix: Matrix) -> list[list[str | int | date | None]]:
    """One list per row, in the order of `headers`: what the page shows, as plain values."""
    out = []
    for row in matrix.rows:
        values: list[str | int | date | None] = [
            row.name,
            row.coalition,
            row.completed,
            row.last_date,
        ]
        for cell in row.cells:
            values += [cell.label, cell.percent]
        out.append(values)
    return out
