"""CSV and XLSX files from plain rows (a header and lists of str/int/float/date/None).

CSV is written for Polish Excel and LibreOffice: UTF-8 with a byte-order mark, semicolons,
dates as ISO dates (YYYY-MM-DD). Text that a spreadsheet would read as a formula (starting
with = + - @, or a tab or carriage return) gets a leading apostrophe, in both formats.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from itertools import chain, zip_longest

from koalicje.web.text import clean_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Value = str | int | float | date | datetime | None


def safe_text(value: str) -> str:
    """Neutralise spreadsheet formula injection: '=1+1' becomes "'=1+1". A str subclass
    (Markup) is taken as its text: Markup would escape the apostrophe added to it."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return str(value)


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Value]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_value(h) for h in header])
    fields = _csv_fields(rows)
    if fields is None:
        writer.writerows(map(_csv_row, rows))
    else:  # each distinct value written once; each line one join in C
        get = fields.__getitem__
        buffer.write("".join([";".join(map(get, row)) + "\r\n" for row in rows]))
    return buffer.getvalue().encode("utf-8-sig")


# the types `_csv_fields` writes itself: no two equal values of them write differently
# (1 == 1.0 == True, and a str subclass equals its text)
_PLAIN = frozenset({str, int, date, type(None)})
_QUOTED = re.compile('[;"\r\n]')  # what the csv module quotes (QUOTE_MINIMAL)


def _csv_fields(rows: Sequence[Sequence[Value]]) -> dict[Value, str] | None:
    """Each distinct value of `rows` as the csv module writes its `_csv_value` (quoted when
    it holds the delimiter, a quote or a line break; quotes doubled): an export of 362
    learners has ~7,000 values and a few hundred distinct ones. None when a value is of
    another type (or cannot be a key), or a row has one field (the csv module writes an
    empty one as "")."""
    if not _PLAIN.issuperset(map(type, chain.from_iterable(rows))):
        return None
    if any(len(row) == 1 for row in rows):
        return None
    fields: dict[Value, str] = {}
    for value in set(chain.from_iterable(rows)):
        text = _csv_value(value)
        fields[value] = '"' + text.replace('"', '""') + '"' if _QUOTED.search(text) else text
    return fields


_AS_IS = (int, float, type(None))  # the csv module writes these as _csv_value would


def _csv_row(row: Sequence[Value]) -> list:
    """`_csv_value` of each value, the common types dispatched by their exact type (an
    export of 362 learners has ~7,000 values, most of them short labels and numbers)."""
    out = []
    for value in row:
        kind = type(value)
        if kind is str:
            out.append("'" + value if value.startswith(FORMULA_STARTS) else value)
        elif kind in _AS_IS:
            out.append(value)
        else:
            out.append(_csv_value(value))
    return out


def to_xlsx(header: Sequence[str], rows: Sequence[Sequence[Value]], title: str = "Dane") -> bytes:
    """One sheet: the header row frozen, columns as wide as their text, dates as real dates
    shown yyyy-mm-dd. Written directly as SpreadsheetML (see `_sheet_xml`)."""
    texts = _Texts()
    sheet = _sheet_xml([header, *rows], texts)
    name = _SHEET_NAME_BAD.sub(" ", title).strip()[:31] or "Dane"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as package:
        for path, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _WORKBOOK.format(name=_xml_attr(name))),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
            ("xl/sharedStrings.xml", texts.xml()),
            ("xl/worksheets/sheet1.xml", sheet),
        ):
            package.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), text,
                             compress_type=zipfile.ZIP_DEFLATED, compresslevel=_LEVEL)
    return buffer.getvalue()


# --- XLSX as plain SpreadsheetML ------------------------------------------------------------
# openpyxl (even write-only) spent ~60 ms of a 362-learner export in its pure-Python XML
# serializer, one element object per cell; XlsxWriter is faster but still formats every
# cell through several method calls and needs a temporary file per sheet for constant
# memory. One sheet of text, numbers and dates is a few fixed parts and one string join per
# row: a few milliseconds. Strings are inline (t="inlineStr"); dates are serial numbers with
# the style 1 (yyyy-mm-dd). The tests read every file back with openpyxl.

_EPOCH = datetime(1899, 12, 30)
# zlib's level. On a 362-learner matrix export (whole file, ms / bytes): 1 2.10 / 20,706;
# 2 2.11 / 18,363; 3 2.22 / 16,572; 4 2.37 / 17,051; 6 3.28 / 14,422. Levels 1-3 use
# zlib's fast matcher: 3 is both faster and smaller than 4 here.
_LEVEL = 3
_SHEET_NAME_BAD = re.compile(r"[\\/?*\[\]:]")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<bookViews><workbookView activeTab="0"/></bookViews>'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    '</Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)


def _xml_text(value: str) -> str:
    """Escaped for XML, without the characters XML cannot carry (clean_text's rule, which
    user text has passed already; names from elsewhere pass it here). A printable text
    (`str.isprintable`: no control character, surrogate or non-character, nothing
    clean_text removes; checked for every code point in the tests) is only escaped: the
    check costs a nanosecond a character, clean_text's pattern fifty."""
    return _escaped(value if value.isprintable() else clean_text(value))


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(value: str) -> str:
    return _xml_text(value).replace('"', "&quot;")


class _Made:
    """A value of a type the sheet does not write by value (a bool, a float, a datetime, a
    date or int subclass, anything else), its cell and width made once (`_made`)."""

    __slots__ = ("cell", "width")

    def __init__(self, cell: str, width: int) -> None:
        self.cell = cell
        self.width = width


def _made(value: Value) -> _Made:
    """The cell (without a reference) and the width of a value `_cells` does not write by
    value: a bool as a boolean, a finite float or an int subclass as a number, a datetime
    or a date subclass as a date (its time kept as the day's fraction), anything else as
    inline text of its `str`."""
    if isinstance(value, bool):
        return _Made(f'<c t="b"><v>{int(value)}</v></c>', len(str(value)))
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return _Made(f"<c><v>{value!r}</v></c>", len(str(value)))
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - _EPOCH
        serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
        return _Made(f'<c s="1"><v>{serial!r}</v></c>', 10)
    if isinstance(value, date):
        return _Made(f'<c s="1"><v>{(value - _EPOCH.date()).days}</v></c>', 10)
    text = str(value)
    return _Made(f'<c t="inlineStr"><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>',
                 len(text))


class _Texts(dict):
    """The shared strings of one sheet: each distinct text neutralised (`safe_text`),
    measured and given its index once (a sheet repeats few distinct strings many times: a
    status label in most cells). Each maps to (its width, its cell without a reference; ""
    for the empty text: no value); `entries` are the neutralised texts in the order of
    their indexes, escaped when the part is written (`xml`)."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[str] = []

    def add(self, value: str) -> tuple[int, str]:
        if not value:
            entry = self[value] = (0, "")
            return entry
        safe = safe_text(value)
        entry = self[value] = (len(safe), f'<c t="s"><v>{len(self.entries)}</v></c>')
        self.entries.append(safe)
        return entry

    def xml(self) -> str:
        """The shared strings part (xl/sharedStrings.xml). The texts are escaped
        (`_xml_text`) joined by a separator that neither cleaning nor escaping changes, as
        one text: each name of a 362-learner export escaped alone cost a millisecond. When
        every text is printable (no separator in them, nothing to clean: `_xml_text`) the
        join is only escaped; when a text holds the separator itself, each is escaped
        alone."""
        count = len(self.entries)
        joined = _SEPARATOR.join(self.entries)
        if all(map(str.isprintable, self.entries)):
            items = _escaped(joined).replace(_SEPARATOR, _BETWEEN)
        elif joined.count(_SEPARATOR) == max(0, count - 1):
            items = _xml_text(joined).replace(_SEPARATOR, _BETWEEN) if count else ""
        else:
            items = _BETWEEN.join(map(_xml_text, self.entries))
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{count}" uniqueCount="{count}">'
            + (f'<si><t xml:space="preserve">{items}</t></si>' if count else "")
            + "</sst>"
        )


# between two shared strings' texts in `_Texts.xml`: a private-use character (kept by
# clean_text and escaping, unlikely in a text; checked), and the markup it becomes
_SEPARATOR = "\ue000"
_BETWEEN = '</t></si><si><t xml:space="preserve">'


def _sheet_xml(rows: Sequence[Sequence[Value]], texts: _Texts | None = None) -> str:
    """The sheet of `rows` (the header first): a column is as wide as its longest text, a
    date 10 characters, a number its digits (within 8..40 with 2 to spare). Texts are
    shared strings, collected in `texts` (a cell holds its index: less to write and to
    deflate than the text inline); a text's or an integer's cell is made once per sheet.
    A cell right after the previous one of its row has no reference (`r` is optional in
    SpreadsheetML: such a cell is the next column; see `_cells`)."""
    if texts is None:
        texts = _Texts()
    cells, widths = _cells(rows, texts)
    while widths and widths[-1] < 0:
        widths.pop()
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane xSplit="1" ySplit="1" topLeftCell="B2" activePane="bottomRight" state="frozen"/>'
        '<selection pane="bottomRight" activeCell="B2" sqref="B2"/>'
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
    ]
    if widths:
        parts.append("<cols>" + "".join(
            f'<col min="{i}" max="{i}" width="{min(40, max(8, w + 2))}" customWidth="1"/>'
            for i, w in enumerate(widths, start=1) if w >= 0) + "</cols>")
    parts.append("<sheetData>")
    parts.append("".join(cells))
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


# the types `_cells` writes by value (exact types: no bool, float, datetime or subclass)
_PLAIN_CELLS = frozenset({str, int, date, type(None)})
_BLANK = "<c/>"  # a cell without a value: what an empty text or None shows


def _cells(rows: Sequence[Sequence[Value]], texts: _Texts) -> tuple[list[str], list[int]]:
    """The `<row>`s and the column widths of `rows`: each distinct value's cell is made
    once, in the order the values first appear (the shared strings' order), and each row
    is one join of its values' cells, none with a reference (each is the next column; an
    empty text or None is an empty `<c/>`, so the next cell keeps its place). A column's
    width is the widest of its distinct values. Text, integers, dates and None (a matrix
    export: nothing else) are written by value; rows with values of other types are first
    copied with each such value in its `_Made` cell (made once per distinct value; a str
    subclass is its text), so that no two values that are equal but written differently
    (1, 1.0 and True; a date and a datetime) share a cell."""
    if not _PLAIN_CELLS.issuperset(map(type, chain.from_iterable(rows))):
        rows = _with_made(rows)
    epoch = _EPOCH.date()
    cell_of: dict[Value | _Made, str] = {None: _BLANK}
    width_of: dict[Value | _Made, int] = {None: -1}
    for value in dict.fromkeys(chain.from_iterable(rows)):
        kind = type(value)
        if kind is str:
            length, cell = texts.get(value) or texts.add(value)
            cell_of[value], width_of[value] = cell or _BLANK, length
        elif kind is int:
            text = repr(value)
            cell_of[value], width_of[value] = f"<c><v>{text}</v></c>", len(text)
        elif kind is date:
            cell_of[value] = f'<c s="1"><v>{(value - epoch).days}</v></c>'
            width_of[value] = 10
        elif kind is _Made:
            cell_of[value], width_of[value] = value.cell, value.width
    get, width = cell_of.__getitem__, width_of.__getitem__
    cells = [f'<row r="{number}">{"".join(map(get, row))}</row>'
             for number, row in enumerate(rows, start=1)]
    # zip_longest fills a short row's missing columns with None (no width)
    widths = [max(map(width, set(column))) for column in zip_longest(*rows)]
    return cells, widths


def _with_made(rows: Sequence[Sequence[Value]]) -> list[list[Value | _Made]]:
    """`rows` with each value of a type `_cells` does not write by value in its `_Made`
    cell (one per distinct type and value), and each str subclass (Markup) as its text."""
    made: dict[tuple[type, Value], _Made] = {}
    out = []
    for row in rows:
        copied: list[Value | _Made] = []
        for value in row:
            kind = type(value)
            if kind in _PLAIN_CELLS:
                copied.append(value)
            elif isinstance(value, str):
                copied.append(str(value))
            else:
                try:
                    cell = made.get((kind, value))
                    if cell is None:
                        cell = made[(kind, value)] = _made(value)
                except TypeError:  # not hashable: its own cell
                    cell = _made(value)
                copied.append(cell)
        out.append(copied)
    return out
