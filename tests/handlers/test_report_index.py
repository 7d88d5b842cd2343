"""The console's report list gives each period kind its share: the newest days, weeks and months, not the
first entries of the index partition in sort-key order (which would be all the weeks, then the months)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.handlers

END = date(2026, 11, 30)  # a Monday and a month's last day: built are the days to it, weeks to the 29th


class PresignedByKey:
    def presigned_url(self, key: str) -> str:
        return f"https://signed.example/{key}"


@pytest.fixture
def index(aws):
    from diancan.adapters.report_index import ReportIndex
    from diancan.services.reports import period_range

    index = ReportIndex()
    for period, firsts in (("day", [END - timedelta(days=n) for n in range(45)]),
                           ("week", [period_range("week", END)[0] - timedelta(weeks=n + 1) for n in range(20)]),
                           ("month", [date(2026, m, 1) for m in range(1, 12)])):
        for first in firsts:
            start, end = period_range(period, first)
            index.put("sh-jingan", period, start, {"period": period, "start": start.isoformat(),
                                                   "end": end.isoformat(), "title": f"{period} {start}",
                                                   "files": {"report.html": f"reports/sh-jingan/{period}/{start}/report.html"}},
                      "2026-12-01T00:00:00Z")
    return index


def service(index):
    from diancan.services.reports import ReportService

    return ReportService(None, index, PresignedByKey(), lambda day: "", render=None)


def test_the_list_holds_the_newest_days_weeks_and_months_each_newest_end_first(index):
    links = service(index).list_reports("sh-jingan", {"day": 7, "week": 4, "month": 3})
    default = service(index).list_reports("sh-jingan")

    by_kind = {p: [link.start for link in links if link.period == p] for p in ("day", "week", "month")}
    assert by_kind["day"] == [(END - timedelta(days=n)).isoformat() for n in range(7)]
    assert by_kind["week"] == ["2026-11-23", "2026-11-16", "2026-11-09", "2026-11-02"]
    assert by_kind["month"] == ["2026-11-01", "2026-10-01", "2026-09-01"]
    ends = [link.end for link in links]
    assert ends == sorted(ends, reverse=True)
    assert [(link.period, link.end) for link in links[:3]] == [  # a period before the day it ends on
        ("month", "2026-11-30"), ("day", "2026-11-30"), ("week", "2026-11-29")]
    assert links[0].url == "https://signed.example/reports/sh-jingan/month/2026-11-01/report.html"
    assert [sum(link.period == p for link in default) for p in ("day", "week", "month")] == [31, 13, 11]
