"""The progress matrix: learners × modules, each cell the status and the best quiz score.

`build(viewer, filters)` answers the page (one page of rows) and, with `paginate=False`, the
exports; `table(matrix)` turns it into the plain rows both exports write, so the page, the CSV
and the XLSX cannot disagree. The number of queries is fixed: modules (the required count is
taken from them), the row count (pages only), the rows, their progress (the exports: with
the rows) and their best scores, the last three read straight from the cursor as plain
tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from itertools import groupby
from math import ceil
from operator import itemgetter
from typing import Any

from peewee import JOIN, OP, SQL, Expression, NodeList, Value, fn

from koalicje import kept
from koalicje.prepared import Prepared, padded_ids, prepared
from koalicje.rows import to_datetime
from koalicje.trainer.scope import (
    completed_count_expr,
    local_date_of,
    memberships_in,
    module_status_rank_expr,
    required_module_count,
    scope_args,
    scope_condition,
    scope_key,
    started_count_expr,
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
    QuizBest,
    User,
    db,
    is_sqlite,
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
    cells: Sequence[Cell]  # a kept tuple, shared by the requests: never changed
    # the cells as the exports write them (`cell_values`): made with the cells by `build`,
    # kept and shared alike; a row made without them has them made by `table`
    values: Sequence[str | int | None] = ()


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


# --- the queries: SQL text prepared once per shape of the filter --------------------------
# What decides the SQL of a matrix's queries (`_Shape`) is the kind of viewer and which
# filters and sort are chosen; the chosen values (the trainer's id, a slug, a search
# pattern, a module's id, the required count, the page's limit and offset) are parameters.


@dataclass(frozen=True)
class _Shape:
    scope: str  # scope_key
    coalition: bool
    round: bool
    voivodeship: bool
    patterns: int  # LIKE patterns of the name search (its spellings)
    status: str  # "", "module", "completed", "not_started", "in_progress"
    sort: str  # name | coalition | completed | last | module
    desc: bool


def _plan(viewer: User, filters: MatrixFilter, required: int,
          modules: list[Module]) -> tuple[_Shape, tuple]:
    """The shape of the filtered, sorted query and its values, in the order `_filtered`
    and `_order` take them."""
    values: list[Any] = list(scope_args(viewer))
    if filters.coalition:
        values.append(filters.coalition)
    if filters.round is not None:
        values.append(filters.round)
    if filters.voivodeship:
        values.append(filters.voivodeship)
    patterns: list[str] = []
    if filters.q:
        q = filters.q
        # SQLite's LIKE folds ASCII case only: also try the lower and capitalised forms so
        # "łuk" finds "Łukasz" (PostgreSQL's ILIKE folds everything).
        patterns = ["%" + _escape_like(v) + "%"
                    for v in sorted({q, q.lower(), q.capitalize(), q.title()})]
        values += patterns
    by_slug = {m.slug: m for m in modules}
    if filters.status and filters.module in by_slug:
        status = "module"  # 0 not started, 1 in progress, 2 done
        values += [by_slug[filters.module].id, MODULE_STATUSES.index(filters.status)]
    elif filters.status in ("completed", "in_progress"):
        status = filters.status
        values.append(required)
    elif filters.status == "not_started":
        status = "not_started"
    else:
        status = ""
    sort = filters.sort
    if sort.startswith("m-"):
        if sort[2:] in by_slug:
            sort = "module"
            values.append(by_slug[filters.sort[2:]].id)
        else:
            sort = "name"
    shape = _Shape(scope_key(viewer), bool(filters.coalition), filters.round is not None,
                   bool(filters.voivodeship), len(patterns), status, sort, filters.desc)
    return shape, tuple(values)


def _escape_like(text: str) -> str:
    """`text` for a LIKE pattern with ESCAPE '\\' (as Peewee's `contains` escapes it)."""
    return text.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")


def _filtered(shape: _Shape, values: Any):
    """The memberships in scope that the filter keeps (`values`: an iterator over the
    plan's values, consumed in order)."""
    scope = [next(values) for _ in range(1 if shape.scope == "trainer" else 0)]  # scope_args
    query = memberships_in(scope_condition(shape.scope, scope))
    if shape.coalition:
        query = query.where(Coalition.slug == next(values))
    if shape.round:
        query = query.where(Coalition.round == next(values))
    if shape.voivodeship:
        query = query.where(Coalition.voivodeship == next(values))
    if shape.patterns:
        condition = None
        for _ in range(shape.patterns):
            part = Expression(User.name, OP.ILIKE, NodeList((
                Value(next(values), converter=False), SQL("ESCAPE"),
                Value("\\", converter=False))))
            condition = part if condition is None else (condition | part)
        query = query.where(condition)
    if shape.status == "module":
        module_id = next(values)
        return query.where(module_status_rank_expr(module_id) == next(values))
    if shape.status == "completed":
        query = query.where(completed_count_expr() >= next(values))
    elif shape.status == "not_started":
        query = query.where(started_count_expr() == 0)
    elif shape.status == "in_progress":
        query = query.where((started_count_expr() > 0) & (completed_count_expr() < next(values)))
    return query


def _order(shape: _Shape, values: Any) -> list:
    key = shape.sort
    if key == "coalition":
        primary = [Coalition.name]
    elif key == "completed":
        primary = [fn.COALESCE(completed_count_expr(), 0)]
    elif key == "last":
        # never active sorts as the oldest: first going up, last going down
        last = User.last_active_at
        primary = [last.desc(nulls="LAST") if shape.desc else last.asc(nulls="FIRST")]
        return [*primary, User.name.asc(), Membership.id]
    elif key == "module":
        primary = [module_status_rank_expr(next(values))]
    else:
        primary = []
    primary = [p.desc() if shape.desc else p.asc() for p in primary]
    name = User.name.desc() if (shape.desc and not primary) else User.name.asc()
    return [*primary, name, Membership.id]


@prepared(keyed=True)
def _count(shape: _Shape, *values):
    """How many memberships the filter keeps."""
    return _filtered(shape, iter(values)).select(fn.COUNT(Membership.id)).tuples()


def _rows_query(shape: _Shape, values: Any):
    """(user id, name, last active, coalition name) of the kept memberships, in order."""
    query = _filtered(shape, values)
    return query.order_by(*_order(shape, values)).select(
        User.id, User.name, User.last_active_at, Coalition.name)


@prepared(keyed=True)
def _page(shape: _Shape, *values):
    """One page of `_rows_query` (the values end with the limit and the offset)."""
    return _rows_query(shape, iter(values)).limit(values[-2]).offset(values[-1])


@prepared(keyed=True)
def _all_rows(shape: _Shape, *values):
    """Every row of `_rows_query` (the exports), each with its learner's statuses as one
    text (`_progress_query`'s, read by a subquery per row: the learners' ids went through
    the filter's joins once, not again for a query of their progress)."""
    item = ModuleProgress.module.concat(ModuleProgress.status)
    statuses = (ModuleProgress.select(_joined(item))
                .where(ModuleProgress.user == User.id))
    return _rows_query(shape, iter(values)).select_extend(statuses)


def _joined(text: Any) -> Any:
    """The texts `text` of a group joined by commas (SQLite's GROUP_CONCAT, PostgreSQL's
    STRING_AGG; their order does not matter: `_learner_cells` reads them into dicts)."""
    if is_sqlite():
        return fn.GROUP_CONCAT(text)
    return fn.STRING_AGG(text, SQL("','"))


def _progress_query(users):
    """(user, "<module id><status>" of each of their progress rows, joined by commas) of
    `users` (a list of ids or a subquery): one row per learner, from the (user, module,
    status) index alone. A learner's statuses come as one text, made by the database, so
    the Python side reads 362 rows instead of 1,650 and finds each learner's cells by that
    text (`_learner_cells`). The id and the status are joined as they are (a status has
    no digit): a cast or a separator between them cost a sixth of the statement."""
    item = ModuleProgress.module.concat(ModuleProgress.status)
    return (ModuleProgress.select(ModuleProgress.user, _joined(item))
            .where(ModuleProgress.user.in_(users))
            .group_by(ModuleProgress.user))


def _scores_query(users):
    """(user, quiz id, best score) of `users`, in the order of the users and quizzes: the
    best scores kept at write time (`QuizBest`), from its (user, quiz, score) index alone,
    in its order (each module's quiz id comes with the modules); grouping every attempt
    here cost a third more. Plain rows, grouped by learner in Python (`build`): joining
    them into a text in SQL, as the statuses are, cost more than it saved (a score's exact
    text is slow to write)."""
    return (QuizBest.select(QuizBest.user, QuizBest.quiz, QuizBest.score)
            .where(QuizBest.user.in_(users))
            .order_by(QuizBest.user, QuizBest.quiz))


@prepared
def _modules():
    """The learning path (`active_modules`), each module with its quiz's id as `quiz_pk`
    (None without a quiz): the best scores are keyed by quiz id, not joined to quiz slugs
    (a fifth of their query's time). Only what the matrix, its filters and its exports read
    of a module (its id, slug, place, titles, whether it counts): not the Markdown body nor
    the JSON front matter, which cost more to read and decode than the rest."""
    return (Module.select(Module.id, Module.slug, Module.position, Module.kind,
                          Module.title_pl, Module.title_en, Module.quiz_slug,
                          Module.required, Module.archived, Quiz.id.alias("quiz_pk"))
            .join(Quiz, JOIN.LEFT_OUTER, on=(Quiz.slug == Module.quiz_slug))
            .where(Module.not_archived())
            .order_by(Module.position)
            .objects())  # every column on the Module


@prepared(keyed=True)
def _progress_of(count: int, *ids):
    """(user, their statuses) of the users `ids` (a page's learners, padded)."""
    return _progress_query(list(ids))


@prepared(keyed=True)
def _scores_of(count: int, *ids):
    """(user, quiz id, best score) of the users `ids`."""
    return _scores_query(list(ids))


@prepared(keyed=True)
def _scores_kept(shape: _Shape, *values):
    """(user, quiz id, best score) of every learner the filter keeps."""
    return _scores_query(_filtered(shape, iter(values)).select(User.id))


def _run(query: Prepared, params: tuple, key: Any) -> list[tuple]:
    """A prepared query's rows as the driver gives them: no model instances and no
    per-value conversion (the columns here are ids, text and numbers; timestamps go
    through `to_datetime`, as SQLite gives text). About half of the export's time went
    there."""
    built = query.built(params, key=key)
    return db.execute_sql(built.sql, built.bind(params)).fetchall()


def build(viewer: User, filters: MatrixFilter, paginate: bool = True,
          per_page: int = PER_PAGE) -> Matrix:
    """The matrix for what `viewer` oversees, filtered, sorted and (optionally) one page."""
    modules = _modules.rows()
    required = required_module_count(modules)
    shape, values = _plan(viewer, filters, required, modules)
    filter_values = values[:len(values) - (1 if shape.sort == "module" else 0)]
    if paginate:
        total = _run(_count, filter_values, shape)[0][0]
        pages = max(1, ceil(total / per_page))
        filters = replace(filters, page=min(filters.page, pages))
        # Completed modules are computed for the shown rows only (below), not as subqueries
        # for every row before sorting; sorting by them stays in SQL. Last activity is a
        # column. Plain tuples, not model instances: the exports read every learner in scope.
        members = _run(_page, (*values, per_page, (filters.page - 1) * per_page), shape)
    else:
        members = _run(_all_rows, values, shape)  # each row with its statuses
        total = len(members)
    # per learner: their statuses as one text (`_progress_query`) and their best scores'
    # rows (`_scores_query`, grouped by learner in its order)
    best: dict[int, tuple] = {}
    if members:
        if paginate:
            shown = padded_ids(sorted({m[0] for m in members}))
            status = dict(_run(_progress_of, shown, len(shown)))
            members = [(*member, status.get(member[0])) for member in members]
            scores = _run(_scores_of, shown, len(shown))
        else:
            scores = _run(_scores_kept, filter_values, shape)
        best = {user_id: tuple(rows) for user_id, rows in groupby(scores, _FIRST)}
    learner_cells = _learner_cells(modules)
    to_local_date = local_dates()
    stamps = _stamps()
    rows = []
    for user_id, name, last_active, coalition_name, statuses in members:
        key = (statuses, best.get(user_id))
        found = learner_cells.get(key)
        if found is None:
            found = learner_cells.make(key)
        row_cells, completed, row_values = found
        stamp = stamps.get(last_active)
        if stamp is None:
            when = to_datetime(last_active)
            stamp = kept.keep(stamps, last_active, (when, to_local_date(when)), _STAMPS_KEPT)
        # by position, in the fields' order: keywords cost 0.8 us more a row
        rows.append(MatrixRow(user_id, name, coalition_name, completed, stamp[0], stamp[1],
                              row_cells, row_values))
    return Matrix(modules=modules, rows=rows, total_rows=total, required=required,
                  filters=filters, per_page=per_page)


def _stamps() -> dict[Any, tuple[datetime | None, date | None]]:
    """The learners' last-activity stamps as the driver gives them (text on SQLite) with
    what a row shows of each: the timestamp (`to_datetime`) and its local day
    (`local_dates`), kept per process and time zone (both are functions of the stamp and
    the zone alone; a learner's stamp changes rarely, and an export reads hundreds)."""
    from flask import has_app_context

    if not has_app_context():
        return {}
    from flask_babel import get_timezone

    return kept.value("koalicje.trainer.matrix_stamps", str(get_timezone()), dict,
                      kept.BY_LANGUAGE)


_STAMPS_KEPT = 20_000  # stamps kept per time zone; then start again


def local_dates() -> Callable[[datetime | None], date | None]:
    """`local_date_of` for many timestamps, a seventh of its cost: each UTC day's offset
    from UTC in the zone is looked up once per process (at the day's first instant, its
    noon and its last instant; a day where they differ has a clock change), and a
    timestamp's local date is the date of the timestamp plus that offset. A timestamp on a
    day of a clock change, and an aware one, is converted by `local_date_of` itself."""
    exact = local_date_of()
    offset_at, offsets = _day_offsets()

    def convert(value: datetime | None) -> date | None:
        if value is None or value.tzinfo is not None:
            return exact(value)
        day = value.date()
        offset = offsets.get(day, _UNKNOWN)
        if offset is _UNKNOWN:
            start = datetime(day.year, day.month, day.day)
            first = offset_at(start)
            if first == offset_at(start + _NOON) == offset_at(start + _LAST):
                offset = first
            else:
                offset = None
            kept.keep(offsets, day, offset, _DAYS_KEPT)
        if offset is None:
            return exact(value)
        return (value + offset).date()

    return convert


_UNKNOWN = timedelta(days=-1)  # "not looked up yet" in `local_dates` (no zone is a day off)
_NOON = timedelta(hours=12)
_LAST = timedelta(days=1, microseconds=-1)
_DAYS_KEPT = 20_000  # days' offsets kept per zone and process (about 55 years)


def _day_offsets() -> tuple[Callable[[datetime], timedelta | None],
                            dict[date, timedelta | None]]:
    """The offset from UTC, at a naive UTC time, of the zone `local_date_of` converts to,
    and the offsets of the UTC days looked up so far in this process for that zone (a
    zone's rules do not change while the process lives)."""
    from flask import has_app_context

    if not has_app_context():
        return (lambda when: timedelta(0)), {}  # `local_date` without an app: UTC dates
    from flask_babel import get_timezone

    from koalicje.web.render import fast_zone, to_zone

    zone = fast_zone(get_timezone())
    offsets = kept.value("matrix_day_offsets", str(zone), dict, kept.BY_LANGUAGE)
    return (lambda when: to_zone(when, zone).utcoffset()), offsets


class _LearnerCells(dict):
    """A learner's cells, completed count and the cells' values as the exports write them
    (`MatrixRow.values`), found by the text of their statuses
    (`_progress_query`) and their best scores' rows (`_scores_query`; None for none), for
    one learning path and one language's labels. Kept per process (koalicje.kept) by the
    path's columns and the labels, so a learner whose progress and scores did not change
    finds their row made; a changed one has another key, and is made afresh. Each distinct cell is made once and
    shared by the rows that show it (`cells`). The cells are a tuple: what is kept is
    shared by the requests, and never changed."""

    def __init__(self, columns: tuple[tuple[int, int | None, bool], ...],
                 labels: dict[str, str]) -> None:
        super().__init__()
        self.columns = columns
        self.labels = labels
        self.cells: dict[tuple[str, float | None], Cell] = {}

    def make(self, key: tuple[str | None, tuple | None]
             ) -> tuple[tuple[Cell, ...], int, tuple[str | int | None, ...]]:
        progress, scores = key
        states: dict[int, str] = {}
        if progress:
            for item in progress.split(","):
                state = item.lstrip(_DIGITS)
                states[int(item[:len(item) - len(state)])] = state
        scored: dict[int, float] = {}
        for _user_id, quiz_id, score in scores or ():
            scored[quiz_id] = float(score)
        completed = 0
        row_cells = []
        for module_id, quiz_id, counted in self.columns:
            state = states.get(module_id, "not_started")
            if counted and state == "completed":
                completed += 1
            score = scored.get(quiz_id) if quiz_id else None
            row_cells.append(self.cell(state, score))
        return kept.keep(self, key, (tuple(row_cells), completed, cell_values(row_cells)),
                         _LEARNERS_KEPT)

    def cell(self, state: str, score: float | None) -> Cell:
        """The one cell of `state` and `score` (made on first use)."""
        cell = self.cells.get((state, score))
        if cell is None:
            cell = self.cells[(state, score)] = Cell(
                status=state, score=score, label=self.labels[state],
                percent=None if score is None else round(score * 100))
        return cell


_FIRST = itemgetter(0)
_DIGITS = "0123456789"
# learners' rows kept per learning path and language (about 0.9 KB each: the programme's
# 6,000 learners are ~5 MB), for at most `_PATHS_KEPT` paths and languages; then again
_LEARNERS_KEPT = 10_000
_PATHS_KEPT = 4


def _learner_cells(modules: list[Module]) -> _LearnerCells:
    """The kept `_LearnerCells` of the learning path `modules` in the request's language
    (the status labels translated once)."""
    labels = {key: module_status_label(key) for key in MODULE_STATUSES}
    # plain values read once, not per cell: (module id, quiz id, counts towards "completed")
    columns = tuple((m.id, m.quiz_pk, bool(m.required)) for m in modules)
    return kept.value("koalicje.trainer.matrix_learner_cells",
                      (columns, tuple(labels.items())),
                      lambda: _LearnerCells(columns, labels), _PATHS_KEPT)


# --- the plain table both exports write --------------------------------------------------


def headers(matrix: Matrix) -> list[str]:
    from flask_babel import gettext as _

    out = [_("Osoba"), _("Koalicja"), _("Ukończone moduły"), _("Ostatnia aktywność")]
    for module in matrix.modules:
        title = f"{module.position}. {module_title(module)}"
        out += [title, _("%(module)s — wynik (%%)", module=title)]
    return out


def table(matrix: Matrix) -> list[list[str | int | date | None]]:
    """One list per row, in the order of `headers`: what the page shows, as plain values
    (the cells' made once per learner: `MatrixRow.values`)."""
    return [[row.name, row.coalition, row.completed, row.last_date,
             *(row.values or cell_values(row.cells))] for row in matrix.rows]


def cell_values(cells: Sequence[Cell]) -> tuple[str | int | None, ...]:
    """The cells as the exports write them: each one's label and percentage, in a row."""
    return tuple(value for cell in cells for value in (cell.label, cell.percent))
