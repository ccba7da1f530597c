"""The progress matrix: contents, filters, sorting, pagination, htmx, and query counts."""

from __future__ import annotations

import pytest
from conftest import (
    add_member,
    assign,
    captured_sql,
    count_queries,
    make_coalition,
    make_user,
    soup,
)
from factories import attempt, days_ago, make_module, progress

from koalicje.trainer.scope import local_date
from models import db


@pytest.fixture
def world(app):
    db.connect(reuse_if_open=True)
    w = {}
    w["trainer"] = make_user(role="trainer", name="Trener")
    w["other_trainer"] = make_user(role="trainer", name="Inny Trener")
    w["a"] = make_coalition(slug="a", name="Alfa", round=1, voivodeship="lubelskie")
    w["b"] = make_coalition(slug="b", name="Beta", round=2, voivodeship="podlaskie")
    w["c"] = make_coalition(slug="c", name="Gamma", round=1, voivodeship="lubelskie")
    assign(w["trainer"], w["a"])
    assign(w["trainer"], w["b"])
    assign(w["other_trainer"], w["c"])
    m1, m2, m3 = make_module(1, quiz=True), make_module(2, quiz=True), make_module(3)
    w["modules"] = [m1, m2, m3]
    anna = make_user(name="Anna Nowak")
    lukasz = make_user(name="Łukasz Zieliński")
    bogdan = make_user(name="Bogdan Kowal")
    celina = make_user(name="Celina Obca")
    add_member(anna, w["a"])
    add_member(lukasz, w["a"])
    add_member(bogdan, w["b"])
    add_member(celina, w["c"])
    progress(anna, m1, "completed", days_ago(10), days_ago(9))
    attempt(anna, m1, {"q1": True, "q2": False, "q3": False}, days_ago(9.5))
    attempt(anna, m1, {"q1": True, "q2": True, "q3": True}, days_ago(9))
    progress(anna, m2, "in_progress", days_ago(3), days_ago(2))
    attempt(anna, m2, {"q1": True, "q2": False, "q3": False}, days_ago(2))
    for m in (m1, m2, m3):
        progress(bogdan, m, "completed", days_ago(20), days_ago(1))
    attempt(bogdan, m1, {"q1": True, "q2": True, "q3": False}, days_ago(1))
    progress(celina, m1, "completed")
    w.update(anna=anna, lukasz=lukasz, bogdan=bogdan, celina=celina)
    db.close()
    return w


def _last(td) -> str:
    """The last activity date as its machine value (the text is the locale's "29 lis 2026")."""
    time = td.select_one("time")
    return time["datetime"] if time else td.get_text(strip=True)


def rows(response):
    """The matrix as plain lists: name, coalition, completed, last date, then (status, score)."""
    table = soup(response).select_one("table.progress-matrix")
    if table is None:
        return []
    out = []
    for tr in table.select("tbody tr"):
        cells = [
            (td.select_one(".status").get_text(strip=True),
             td.select_one(".score").get_text(strip=True) if td.select_one(".score") else None)
            for td in tr.select("td.cell")
        ]
        out.append([
            tr.select_one("[data-col=name]").get_text(strip=True),
            tr.select_one("[data-col=coalition]").get_text(strip=True),
            int(tr.select_one("[data-col=completed]")["data-value"]),
            _last(tr.select_one("[data-col=last]")),
            cells,
        ])
    return out


def names(response):
    return [row[0] for row in rows(response)]


def test_matrix_contents_match_the_fixtures(client, auth, world, app):
    auth.as_user(world["trainer"])
    response = client.get("/trainer/matrix")
    assert response.status_code == 200
    table = rows(response)
    assert [r[0] for r in table] == ["Anna Nowak", "Bogdan Kowal", "Łukasz Zieliński"]
    anna, bogdan, lukasz = table
    assert anna[1:3] == ["Alfa", 1]
    with app.app_context():
        assert anna[3] == local_date(days_ago(2)).isoformat()
    assert anna[4] == [("Ukończony", "100%"), ("W trakcie", "33%"), ("Nierozpoczęty", None)]
    assert bogdan[2] == 3
    assert bogdan[4] == [("Ukończony", "67%"), ("Ukończony", None), ("Ukończony", None)]
    assert lukasz[2:] == [0, "—", [("Nierozpoczęty", None)] * 3]
    headers = [th.get_text(" ", strip=True) for th in soup(response).select("thead th")]
    assert headers[4].startswith("1. Moduł 1")


def test_trainer_never_sees_other_coalitions(client, auth, world):
    auth.as_user(world["trainer"])
    assert "Celina Obca" not in names(client.get("/trainer/matrix"))
    assert names(client.get("/trainer/matrix?coalition=c")) == []


def test_admin_sees_every_coalition(client, auth, world):
    db.connect(reuse_if_open=True)
    admin = make_user(role="admin")
    db.close()
    auth.as_user(admin)
    assert "Celina Obca" in names(client.get("/trainer/matrix"))


@pytest.mark.parametrize("query, expected", [
    ("coalition=b", ["Bogdan Kowal"]),
    ("round=2", ["Bogdan Kowal"]),
    ("voivodeship=lubelskie", ["Anna Nowak", "Łukasz Zieliński"]),
    ("status=completed", ["Bogdan Kowal"]),
    ("status=in_progress", ["Anna Nowak"]),
    ("status=not_started", ["Łukasz Zieliński"]),
    ("q=łuk", ["Łukasz Zieliński"]),
    ("q=NOWAK", ["Anna Nowak"]),
    ("q=kowal&coalition=a", []),
    ("status=in_progress&module=modul-2", ["Anna Nowak"]),
    ("status=not_started&module=modul-1", ["Łukasz Zieliński"]),
    ("status=completed&module=modul-1", ["Anna Nowak", "Bogdan Kowal"]),
    ("status=completed&module=nie-ma", ["Bogdan Kowal"]),
    ("round=nonsense&status=bogus", ["Anna Nowak", "Bogdan Kowal", "Łukasz Zieliński"]),
])
def test_filters(client, auth, world, query, expected):
    auth.as_user(world["trainer"])
    response = client.get(f"/trainer/matrix?{query}")
    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.parametrize("query, expected", [
    ("sort=name&dir=desc", ["Łukasz Zieliński", "Bogdan Kowal", "Anna Nowak"]),
    ("sort=completed&dir=desc", ["Bogdan Kowal", "Anna Nowak", "Łukasz Zieliński"]),
    ("sort=completed", ["Łukasz Zieliński", "Anna Nowak", "Bogdan Kowal"]),
    ("sort=m-modul-2", ["Łukasz Zieliński", "Anna Nowak", "Bogdan Kowal"]),
    ("sort=last&dir=desc", ["Bogdan Kowal", "Anna Nowak", "Łukasz Zieliński"]),
    ("sort=last", ["Łukasz Zieliński", "Anna Nowak", "Bogdan Kowal"]),
    ("sort=coalition&dir=desc", ["Bogdan Kowal", "Anna Nowak", "Łukasz Zieliński"]),
])
def test_sorting(client, auth, world, query, expected):
    auth.as_user(world["trainer"])
    assert names(client.get(f"/trainer/matrix?{query}")) == expected


def test_sorted_header_is_marked_and_link_flips_direction(client, auth, world):
    auth.as_user(world["trainer"])
    page = soup(client.get("/trainer/matrix?sort=completed"))
    header = page.select_one("th[aria-sort]")
    assert header["aria-sort"] == "ascending"
    assert "dir=desc" in header.a["href"]


def test_htmx_gets_the_fragment_with_pushable_links(htmx, auth, world):
    auth.as_user(world["trainer"])
    response = htmx.get("/trainer/matrix?status=completed")
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    page = soup(response)
    assert page.find("html") is None
    region = page.select_one("#matrix-region")
    assert region is not None and region["aria-live"] == "polite"
    link = region.select_one("thead a")
    assert link["hx-push-url"] == "true" and link["href"] == link["hx-get"]
    assert "status=completed" in link["href"]
    assert names(response) == ["Bogdan Kowal"]


def test_the_sort_swapped_in_by_htmx_travels_with_the_filter_form(htmx, client, auth, world):
    """A sort link swaps only the table; the filter form must then send the new sort, or the
    next filter change (htmx or the Filtruj button) silently drops it."""
    auth.as_user(world["trainer"])
    region = soup(htmx.get("/trainer/matrix?sort=completed&dir=desc")).select_one(
        "#matrix-region")
    carried = {i["name"]: i["value"] for i in region.select("input[type=hidden][form]")}
    assert carried == {"sort": "completed", "dir": "desc"}
    assert {i["form"] for i in region.select("input[type=hidden][form]")} == {"matrix-filters"}
    page = soup(client.get("/trainer/matrix?sort=completed&dir=desc"))
    form = page.select_one("form#matrix-filters")
    assert form is not None and form.select("input[name=sort], input[name=dir]") == []
    assert len(page.select("input[name=sort]")) == 1  # said once, in the swapped region
    unsorted = soup(htmx.get("/trainer/matrix")).select_one("#matrix-region")
    assert unsorted.select("input[type=hidden][form]") == []  # the default sort adds nothing


def test_back_and_blur_keep_the_filter_form_and_the_history_in_step(client, auth, world):
    """Back must show the filters of the page it returns to: the browser must not refill the
    form from the later visit (autocomplete=off), and leaving the search box after typing must
    not send the form again (a second history entry that makes Back look broken)."""
    auth.as_user(world["trainer"])
    form = soup(client.get("/trainer/matrix")).select_one("form.filters")
    assert form["autocomplete"] == "off"
    triggers = [t.strip() for t in form["hx-trigger"].split(",")]
    assert "submit" in triggers
    assert "input changed delay:400ms from:#filter-q" in triggers
    changes = [t for t in triggers if t.startswith("change")]
    assert changes == ["change from:(#matrix-filters select)"]  # not the search box's blur


def test_full_page_has_a_get_form_that_works_without_javascript(client, auth, world):
    auth.as_user(world["trainer"])
    page = soup(client.get("/trainer/matrix?q=Anna"))
    form = page.select_one("form.filters")
    assert form["method"] == "get" and form["action"] == "/trainer/matrix"
    assert form["hx-push-url"] == "true"
    assert form.select_one("input[name=q]")["value"] == "Anna"
    assert {s["name"] for s in form.select("select")} == {"coalition", "round", "voivodeship",
                                                          "status", "module"}
    assert [o["value"] for o in form.select("select[name=coalition] option")] == ["", "a", "b"]


def _grow(trainer, coalition, learners: int, modules: int, start: int) -> None:
    made = [make_module(start + i, quiz=True) for i in range(modules)]
    for n in range(learners):
        person = make_user(name=f"Osoba {start}-{n:03d}")
        add_member(person, coalition)
        for module in made:
            progress(person, module, "completed" if n % 2 else "in_progress", days_ago(n % 30))
            attempt(person, module, {"q1": True, "q2": bool(n % 3), "q3": False})


@pytest.mark.parametrize("url", [
    "/trainer/matrix", "/trainer/matrix?sort=m-modul-1&dir=desc&status=in_progress",
    "/trainer/matrix.csv", "/trainer/matrix.xlsx", "/trainer/nudges", "/trainer/nudges.csv",
    "/trainer/", "/trainer/modules",
])
def test_query_count_does_not_grow_with_learners_or_modules(client, auth, app, url):
    db.connect(reuse_if_open=True)
    trainer = make_user(role="trainer")
    coalition = make_coalition()
    assign(trainer, coalition)
    _grow(trainer, coalition, learners=5, modules=3, start=1)
    db.close()
    auth.as_user(trainer)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    db.connect(reuse_if_open=True)
    _grow(trainer, coalition, learners=45, modules=9, start=10)
    db.close()
    with count_queries() as large:
        response = client.get(url)
    assert response.status_code == 200
    assert large.count == small.count, large.statements
    if url == "/trainer/matrix":
        assert len(rows(response)) == 25  # one page of 50
        assert soup(response).select_one(".pagination a[rel=next]") is not None
        assert len(rows(client.get(url + "?page=2"))) == 25
        assert rows(client.get(url + "?page=2"))[0][0] != rows(response)[0][0]


def test_matrix_and_export_in_english(client, auth, world):
    db.connect(reuse_if_open=True)
    world["trainer"].locale = "en"
    world["trainer"].save()
    db.close()
    auth.as_user(world["trainer"])
    table = rows(client.get("/trainer/matrix?q=Łukasz"))
    assert table[0][4][0] == ("Not started", None)
    header = client.get("/trainer/matrix.csv").data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Person;Coalition;Completed modules;Last activity;1. Module 1;")


@pytest.mark.parametrize("zone", ["Europe/Warsaw", "America/Sao_Paulo", "Pacific/Auckland", "UTC"])
def test_local_date_of_matches_local_date_in_every_season(app, zone):
    """The matrix converts its timestamps with `local_date_of` (the zone looked up once):
    the same calendar dates as `local_date`, around midnight and the clock changes."""
    from datetime import datetime, timedelta
    from types import SimpleNamespace

    import pytz
    from flask import g

    from koalicje.trainer.scope import local_date_of

    stamps = [datetime(2026, 1, 1) + timedelta(hours=hours, minutes=30)
              for hours in range(0, 365 * 24, 7)]
    stamps += [datetime(2026, 3, 28, 22, 59), datetime(2026, 3, 29, 0, 59, 59, 999999),
               datetime(2026, 10, 24, 22, 0), datetime(2026, 10, 25, 1, 0), None]
    with app.test_request_context("/"):
        g.sentinel = True  # Flask-Babel keeps its per-request state on a non-empty g
        flask_babel_state = g.setdefault("_flask_babel", SimpleNamespace())
        flask_babel_state.babel_tzinfo = pytz.timezone(zone)  # what its zone selector sets
        convert = local_date_of()
        assert [convert(s) for s in stamps] == [local_date(s) for s in stamps]
        # the zone is the configured one: 13:00 UTC is the next day in Auckland (UTC+12)
        next_day = convert(datetime(2026, 6, 30, 13, 0)) == datetime(2026, 7, 1).date()
        assert next_day == (zone == "Pacific/Auckland")


@pytest.mark.parametrize("zone", ["Europe/Warsaw", "America/Sao_Paulo", "Pacific/Auckland", "UTC",
                                  "Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe",
                                  "Pacific/Chatham", "Africa/Casablanca", "Europe/Dublin"])
def test_local_dates_are_local_date_of_around_every_clock_change(app, zone):
    """The matrix's `local_dates` (each UTC day's offset looked up once) gives the dates
    `local_date_of` gives, every 13 minutes of two years and at each clock change's
    instant and the microseconds around it, in zones with half-hour and 45-minute
    offsets, half-hour clock changes and several changes a year (Casablanca's Ramadan)."""
    from datetime import datetime, timedelta
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    import pytz
    from flask import g

    from koalicje.trainer.progress_matrix import local_dates
    from koalicje.trainer.scope import local_date_of

    stamps = [datetime(2025, 1, 1) + timedelta(minutes=minutes)
              for minutes in range(0, 2 * 365 * 24 * 60, 13)]
    # the UTC instants of the zone's clock changes, found hour by hour, and around them
    info = ZoneInfo(zone)
    hours = [datetime(2025, 1, 1) + timedelta(hours=h) for h in range(2 * 365 * 24 + 1)]
    offsets = [h.replace(tzinfo=pytz.UTC).astimezone(info).utcoffset() for h in hours]
    for before, offset, next_offset in zip(hours, offsets, offsets[1:],
                                           strict=False):
        if offset != next_offset:
            for step in range(0, 61, 15):
                change = before + timedelta(minutes=step)
                stamps += [change - timedelta(microseconds=1), change,
                           change + timedelta(microseconds=1)]
    stamps += [None, datetime(2026, 6, 30, 23, 59, 59, 999999)]
    with app.test_request_context("/"):
        g.sentinel = True  # Flask-Babel keeps its per-request state on a non-empty g
        flask_babel_state = g.setdefault("_flask_babel", SimpleNamespace())
        flask_babel_state.babel_tzinfo = pytz.timezone(zone)  # what its zone selector sets
        exact = local_date_of()
        convert = local_dates()
        assert [convert(s) for s in stamps] == [exact(s) for s in stamps]
        # warm and cold: a converter that sees the stamps in another order
        assert [local_dates()(s) for s in reversed(stamps[:2000])] == \
            [exact(s) for s in reversed(stamps[:2000])]
    if zone in ("Europe/Warsaw", "Pacific/Auckland", "Australia/Lord_Howe", "Pacific/Chatham",
                "Africa/Casablanca", "Europe/Dublin"):
        assert len(set(offsets)) > 1  # the clock changes were among the stamps


def _query_plans(client, url: str, wanted) -> list[str]:
    """SQLite's plans of the queries of a second GET of `url` whose SQL is `wanted`."""
    client.get(url)
    captured = captured_sql(lambda: client.get(url))
    return [" / ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
            for sql, params in captured if wanted(sql)]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("url", ["/trainer/matrix", "/trainer/matrix.csv"])
def test_best_scores_are_read_from_the_kept_index_alone(client, auth, app, url):
    """The learners' best scores come from the (user, quiz, score) index of the scores kept
    at write time (`QuizBest`), not from the attempts (nor their rows, which carry every
    answer); SQLite's query plan shows it."""
    db.connect(reuse_if_open=True)
    trainer = make_user(role="trainer")
    coalition = make_coalition()
    assign(trainer, coalition)
    _grow(trainer, coalition, learners=30, modules=3, start=1)
    db.execute_sql("ANALYZE")
    db.close()
    auth.as_user(trainer)
    assert not _query_plans(client, url, lambda sql: 'FROM "quiz_attempt" AS' in sql)
    plans = _query_plans(client, url, lambda sql: 'FROM "quiz_best" AS' in sql)
    assert plans and all(
        "COVERING INDEX quiz_best_user_id_quiz_id_score" in plan for plan in plans), plans


@pytest.mark.sqlite_only
@pytest.mark.parametrize("url", ["/trainer/matrix", "/trainer/matrix.csv"])
def test_statuses_are_read_from_the_progress_index_alone(client, auth, app, url):
    """The learners' module statuses come from the (user, module, status) index, not from
    the progress rows; SQLite's query plan shows it."""
    db.connect(reuse_if_open=True)
    trainer = make_user(role="trainer")
    coalition = make_coalition()
    assign(trainer, coalition)
    _grow(trainer, coalition, learners=10, modules=3, start=1)
    # most progress is elsewhere, as in the programme: reading the table would read it all
    _grow(make_user(role="trainer"), make_coalition(), learners=120, modules=3, start=4)
    db.execute_sql("ANALYZE")
    db.close()
    auth.as_user(trainer)
    # the statuses' query joins each learner's "<module> <status>" texts (GROUP_CONCAT)
    plans = _query_plans(client, url, lambda sql: '"status") FROM "module_progress" AS' in sql)
    assert plans and all(
        "COVERING INDEX module_progress_user_id_module_id_status" in plan for plan in plans
    ), plans


# What templates/trainer/_matrix.html wrote per row and cell before `matrix_rows`.
_CELL_LOOP_BODY = (
    '<td class="cell cell-{{ cell.status }}" data-status="{{ cell.status }}">'
    '<span class="status">{{ cell.label }}</span>{% if cell.percent is not none %} '
    '<span class="score">{{ cell.percent }}%</span>{% endif %}</td>')
_MATRIX_ROWS_LOOP = (
    '{% for row in matrix.rows %}<tr>'
    '<th scope="row" data-col="name"><a href="{{ url_for(\'trainer.learner\', '
    'user_id=row.user_id) }}">{{ row.name }}</a></th>'
    '<td data-col="coalition">{{ row.coalition }}</td>'
    '<td data-col="completed" data-value="{{ row.completed }}">{{ row.completed }} / '
    '{{ matrix.required }}</td>'
    '<td data-col="last">{% if row.last_date %}<time datetime="'
    '{{ row.last_date.isoformat() }}">{{ row.last_date | dateformat("medium") }}</time>'
    '{% else %}—{% endif %}</td>'
    '{% for cell in row.cells %}' + _CELL_LOOP_BODY + '{% endfor %}</tr>{% endfor %}')


def test_matrix_rows_are_what_the_template_wrote(app):
    """The matrix page's body rows are written in Python (blueprints/trainer/progress.py
    `matrix_rows`, each distinct cell once a page): the same markup, but for the
    whitespace between tags, as the template's loop wrote, escaped, for every state, with
    and without a score or a last activity."""
    from datetime import date

    from blueprints.trainer.progress import cell_html, matrix_rows
    from koalicje.trainer.progress_matrix import Cell, Matrix, MatrixFilter, MatrixRow

    cell_template = _CELL_LOOP_BODY
    rows_template = app.jinja_env.from_string(_MATRIX_ROWS_LOOP)
    cells = [Cell(status, score, label, None if score is None else round(score * 100))
             for status in ("not_started", "in_progress", "completed", "<x\">")
             for score in (None, 0.0, 0.555, 1.0)
             for label in ("Ukończony", "<b>A & \"B\"</b>")]
    rows = [MatrixRow(7, "Zofia <b>&</b> \"Ż\"", "Gmina <A>", 2, None, date(2026, 3, 29),
                      cells[:8]),
            MatrixRow(12, "Ala", "B&B", 0, None, None, cells[8:16]),
            MatrixRow(7, "Zofia", "Gmina", 8, None, date(1999, 12, 31), cells[:8])]
    matrix = Matrix(modules=[], rows=rows, total_rows=3, required=5, filters=MatrixFilter())
    with app.test_request_context("/"):
        template = app.jinja_env.from_string(cell_template)
        for cell in cells:
            assert cell_html(cell) == template.render(cell=cell)
        assert matrix_rows(matrix) == rows_template.render(matrix=matrix)


def test_kept_matrix_rows_follow_every_value_they_show(app):
    """`matrix_rows` keeps each row per process and language by what it shows: written
    again after each value changes in turn (and back), in both languages and under a URL
    prefix, it is always what the template's loop writes."""
    from dataclasses import replace
    from datetime import date

    from flask_babel import force_locale

    from blueprints.trainer.progress import matrix_rows
    from koalicje.trainer.progress_matrix import Cell, Matrix, MatrixFilter, MatrixRow

    template = app.jinja_env.from_string(_MATRIX_ROWS_LOOP)
    done, started = Cell("completed", 0.5, "ukończony", 50), Cell("in_progress", None, "w toku", None)
    row = MatrixRow(7, "Zofia", "Gmina", 1, None, date(2026, 3, 29), [done, started])
    changes = [{"user_id": 8}, {"name": "Zofia <b>"}, {"coalition": "B&B"},
               {"completed": 2}, {"last_date": date(2026, 3, 30)}, {"last_date": None},
               {"cells": [started, done]}, {"cells": [replace(done, percent=51), started]},
               {"cells": [replace(done, label="<done>"), started]},
               {"cells": [replace(done, status="x"), started]}, {}]
    for prefix in ("", "/intranet"):
        for locale in ("pl", "en"):
            for required in (2, 3):
                for change in changes:
                    matrix = Matrix(modules=[], rows=[replace(row, **change), row],
                                    total_rows=2, required=required, filters=MatrixFilter())
                    with app.test_request_context("/", base_url=f"http://x{prefix}"), \
                            force_locale(locale):
                        assert matrix_rows(matrix) == template.render(matrix=matrix), (
                            prefix, locale, change)
    with app.app_context():
        from koalicje import kept
        assert kept.store("koalicje.trainer.matrix_rows")  # the rows were kept
