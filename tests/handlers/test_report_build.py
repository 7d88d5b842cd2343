"""report_build answers the daily schedule: every store's and the chain's report in S3, indexed, listed with
presigned links, reconciled against the WeChat Pay simulator's trade bill."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.conftest import FakeContext, handler_of, load_event

pytestmark = pytest.mark.handlers

DAY = date(2026, 11, 24)  # the schedule sample fires at 2026-11-25 02:30 Shanghai


@pytest.fixture
def history(live, monkeypatch):
    from diancan import bootstrap
    from local.demo_history import generate, write

    monkeypatch.setenv("DIANCAN_REPORTS_BUCKET", live.resources.bucket_name)  # the stack's physical name
    bootstrap.reset()

    for batch in generate(days=3, end=DAY, seed=3, scale=0.15):
        write(batch)
    return live


def _json(resources, key: str) -> dict:
    from diancan import bootstrap
    from diancan.adapters.aws import client

    body = client("s3", bootstrap.settings().region).get_object(Bucket=bootstrap.settings().reports_bucket, Key=key)
    return json.loads(body["Body"].read())


def test_the_daily_schedule_writes_every_store_and_the_chain_and_lists_them(history):
    from diancan import bootstrap

    answer = handler_of("report_build")(load_event("report_build/schedule"), FakeContext())

    assert answer["date"] == DAY.isoformat() and answer["period"] == "day"
    assert {r["scope"] for r in answer["reports"]} == {"sh-jingan", "sh-xuhui", "chain"}
    chain = _json(history.resources, "reports/chain/day/2026-11-24/report.json")
    stores = [_json(history.resources, f"reports/{sid}/day/2026-11-24/report.json") for sid in ("sh-jingan", "sh-xuhui")]
    assert chain["sales"]["orders"] == sum(s["sales"]["orders"] for s in stores) > 0
    assert chain["sales"]["net_fen"] == sum(s["sales"]["net_fen"] for s in stores)
    recon = chain["reconciliation"]
    assert recon["bill_available"] is True  # the simulator never saw the generated payments: every one is missing
    assert recon["vouchers"]["payments"] > 0 and recon["bill"]["payments"] == 0
    assert {m["problem"] for m in recon["mismatches"]} == {"missing_in_bill"}
    assert all(c["intact"] for c in recon["chains"].values())
    links = bootstrap.reports().list_reports("chain")
    assert links[0].start == "2026-11-24" and "Signature=" in links[0].url
    assert {"report.html", "report.json", "report.xlsx", "dishes.csv"} <= set(links[0].files)


def test_an_on_demand_week_of_one_store_writes_only_that_store(history):
    answer = handler_of("report_build")(load_event("report_build/on_demand_week"), FakeContext())

    assert [r["scope"] for r in answer["reports"]] == ["sh-jingan"]
    week = _json(history.resources, "reports/sh-jingan/week/2026-11-16/report.json")
    assert (week["start"], week["end"]) == ("2026-11-16", "2026-11-22")
    assert week["sales"]["orders"] > 0  # 2026-11-22 is in the generated history
    feedback = week["feedback"]  # the generated reviews, read through the reviews area's items
    assert feedback["positive_reviews"] > 0 and feedback["ratings"]
    assert {"口感", "环境"} <= {k["word"] for k in feedback["positive_keywords"]}


def test_the_local_stacks_history_comes_with_yesterdays_reports(live, monkeypatch):
    from diancan import bootstrap
    from diancan.domain.clock import utcnow, zone
    from local.demo_history import load_local

    monkeypatch.setenv("DIANCAN_REPORTS_BUCKET", live.resources.bucket_name)
    bootstrap.reset()

    counts = load_local()

    yesterday = (utcnow().astimezone(zone()).date() - timedelta(days=1)).isoformat()
    assert counts["reports"] == 3  # two stores and the chain
    links = bootstrap.reports().list_reports("chain")
    assert [(link.period, link.start) for link in links] == [("day", yesterday)]
    chain = _json(live.resources, f"reports/chain/day/{yesterday}/report.json")
    assert 10 < chain["sales"]["orders"] < 60  # small: 15 % of the busy chain's day
