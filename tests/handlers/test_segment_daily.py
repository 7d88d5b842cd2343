"""The daily segment job against moto: members get their RFM and custom segments through the profile shards,
only changed members are written, the day's sizes and the week-to-week flows are kept, and an erased member
leaves every segment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bench.calls import recorded_calls
from diancan.domain.member_profile import MemberProfile, Period, Tally
from diancan.domain.segments import ACTIVE, HIGH_VALUE, LOST, NEW, SLEEPING
from tests.conftest import FakeContext, handler_of

pytestmark = pytest.mark.handlers
THURSDAY = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)  # 04:00 on Friday 2026-12-04 in Shanghai
TODAY = date(2026, 12, 4)
THRESHOLDS = {"chain": {"new_days": 30, "active_days": 30, "lost_days": 180, "high_visits": 3,
                        "high_spend_fen": 30_000}}
CUSTOM = [{"segment_id": "mala-30", "name": "近30天点过麻辣",
           "all_of": [{"kind": "ordered_dish", "name_contains": "麻辣", "within_days": 30}]}]


def profile(last_days: int, first_days: int, visits: int, spend: int, dishes=None) -> MemberProfile:
    last, first = TODAY - timedelta(days=last_days), TODAY - timedelta(days=first_days)
    return MemberProfile(first_visit=first.isoformat(), last_visit=last.isoformat(), visits=visits, spend_fen=spend,
                         months={last.isoformat()[:7]: Period(visits=visits, spend_fen=spend)},
                         dishes=dishes or {}, stores={"sh-jingan": Tally(n=visits, last=last.isoformat())})


MEMBERS = {
    "openid-new": profile(2, 25, 1, 5000),
    "openid-active": profile(5, 100, 2, 8000, {"d-m": Tally(n=1, last=(TODAY - timedelta(days=5)).isoformat(),
                                                             label="麻辣香锅")}),
    "openid-vip": profile(3, 200, 3, 45_000),
    "openid-sleeping": profile(60, 200, 1, 5000),
    "openid-lost": profile(200, 300, 1, 5000),
}


@pytest.fixture
def members(demo_chain):
    from diancan import bootstrap

    table = bootstrap.member_profile_table()
    for openid, p in MEMBERS.items():
        table.save(openid, p, 0)
    table.put_segment_settings({"thresholds": THRESHOLDS, "custom": CUSTOM}, "2026-12-01T00:00:00.000Z")
    return table


def job(at: datetime):
    from diancan import bootstrap
    from diancan.services.segment_job import SegmentJob

    return SegmentJob(bootstrap.member_profile_table(), clock=lambda: at)


def test_members_get_their_segments_and_the_day_its_sizes(members):
    outcome = job(THURSDAY).run()
    assert outcome["sizes"] == {NEW: 1, ACTIVE: 1, HIGH_VALUE: 1, SLEEPING: 1, LOST: 1}
    assert {s.openid for s in members.members_in(HIGH_VALUE)} == {"openid-vip"}
    assert members.get("openid-active").segments == {"mala-30"}
    [(day, figures)] = members.sizes_between("2026-12-01", "2026-12-31")
    assert day == "2026-12-04" and figures["custom_sizes"] == {"mala-30": 1}
    assert figures["stats"][HIGH_VALUE] == {"spend_fen": 45_000, "visits": 3, "repeaters": 1, "coupon_orders": 0,
                                           "lifetime_visits": 3}
    assert figures["flows"] == {f">{s}": 1 for s in (NEW, ACTIVE, HIGH_VALUE, SLEEPING, LOST)}  # all came in


def test_a_second_run_writes_only_members_whose_segment_changed(members):
    job(THURSDAY).run()
    with recorded_calls() as log:
        again = job(THURSDAY + timedelta(hours=1)).run()
    assert again["written"] == 0 and "UpdateItem" not in log.dynamodb()
    assert log.dynamodb()["Query"] >= 16  # two passes over the 16 profile shards, no Scan
    assert "Scan" not in log.dynamodb()


def test_the_flow_table_goes_from_the_last_weeks_segment_to_this_weeks(members):
    job(THURSDAY).run()
    members.erase("openid-lost", "2026-12-05T00:00:00.000Z")
    next_week = job(THURSDAY + timedelta(days=7)).run()  # everyone a week older: the new one is no longer new
    assert next_week["sizes"].get(NEW, 0) == 0
    [_, (_, figures)] = members.sizes_between("2026-12-01", "2026-12-31")
    assert figures["week"] == "2026-W50"
    assert figures["flows"][f"{NEW}>{ACTIVE}"] == 1
    assert figures["flows"][f"{HIGH_VALUE}>{HIGH_VALUE}"] == 1
    assert figures["flows"].get(f"{LOST}>", 0) == 0  # erased: the week-start segment went with the profile
    assert members.get("openid-lost").segment is None


def test_the_scheduled_function_runs_the_job(members):
    answer = handler_of("segment_daily")({"source": "aws.events"}, FakeContext())
    assert answer["members"] == 5  # today's clock: every profile still has a visit to go by


def test_a_new_week_rewrites_only_members_whose_segment_changed(members):
    job(THURSDAY).run()
    next_week = job(THURSDAY + timedelta(days=7)).run()
    assert next_week["written"] == 1  # the new member became active; the others kept their segments
    week_after = job(THURSDAY + timedelta(days=14)).run()
    assert week_after["written"] == 0
    [*_, (_, figures)] = members.sizes_between("2026-12-01", "2026-12-31")
    assert figures["week"] == "2026-W51" and figures["flows"][f"{ACTIVE}>{ACTIVE}"] == 2  # moved last week, stayed
