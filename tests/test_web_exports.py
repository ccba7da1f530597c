"""The XLSX writer (koalicje/web/exports.py): every file opens in openpyxl with the same
values, real dates, the frozen header and the column widths."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from koalicje.web import exports


def read(body: bytes):
    return load_workbook(io.BytesIO(body)).active


def test_values_round_trip_through_openpyxl():
    header = ["Osoba", "Koalicja", "Ukończone", "Ostatnio", "Data", "Wynik", "Ułamek", "Tak"]
    rows = [
        ["Zofia Żółć", "Gmina <A> & \"B\"", 3, datetime(2026, 11, 3, 14, 5, 30), date(2014, 2, 7),
         85, 0.25, True],
        ["  spacje  ", None, 0, None, None, None, -1.5, False],
        ["wiele\nlinii\tz tabem", "", 10**12, datetime(1999, 12, 31), date(1900, 3, 1), 0, 1e-7,
         None],
    ]
    sheet = read(exports.to_xlsx(header, rows, title="Postępy"))
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(header)
    assert values[1] == ("Zofia Żółć", "Gmina <A> & \"B\"", 3, datetime(2026, 11, 3, 14, 5, 30),
                         datetime(2014, 2, 7), 85, 0.25, True)
    # an empty text is an empty cell, as openpyxl's own writer made it
    assert values[2] == ("  spacje  ", None, 0, None, None, None, -1.5, False)
    assert values[3] == ("wiele\nlinii\tz tabem", None, 10**12, datetime(1999, 12, 31),
                         datetime(1900, 3, 1), 0, 1e-7, None)
    assert sheet.title == "Postępy"
    assert sheet.freeze_panes == "B2"
    for cell in (sheet["D2"], sheet["E2"], sheet["D4"]):
        assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    assert sheet["A2"].data_type == "s" and sheet["C2"].data_type == "n"


def test_column_widths_follow_the_longest_text_within_limits():
    rows = [["x" * 100, "krótki", date(2020, 1, 1)]]
    sheet = read(exports.to_xlsx(["A", "Nagłówek kolumny", "D"], rows))
    assert sheet.column_dimensions["A"].width == 40  # capped
    assert sheet.column_dimensions["B"].width == len("Nagłówek kolumny") + 2
    assert sheet.column_dimensions["C"].width == 12  # a date is 10 characters


def test_formulas_are_text_and_bad_characters_do_not_break_the_file():
    rows = [["=HYPERLINK(\"http://x\")"], ["+48 123"], ["a\x00b\x1fc\ufffe"], ["@suma"]]
    sheet = read(exports.to_xlsx(["=Nagłówek"], rows))
    values = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert values == ["'=Nagłówek", "'=HYPERLINK(\"http://x\")", "'+48 123", "abc", "'@suma"]
    assert all(c.data_type == "s" for c in sheet["A"])


@pytest.mark.parametrize("title, expected", [("Dane: [A/B]?", "Dane   A B"), ("x" * 40, "x" * 31),
                                             ("", "Dane")])
def test_sheet_names_excel_accepts(title, expected):
    assert read(exports.to_xlsx(["A"], [], title=title)).title == expected.strip()


def test_many_columns_get_two_letter_references():
    header = [f"k{i}" for i in range(30)]
    sheet = read(exports.to_xlsx(header, [list(range(30))]))
    assert sheet["AD1"].value == "k29" and sheet["AD2"].value == 29
    assert sheet.max_column == 30


def test_the_package_is_a_valid_zip_with_fixed_timestamps():
    body = exports.to_xlsx(["A"], [["b"]])
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        assert package.testzip() is None
        assert "xl/worksheets/sheet1.xml" in package.namelist()
    assert exports.to_xlsx(["A"], [["b"]]) == body  # the same rows give the same bytes


def test_text_of_a_str_subclass_is_text_and_rows_may_be_longer_than_the_header():
    from markupsafe import Markup

    rows = [[Markup("=1+1"), 7, True, "x" * 20]]
    sheet = read(exports.to_xlsx(["A"], rows))
    assert list(sheet.iter_rows(values_only=True)) == [("A", None, None, None),
                                                       ("'=1+1", 7, True, "x" * 20)]
    assert sheet["A2"].data_type == "s" and sheet["B2"].data_type == "n"
    assert sheet.column_dimensions["D"].width == 22


def test_a_column_without_values_keeps_the_next_columns_widths_in_place():
    rows = [["x", None, "y" * 20], ["x", None, 12345]]
    sheet = read(exports.to_xlsx(["A"], rows))
    assert sheet.column_dimensions["C"].width == 22
    assert sheet.column_dimensions["B"].width != 22


def test_texts_are_shared_strings_stored_once():
    rows = [["nierozpoczęty", "ukończony"] for _ in range(50)]
    body = exports.to_xlsx(["Stan", "Stan"], rows)
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        strings = package.read("xl/sharedStrings.xml").decode()
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert strings.count("nierozpoczęty") == 1 and strings.count("<si>") == 3
    assert "nierozpoczęty" not in sheet_xml
    values = list(read(body).iter_rows(values_only=True))
    assert values[0] == ("Stan", "Stan") and values[1:] == [("nierozpoczęty", "ukończony")] * 50


def _csv_reference(header, rows) -> bytes:
    """The CSV as every value converted by `_csv_value` one by one would give it."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in [header, *rows]:
        writer.writerow([exports._csv_value(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


@pytest.mark.parametrize("extra", [[], [datetime(2026, 3, 29, 1, 30)], [1.5], [True], [None]])
def test_csv_is_what_each_value_converted_alone_gives(extra):
    from markupsafe import Markup

    rows = [
        ["Zofia; \"Ż\"", "=1+1", "-5", "@x", "\tx", "wiele\nlinii", "a\rb", " spacja ", "",
         None, 0, 1, -7, date(2026, 3, 29), 10**20, '"', "'", "ą,ę", "\u2028", *extra],
        ["=1+1", "nieukończony", 1, date(2026, 3, 29), "2026-03-29", None, "1"],
        ["+48 123", "ukończony", 85, None],
        [],
        [None, None],
        ["", ""],
    ]
    header = ["Osoba", "=Nagłówek"]
    assert exports.to_csv(header, rows) == _csv_reference(header, rows)
    assert exports._csv_fields(rows) is None if extra and extra != [None] \
        else exports._csv_fields(rows) is not None  # the join path is the one tested
    with_markup = [*rows, [Markup("=1+1"), "=1+1"]]  # a str subclass: each value alone
    assert exports.to_csv(header, with_markup) == _csv_reference(header, with_markup)
    for single in ([[""], ["x"]], [[None]], [["a;b"]]):  # a row of one field
        assert exports.to_csv(header, single) == _csv_reference(header, single)


def test_a_formula_in_markup_gets_a_plain_apostrophe():
    from markupsafe import Markup

    assert exports.safe_text(Markup("=1+1")) == "'=1+1"
    assert type(exports.safe_text(Markup("=1+1"))) is str
    body = exports.to_csv(["A", "B"], [[Markup("=1+1"), Markup("a & b")]])
    assert body.decode("utf-8-sig").splitlines()[1] == "'=1+1;a & b"


_PLAIN_ROWS = [
    ["Zofia Żółć", "Gmina <A> & \"B\"", 3, date(2014, 2, 7), "ukończony", 85, "", None],
    ["  spacje  ", None, 0, None, "", None, "nierozpoczęty", None],
    ["wiele\nlinii\tz tabem\r\n", "a\x00b\ufffe", 10**12, date(1900, 3, 1), "=1+1", 0],
    ["z \ue000 w środku", "\ue000", -7, date(2026, 3, 29), "ukończony", 85, "x" * 50, 1],
    [None, None],
    [],
    ["ostatni"],
]


def _cells_and_widths(body: bytes):
    sheet = read(body)
    widths = {key: dim.width for key, dim in sheet.column_dimensions.items() if dim.customWidth}
    cells = [[(cell.value, cell.data_type, cell.number_format) for cell in row]
             for row in sheet.iter_rows()]
    return cells, widths, sheet.max_column


@pytest.mark.parametrize("separator_in_text", [False, True])
def test_plain_rows_give_the_sheet_each_value_written_alone_gives(separator_in_text):
    """Rows of text, integers, dates and None are written a distinct value at a time,
    with no cell references; the same rows with a value of another type among them (a
    float: each such value is given its cell first) open as the same cells, types,
    formats and widths."""
    rows = [row.copy() for row in _PLAIN_ROWS]
    if not separator_in_text:
        rows = [[v.replace("\ue000", "?") if isinstance(v, str) else v for v in row]
                for row in rows]
    header = ["Osoba", "Koalicja", "Ukończone", "Ostatnio", "Stan", "Wynik", "Inny", "Liczba"]
    plain = exports.to_xlsx(header, rows)
    with zipfile.ZipFile(io.BytesIO(plain)) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert ' r="A' not in sheet_xml and ' r="B' not in sheet_xml  # plain: no references
    each = exports.to_xlsx(header, [*rows, [0.5]])
    plain_cells, plain_widths, _ = _cells_and_widths(plain)
    each_cells, each_widths, _ = _cells_and_widths(each)
    assert plain_cells == each_cells[:-1]
    sheet = read(plain)
    for number, row in enumerate([header, *rows], start=1):  # every value in its column
        for column, value in enumerate(row, start=1):
            got = sheet.cell(number, column).value
            if value is None or value == "":
                assert got is None
            elif isinstance(value, date):
                assert got == datetime(value.year, value.month, value.day)
            elif isinstance(value, str):
                expected = exports.safe_text(value).replace("\r\n", "\n")
                assert got == expected.replace("\x00", "").replace("\ufffe", "")
            else:
                assert got == value
    assert plain_widths == each_widths


def test_shared_strings_escaped_together_are_each_escaped_alone():
    texts = exports._Texts()
    values = ["a & b", "<c>", "x\r\ny", "\x01z", "=1", "zwykły", "\ue001"]
    for value in values:
        texts.add(value)
    alone = "".join(f'<si><t xml:space="preserve">{exports._xml_text(exports.safe_text(v))}'
                    f"</t></si>" for v in values)
    assert f'uniqueCount="{len(values)}">{alone}</sst>' in texts.xml()
    texts.add("z \ue000")  # the separator in a text: each escaped alone
    assert texts.xml().count("<si>") == len(values) + 1
    assert "z \ue000</t>" in texts.xml()
    assert exports._Texts().xml().endswith('uniqueCount="0"></sst>')


def test_values_equal_but_written_differently_keep_their_own_cells():
    """1, 1.0 and True are equal keys, and so are a date and a datetime at its midnight,
    a text and the same text as Markup: each is written as its own type (the Markup as its
    text), wherever it comes first, in a row of its own or beside the others."""
    from markupsafe import Markup

    rows = [[1, 1.0, True, date(2026, 1, 1), datetime(2026, 1, 1), "=1", Markup("=1")],
            [True, 1.0, 1, datetime(2026, 1, 1, 12), date(2026, 1, 1), Markup("=1"), "=1"],
            [float("nan"), float("inf"), [1, 2], 2.5, 2.5, False, 0]]
    sheet = read(exports.to_xlsx(["A"], rows))
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert values[0] == (1, 1.0, True, datetime(2026, 1, 1), datetime(2026, 1, 1), "'=1", "'=1")
    assert [type(v) for v in values[0][:3]] == [int, float, bool]
    assert values[1] == (True, 1.0, 1, datetime(2026, 1, 1, 12), datetime(2026, 1, 1), "'=1",
                         "'=1")
    assert [type(v) for v in values[1][:3]] == [bool, float, int]
    assert values[2] == ("nan", "inf", "[1, 2]", 2.5, 2.5, False, 0)
    assert sheet["F2"].data_type == "s" and sheet["E3"].is_date


def test_a_printable_text_has_nothing_clean_text_removes():
    """`_xml_text` only escapes a printable text: no code point that clean_text removes is
    printable, and a text of both kinds is cleaned alike either way."""
    from koalicje.web.text import _UNWANTED, clean_text

    assert not [c for c in map(chr, range(0x110000)) if c.isprintable() and _UNWANTED.match(c)]
    for text in ("Zofia Żółć & <b>", "a\x00b", "x\r\ny\tz", "\ufffe", "\ue000", ""):
        assert exports._xml_text(text) == (clean_text(text).replace("&", "&amp;")
                                           .replace("<", "&lt;").replace(">", "&gt;"))
