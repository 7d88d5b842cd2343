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
        again = job(THURSDAY + timedelta(days=1)).run()
    assert again["done"] and again["written"] == 0 and "UpdateItem" not in log.dynamodb()
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


class LongContext(FakeContext):
    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 900_000


def test_the_scheduled_function_runs_the_job(members):
    answer = handler_of("segment_daily")({"source": "aws.events"}, LongContext())
    assert answer["members"] == 5 and answer["done"]  # today's clock: every profile still has a visit to go by
    again = handler_of("segment_daily")({"source": "aws.events"}, LongContext())  # 04:15: the day is done
    assert again["done"] and again["members"] == 5


class PagedBook:
    """Just enough of a ProfileBook for the budget: ``pages`` empty pages, the progress kept in memory."""

    def __init__(self, pages: int) -> None:
        self.pages, self.pages_read, self.state, self.version = pages, 0, {}, 0

    def run_state(self, day):
        return self.state, self.version

    def save_run_state(self, day, doc, version):
        self.state, self.version = doc, version + 1
        return self.version

    def segment_settings(self):
        return {}

    def all_profiles(self):
        return iter(())

    def profile_page(self, cursor, page_size):
        self.pages_read += 1
        return [], (str(self.pages_read) if self.pages_read < self.pages else None)


class ShortContext(FakeContext):
    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 5_000


def test_the_scheduled_function_stops_in_time_with_the_lambdas_budget(members):
    answer = handler_of("segment_daily")({"source": "aws.events"}, ShortContext())  # 5 s left: under the margin
    assert answer["done"] is False and answer["written"] == 0


def test_a_run_keeps_twice_its_slowest_page_in_hand():
    """Pages that took 30 s of the budget: the run stops with 59 s left rather than start one more."""
    from diancan.services.segment_job import SegmentJob

    book = PagedBook(pages=10)
    left = iter([200.0, 170.0, 140.0, 110.0, 80.0, 59.0])
    outcome = SegmentJob(book, clock=lambda: THURSDAY).run(seconds_left=lambda: next(left))
    assert outcome["done"] is False and book.pages_read == 5


def paged_job(at: datetime):
    from diancan import bootstrap
    from diancan.services.segment_job import SegmentJob

    return SegmentJob(bootstrap.member_profile_table(), clock=lambda: at, page_size=1)


def budget_of(pages: int):
    """A budget that lasts ``pages`` page checks, then says the time is up (no real timing)."""
    left = iter([1000.0] * pages)
    return lambda: next(left, 0.0)


def test_a_run_cut_short_resumes_and_ends_as_one_uninterrupted_run(members):
    from diancan import bootstrap

    first = paged_job(THURSDAY).run(seconds_left=budget_of(3))
    assert first["done"] is False and first["written"] < 5
    assert members.sizes_between("2026-12-01", "2026-12-31") == []  # no figures before the run is done
    runs = 1
    while True:
        runs += 1
        outcome = paged_job(THURSDAY + timedelta(minutes=15 * runs)).run(seconds_left=budget_of(3))
        if outcome["done"]:
            break
        assert runs < 40
    assert runs > 3 and outcome["written"] == 5
    [(_, resumed)] = members.sizes_between("2026-12-01", "2026-12-31")
    resumed_segments = {o: (members.get(o).segment, members.get(o).segments) for o in MEMBERS}

    # the same members and settings in one uninterrupted run on a fresh day item
    table = bootstrap.member_profile_table()
    for openid in MEMBERS:
        table.set_segments(openid, None, frozenset(), "2026-W40", "")
    from diancan.adapters import keys
    from diancan.adapters.records import SegmentRunRecord, SegmentSizesRecord

    SegmentRunRecord(*keys.segment_run("2026-12-04")).delete()
    SegmentSizesRecord(*keys.segment_sizes("2026-12-04")).delete()
    whole = job(THURSDAY).run()
    assert whole["done"] and whole["written"] == 5
    [(_, uninterrupted)] = members.sizes_between("2026-12-01", "2026-12-31")
    assert resumed == uninterrupted
    assert resumed_segments == {o: (members.get(o).segment, members.get(o).segments) for o in MEMBERS}


def test_a_page_done_twice_after_a_hard_kill_counts_once(members):
    """A kill between a member's write and the page's saved cursor: the next run does the page again."""
    from diancan import bootstrap

    table = bootstrap.member_profile_table()
    job(THURSDAY).run()
    [(_, whole)] = members.sizes_between("2026-12-01", "2026-12-31")
    state, version = table.run_state("2026-12-04")
    table.save_run_state("2026-12-04", state | {"done": False, "cursor": "", "figures": {
        "members": 0, "written": 0, "sizes": {}, "custom_sizes": {}, "flows": {}, "stats": {}}}, version)
    again = job(THURSDAY + timedelta(minutes=15)).run()
    assert again["done"] and again["written"] == 0  # every member already carries today's segments
    [(_, redone)] = members.sizes_between("2026-12-01", "2026-12-31")
    assert redone | {"written": 5} == whole  # the same figures; the writes were the killed run's


def test_a_second_invocation_while_one_holds_the_day_stops(members):
    from diancan import bootstrap
    from diancan.domain.exceptions import ConditionFailed

    table = bootstrap.member_profile_table()
    paged_job(THURSDAY).run(seconds_left=budget_of(1))
    state, version = table.run_state("2026-12-04")
    table.save_run_state("2026-12-04", state, version)  # another invocation advanced it meanwhile
    with pytest.raises(ConditionFailed):
        table.save_run_state("2026-12-04", state, version)


def test_a_new_week_rewrites_only_members_whose_segment_changed(members):
    job(THURSDAY).run()
    next_week = job(THURSDAY + timedelta(days=7)).run()
    assert next_week["written"] == 1  # the new member became active; the others kept their segments
    week_after = job(THURSDAY + timedelta(days=14)).run()
    assert week_after["written"] == 0
    [*_, (_, figures)] = members.sizes_between("2026-12-01", "2026-12-31")
    assert figures["week"] == "2026-W51" and figures["flows"][f"{ACTIVE}>{ACTIVE}"] == 2  # moved last week, stayed


def test_custom_segment_lists_follow_the_members_segments(members):
    """The job puts a member in a custom segment's list when they match and takes them out when they no longer
    do; a profile whose segments were stored before the lists existed is listed on the next run."""
    from diancan.adapters import keys
    from diancan.adapters.records import CustomSegmentMemberRecord, MemberProfileRecord

    job(THURSDAY).run()
    assert [s.openid for s in members.custom_members("mala-30")] == ["openid-active"]
    # segments stored without their list (as before the lists existed): listed on the next run
    members.list_custom("openid-active", frozenset(), frozenset({"mala-30"}))
    MemberProfileRecord(keys.user("openid-active"), keys.MEMBER_PROFILE).update(actions=[
        MemberProfileRecord.segments_listed.remove()])
    assert list(members.custom_members("mala-30")) == []
    assert job(THURSDAY + timedelta(days=1)).run()["written"] == 1
    assert [s.openid for s in members.custom_members("mala-30")] == ["openid-active"]
    job(THURSDAY + timedelta(days=40)).run()  # the 麻辣 order is now older than 30 days
    assert list(members.custom_members("mala-30")) == []
    assert members.get("openid-active").segments == frozenset()
    assert CustomSegmentMemberRecord.count(keys.custom_segment("mala-30")) == 0  # the item is gone, not just filtered
