"""The members page's segments: sizes over time, the flow table, each segment's spend share, repeat rate and
coupon response; a segment's member list by member code (never an openid) and its CSV/XLSX export with
neutralised cells; the owner's thresholds and custom segments validated before they are saved."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from diancan.domain.member_profile import MemberProfile, Period, Tally
from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers
EVIL = "=HYPERLINK(\"http://x\")"


@pytest.fixture
def segmented(console):
    """Three members profiled and segmented by the job today (one a high spender, one whose favourite dish
    name would be a formula in a spreadsheet)."""
    from diancan import bootstrap
    from diancan.services.segment_job import SegmentJob

    today = console.stats.today()
    day = (today - timedelta(days=2)).isoformat()
    table = bootstrap.member_profile_table()
    for openid, visits, spend, coupons, dish in (("openid-a", 5, 90_000, 2, "宫保鸡丁"), ("openid-b", 1, 3000, 0, EVIL),
                                                  ("openid-c", 2, 6000, 1, "米饭")):
        table.save(openid, MemberProfile(first_visit="2025-01-01", last_visit=day, visits=visits, spend_fen=spend,
                                         coupon_orders=coupons, months={day[:7]: Period(visits=visits, spend_fen=spend)},
                                         dishes={"d-x": Tally(n=1, last=day, label=dish)}), 0)
    table.put_segment_settings({"thresholds": {"chain": {"high_visits": 3, "high_spend_fen": 50_000,
                                                         "active_days": 30, "lost_days": 180}}},
                               "2026-12-01T00:00:00.000Z")
    SegmentJob(table).run()
    return table


def test_the_overview_shows_sizes_shares_repeat_rate_and_coupon_response(make_app, segmented):
    client = make_app().test_client()
    login(client, "boss")
    overview = client.get("/api/segments", base_url=BASE).get_json()
    by_id = {s["segment_id"]: s for s in overview["segments"]}
    assert overview["members"] == 3
    assert (by_id["high_value"]["members"], by_id["active"]["members"]) == (1, 2)
    assert by_id["high_value"]["spend_share_percent"] == 90_000 * 100 // 99_000 == 90
    assert by_id["active"]["repeat_rate_percent"] == 50  # one of the two came twice
    assert by_id["active"]["coupon_response_percent"] == 33  # 1 coupon order of 3 visits
    assert overview["series"][-1]["high_value"] == 1
    assert {r["from"]: r["to"] for r in overview["flows"]["rows"]}["新进"]["活跃"] == 2
    page = client.get("/segments", base_url=BASE).get_data(as_text=True)
    assert "高价值" in page and "本周流向" in page


def test_a_segments_list_and_its_exports_use_member_codes_and_neutralise_cells(make_app, segmented):
    from openpyxl import load_workbook

    from diancan.domain.membership import member_code

    client = make_app().test_client()
    login(client, "boss")
    listing = client.get("/api/segments/active", base_url=BASE).get_json()
    assert [m["member"] for m in listing["members"]] == [member_code("openid-c"), member_code("openid-b")]
    csv = client.get("/segments/active?format=csv", base_url=BASE)
    text = csv.get_data(as_text=True)
    assert csv.mimetype == "text/csv" and member_code("openid-b") in text
    assert "openid-" not in text and '"\'=HYPERLINK' in text  # a formula became text
    xlsx = client.get("/segments/active?format=xlsx", base_url=BASE)
    cells = [c.value for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows() for c in row]
    assert f"'{EVIL}" in cells and not any(str(c).startswith("openid-") for c in cells)
    html = client.get("/segments/active", base_url=BASE).get_data(as_text=True)
    assert member_code("openid-c") in html and "openid-" not in html
    assert client.get("/api/segments/vip", base_url=BASE).status_code == 404
    assert client.get("/segments/active?format=pdf", base_url=BASE).status_code == 400


def test_segment_settings_are_validated_and_saved(make_app, segmented):
    client = make_app().test_client()
    csrf = login(client, "boss")
    bad = client.post("/api/segments/settings", json={"custom": [{"segment_id": "x", "name": "x", "all_of": [
        {"kind": "measure", "field": "openid", "op": ">=", "value": 1}]}]}, headers={"X-CSRF-Token": csrf},
        base_url=BASE)
    assert bad.status_code == 400 and bad.get_json()["code"] == "INVALID_SEGMENTS"
    assert segmented.segment_settings()["thresholds"]["chain"]["high_visits"] == 3  # nothing written
    lunch = {"segment_id": "jingan-lunch", "name": "静安午餐常客",
             "all_of": [{"kind": "regular_at", "store_id": "sh-jingan", "daypart": "lunch", "min_visits": 3}]}
    good = client.post("/api/segments/settings", json={"thresholds": {"stores": {"sh-jingan": {"active_days": 14}}},
                                                       "custom": [lunch]}, headers={"X-CSRF-Token": csrf},
                      base_url=BASE)
    assert good.status_code == 200
    assert segmented.segment_settings() == {"thresholds": {"chain": {}, "stores": {"sh-jingan": {"active_days": 14}}},
                                            "custom": [lunch]}


def test_an_owner_sends_a_campaign_to_a_segment_and_reads_its_report(make_app, console, segmented):
    from local.demo_offers import load

    load()
    client = make_app().test_client()
    csrf = login(client, "boss")
    bad = client.post("/api/segments/campaigns", json={"campaign_id": "x", "template_id": "tpl-lunch",
                                                        "segment_id": "active", "control_percent": 90},
                      headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert bad.status_code == 400 and bad.get_json()["code"] == "INVALID_CAMPAIGN"
    sent = client.post("/api/segments/campaigns", json={"campaign_id": "back", "template_id": "tpl-lunch",
                                                         "segment_id": "active", "control_percent": 0},
                       headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert sent.status_code == 200 and (sent.get_json()["targeted"], sent.get_json()["issued"]) == (2, 2)
    assert "segments.campaign" in {e.action for e in console.audit.recent(None)}
    report = client.get("/api/segments/campaigns/back", base_url=BASE).get_json()
    assert report["targeted"]["members"] == 2 and report["control"]["members"] == 0
    assert client.get("/api/segments/campaigns/none", base_url=BASE).status_code == 404


def test_a_saved_custom_segment_has_a_member_list_exports_and_campaigns(make_app, console, segmented):
    """Saved in the console, matched by the nightly job, listed by member code (a Query of the segment's list
    and the profiles' BatchGetItem, no Scan), exported, targeted by a campaign; an erased member leaves it."""
    from bench.calls import recorded_calls
    from diancan.domain.membership import member_code
    from diancan.services.segment_job import SegmentJob
    from local.demo_offers import load

    client = make_app().test_client()
    csrf = login(client, "boss")
    regulars = {"segment_id": "twice", "name": "来过两次以上",
                "all_of": [{"kind": "measure", "field": "visits", "op": ">=", "value": 2}]}
    saved = client.post("/api/segments/settings", json={"custom": [regulars]}, headers={"X-CSRF-Token": csrf},
                        base_url=BASE)
    assert saved.status_code == 200
    SegmentJob(segmented).run()  # today's run was done with other settings: the day starts over
    overview = client.get("/api/segments", base_url=BASE).get_json()
    assert overview["custom"] == [{"segment_id": "custom:twice", "name": "来过两次以上", "members": 2}]
    assert "/segments/custom:twice" in client.get("/segments", base_url=BASE).get_data(as_text=True)
    with recorded_calls() as log:
        listing = client.get("/api/segments/custom:twice", base_url=BASE).get_json()
    assert listing["name"] == "来过两次以上" and listing["not_listed"] == 0
    assert [m["member"] for m in listing["members"]] == [member_code("openid-a"), member_code("openid-c")]
    assert log.dynamodb().get("Query") == 1 and "Scan" not in log.dynamodb()
    csv = client.get("/segments/custom:twice?format=csv", base_url=BASE)
    assert csv.status_code == 200 and member_code("openid-c") in csv.get_data(as_text=True)
    assert "openid-" not in csv.get_data(as_text=True)
    assert member_code("openid-a") in client.get("/segments/custom:twice", base_url=BASE).get_data(as_text=True)
    assert client.get("/api/segments/custom:nope", base_url=BASE).status_code == 404
    load()
    sent = client.post("/api/segments/campaigns", json={"campaign_id": "twice-back", "template_id": "tpl-lunch",
                                                         "segment_id": "custom:twice", "control_percent": 0},
                       headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert sent.status_code == 200 and sent.get_json()["targeted"] == 2
    segmented.erase("openid-c", "2026-12-05T00:00:00.000Z")
    from diancan.adapters import keys
    from diancan.adapters.records import CustomSegmentMemberRecord

    assert CustomSegmentMemberRecord.count(keys.custom_segment("twice")) == 1  # the erased member's item is gone
    after = client.get("/api/segments/custom:twice", base_url=BASE).get_json()
    assert [m["member"] for m in after["members"]] == [member_code("openid-a")]
