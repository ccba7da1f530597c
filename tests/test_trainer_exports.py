"""Exports of the matrix: CSV for Polish Excel/LibreOffice and XLSX, equal to the page."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import add_member, assign, make_coalition, make_user
from factories import make_module
from openpyxl import load_workbook
from test_trainer_matrix import rows, world  # noqa: F401  (fixture)

from koalicje.web import exports
from models import Membership, db, utcnow


def as_export(table_rows):
    """The page's rows in the export's shape: cells split into status and score columns."""
    out = []
    for name, coalition, completed, last, cells in table_rows:
        row = [name, coalition, str(completed), "" if last == "—" else last]
        for status, score in cells:
            row += [status, "" if score is None else score.rstrip("%")]
        out.append(row)
    return out


@pytest.mark.parametrize("query", ["", "status=completed", "voivodeship=lubelskie&sort=last",
                                   "q=łuk", "sort=m-modul-1&dir=desc"])
def test_csv_equals_the_matrix_for_the_same_filter(client, auth, world, query):  # noqa: F811
    auth.as_user(world["trainer"])
    shown = as_export(rows(client.get(f"/trainer/matrix?{query}")))
    response = client.get(f"/trainer/matrix.csv?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # declared once
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    text = body.decode("utf-8-sig")
    assert "\r\n" in text
    parsed = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, data = parsed[0], parsed[1:]
    assert header[:4] == ["Osoba", "Koalicja", "Ukończone moduły", "Ostatnia aktywność"]
    assert header[4:6] == ["1. Moduł 1", "1. Moduł 1 — wynik (%)"]
    assert data == shown


def test_csv_dates_are_iso_and_polish_letters_survive(client, auth, world):  # noqa: F811
    auth.as_user(world["trainer"])
    text = client.get("/trainer/matrix.csv?q=Łukasz").data.decode("utf-8")
    assert "Łukasz Zieliński;Alfa;0;;Nierozpoczęty" in text
    text = client.get("/trainer/matrix.csv?q=Anna").data.decode("utf-8-sig")
    last = text.splitlines()[1].split(";")[3]
    assert date.fromisoformat(last)


def test_formula_injection_is_neutralised(client, auth, world):  # noqa: F811
    db.connect(reuse_if_open=True)
    for name in ("=HYPERLINK(\"http://x\")", "+48 123", "-minus", "@suma"):
        add_member(make_user(name=name), world["a"])
    db.close()
    auth.as_user(world["trainer"])
    text = client.get("/trainer/matrix.csv").data.decode("utf-8-sig")
    names = [row[0] for row in csv.reader(io.StringIO(text), delimiter=";")][1:]
    for bad in ("=HYPERLINK", "+48", "-minus", "@suma"):
        assert any(n.startswith("'" + bad) for n in names), names
        assert not any(n.startswith(bad) for n in names)
    sheet = load_workbook(io.BytesIO(client.get("/trainer/matrix.xlsx").data)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)
    assert "'=HYPERLINK(\"http://x\")" in [c.value for c in cells]


@pytest.mark.parametrize("query", ["", "coalition=a&sort=completed&dir=desc"])
def test_xlsx_equals_the_matrix_with_real_dates(client, auth, world, query):  # noqa: F811
    auth.as_user(world["trainer"])
    shown = rows(client.get(f"/trainer/matrix?{query}"))
    response = client.get(f"/trainer/matrix.xlsx?{query}")
    assert response.mimetype == exports.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:2] == ("Osoba", "Koalicja")
    data = values[1:]
    assert len(data) == len(shown)
    for got, (name, coalition, completed, last, cells) in zip(data, shown, strict=True):
        assert list(got[:3]) == [name, coalition, completed]
        if last == "—":
            assert got[3] is None
        else:
            assert isinstance(got[3], datetime) and got[3].date().isoformat() == last
        expected_cells = []
        for status, score in cells:
            expected_cells += [status, None if score is None else int(score.rstrip("%"))]
        assert list(got[4:]) == expected_cells
    date_cell = next(c for c in sheet["D"][1:] if c.value is not None)
    assert date_cell.is_date and date_cell.number_format == "yyyy-mm-dd"


def test_to_csv_unit():
    body = exports.to_csv(["Gmina", "Data"], [["Żółkiewka", date(2014, 2, 7)], ["=1+1", None]])
    assert body == "\ufeffGmina;Data\r\nŻółkiewka;2014-02-07\r\n'=1+1;\r\n".encode()


def test_csv_rows_are_written_as_each_value_alone_would_be():
    values = ["", "tekst", "=1+1", "-5", "@x", "\tx", 0, 7, -3, True, False, 1.5, 0.1, None,
              date(2014, 2, 7), datetime(2014, 2, 7, 23, 30), Decimal("2.50")]
    expected = ";".join(exports._csv_value(value) for value in values)
    assert exports.to_csv([], [values]).decode("utf-8-sig") == "\r\n" + expected + "\r\n"



GUARD_STARTS = {"equals": "=", "plus": "+", "minus": "-", "at": "@", "tab": "\t",
                "carriage-return": "\r"}


@pytest.fixture
def guarded_names(app):
    """One learner per guard character, each also needing a nudge (joined 60 days ago, idle)."""
    db.connect(reuse_if_open=True)
    trainer = make_user(role="trainer")
    coalition = make_coalition(name="Koalicja Strażnika")
    assign(trainer, coalition)
    make_module(1, quiz=True)
    names = {}
    for start in GUARD_STARTS.values():
        person = make_user(name=f"{start}SUMA(A1:A9)")
        add_member(person, coalition)
        Membership.update(joined_at=utcnow() - timedelta(days=60)).where(
            Membership.user == person).execute()
        names[start] = person.name
    db.close()
    return trainer, names


def first_column(response) -> list[str]:
    if response.mimetype == "text/csv":
        text = response.data.decode("utf-8-sig")
        return [row[0] for row in csv.reader(io.StringIO(text, newline=""), delimiter=";")][1:]
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [row[0].value for row in sheet.iter_rows(min_row=2)]


@pytest.mark.parametrize("start", GUARD_STARTS.values(), ids=GUARD_STARTS.keys())
@pytest.mark.parametrize("url", ["/trainer/matrix.csv", "/trainer/matrix.xlsx",
                                 "/trainer/nudges.csv", "/trainer/nudges.xlsx"])
def test_every_guard_character_is_neutralised_in_every_export(client, auth, guarded_names,
                                                              url, start):
    trainer, names = guarded_names
    auth.as_user(trainer)
    response = client.get(url)
    assert response.status_code == 200
    cells = first_column(response)
    assert len(cells) == len(names)
    expected = "'" + names[start]
    if url.endswith(".xlsx"):
        # Reading XML turns a bare carriage return into a line feed; the apostrophe stays.
        expected = expected.replace("\r", "\n")
    assert expected in cells, cells


# Between them, these zones are on another calendar day than UTC at any hour of the day.
FAR_ZONES = ["Pacific/Kiritimati", "Pacific/Pago_Pago"]


@pytest.mark.parametrize("zone", FAR_ZONES)
def test_export_file_name_uses_the_configured_time_zone(app, client, auth, world, zone):  # noqa: F811
    from zoneinfo import ZoneInfo

    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    auth.as_user(world["trainer"])
    response = client.get("/trainer/matrix.csv")
    today = datetime.now(ZoneInfo(zone)).date().isoformat()
    assert f"-{today}.csv" in response.headers["Content-Disposition"]
