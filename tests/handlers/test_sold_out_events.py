"""Stock's sold-out and back-in-stock changes are logged once each, by store and Shanghai business day, and the
report's operations section reads them without a scan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

pytestmark = pytest.mark.handlers

STORE = "sh-jingan"


class Clock:
    def __init__(self, at: str) -> None:
        self.now = datetime.fromisoformat(at).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def stocked(demo_chain):
    from local import demo_stock

    demo_stock.load()
    return demo_chain


def stock_service(clock: Clock):
    from diancan import bootstrap
    from diancan.adapters.sold_out_log import SoldOutLog
    from diancan.services.stock import StockService

    return StockService(bootstrap.repository(), bootstrap.stock_table(), bootstrap.menu_table(), bootstrap.alerts(),
                        sold_out_log=SoldOutLog("Asia/Shanghai"), clock=clock)


def test_a_change_is_logged_once_and_a_repeat_writes_nothing(demo_chain):
    from diancan import bootstrap
    from diancan.adapters.sold_out_log import SoldOutLog

    log = SoldOutLog("Asia/Shanghai")
    assert log.mark(STORE, "d-mapo", "麻婆豆腐", True, "2026-11-24T15:59:00.000Z") is True
    assert log.mark(STORE, "d-mapo", "麻婆豆腐", True, "2026-11-24T15:59:01.000Z") is False  # already sold out
    assert log.mark(STORE, "d-mapo", "麻婆豆腐", False, "2026-11-24T16:30:00.000Z") is True  # 11-25 00:30 local
    assert log.mark(STORE, "d-gone", "下架菜", True, "2026-11-24T10:00:00.000Z") is False  # no such dish

    assert [(e.dish_id, e.sold_out) for e in log.of_day(STORE, date(2026, 11, 24))] == [("d-mapo", True)]
    assert [(e.dish_id, e.sold_out) for e in log.of_day(STORE, date(2026, 11, 25))] == [("d-mapo", False)]
    assert not next(d for d in bootstrap.repository().load_menu(STORE).dishes if d.dish_id == "d-mapo").sold_out


def test_a_stock_take_to_zero_and_a_restock_reach_the_reports_operations(stocked):
    from diancan import bootstrap
    from diancan.adapters.report_sources import ReportSources
    from diancan.domain.reports import ReportBook

    clock = Clock("2026-11-24T12:00:00+08:00")
    service = stock_service(clock)
    service.stock_take(STORE, "pork", 0, by="staff:s1")
    service.stock_take(STORE, "pork", 0, by="staff:s1")  # nothing new to flag
    clock.now = datetime.fromisoformat("2026-11-24T17:00:00+08:00").astimezone(UTC)
    service.restock(STORE, "pork", 10_000, by="staff:s1")

    sources = ReportSources(bootstrap.repository(), bootstrap.payment_table(), bootstrap.stock_table(), "Asia/Shanghai")
    book = ReportBook(STORE, date(2026, 11, 24), date(2026, 11, 24))
    for incident in sources.incidents(STORE, book.start, book.end):
        book.add_incident(incident)
    operations = book.operations()

    pork_dishes = {d.name for d in bootstrap.repository().load_menu(STORE).dishes if "pork" in d.recipe}
    assert operations["sold_out_by_subject"] == {name: 1 for name in pork_dishes} and pork_dishes
    assert operations["sold_out_events"] == operations["back_in_stock_events"] == len(pork_dishes)
    assert list(sources.incidents(STORE, date(2026, 11, 25), date(2026, 11, 25))) == []
