"""Every CSV and Excel file the product writes is written here, so that text people typed (dish and store
names, refund reasons, coupon labels, review words, remarks, an outside bill's fields) can never become a live
formula in the spreadsheet of whoever opens the file.

The rule (OWASP "CSV Injection", ASVS 1.2.10) is in ``safe_cell``: a text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab, CR, LF or NUL (also after leading spaces, and the full-width ``＝＋－＠`` a Chinese input
method types) gets a leading single quote, which spreadsheets read as "this is text". Numbers stay numbers
(a refund of ``-500`` fen is an int, written as a number). CSV text cells are always double-quoted, so a
separator inside a value cannot start a new cell even where Excel splits on ``;``. In the workbook every text
cell is written with the string type, never as a formula. openpyxl is imported only when a workbook is made
(report_build's layer), so the other functions never load it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    """The value a spreadsheet cell may hold: numbers and booleans as they are, None as empty, lists and dicts
    as JSON, and text that a spreadsheet would run as a formula behind a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float)):
        return value
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict, tuple)) else str(value)
    return "'" + text if text.lstrip(" ").startswith(FORMULA_STARTS) else text


def csv_text(rows: list[dict]) -> str:
    """Rows (dicts with the first row's keys as the header) as CSV with a BOM, so Excel reads UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    header = list(rows[0]) if rows else []
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(row.get(name)) for name in header] for row in rows)
    return "\ufeff" + out.getvalue()


def xlsx_bytes(tables: Mapping[str, list[dict]]) -> bytes:
    """One sheet per table (name cut to Excel's 31 characters), header row first."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for name, rows in tables.items():
        sheet = book.create_sheet(name[:31])
        header = list(rows[0]) if rows else []

        def cells(values: list, sheet=sheet) -> list:
            out = []
            for value in map(safe_cell, values):
                if isinstance(value, str):
                    value = WriteOnlyCell(sheet, value)
                    value.data_type = "s"  # text, never a formula, whatever it starts with
                out.append(value)
            return out

        if rows:
            sheet.append(cells(header))
            for row in rows:
                sheet.append(cells([row.get(k) for k in header]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
