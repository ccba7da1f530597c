"""CSV and XLSX files from plain rows (a header and lists of str/int/float/date/None).

CSV is written for Polish Excel and LibreOffice: UTF-8 with a byte-order mark, semicolons,
dates as ISO dates (YYYY-MM-DD). Text that a spreadsheet would read as a formula (starting
with = + - @, or a tab or carriage return) gets a leading apostrophe, in both formats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Value = str | int | float | date | datetime | None


def safe_text(value: str) -> str:
    """Neutralise spreadsheet formula injection: '=1+1' becomes "'=1+1"."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


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
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(header: Sequence[str], rows: Sequence[Sequence[Value]], title: str = "Dane") -> bytes:
    """One sheet, written in openpyxl's write-only mode (rows streamed, not kept as cells)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    header = [safe_text(h) for h in header]
    rows = [[safe_text(v) if isinstance(v, str) else v for v in row] for row in rows]
    widths = [len(str(h)) for h in header]
    for row in rows:
        for index, value in enumerate(row):
            if value is not None:
                length = 10 if isinstance(value, (date, datetime)) else len(str(value))
                if index >= len(widths):
                    widths.append(length)
                elif length > widths[index]:
                    widths[index] = length
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(40, max(8, width + 2))
    sheet.freeze_panes = "B2"
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value: Value):
    if isinstance(value, (date, datetime)):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value
