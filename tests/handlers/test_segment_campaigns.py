"""Campaigns to segments against moto: a coupon template issued to a segment now (with a per-guest cap and a
control group left out by the hash split), a resend that changes nothing, a scheduled one sent by the job, and
the uplift report over real orders, matching the hand computation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from diancan.domain.campaigns import CampaignRequest, in_control
from diancan.domain.member_profile import MemberProfile, Period
from diancan.domain.order_status import OrderStatus

pytestmark = pytest.mark.handlers
NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
MEMBERS = [f"openid-m{n}" for n in range(12)]


@pytest.fixture
def active_members(demo_chain):
    """Twelve active members (segmented by the job) and the demo offers' templates."""
    from diancan import bootstrap
    from diancan.services.segment_job import SegmentJob
    from local.demo_offers import load

    load()
    table = bootstrap.member_profile_table()
    day = "2026-12-01"
    for openid in MEMBERS:
        table.save(openid, MemberProfile(first_visit="2025-06-01", last_visit=day, visits=1, spend_fen=3000,
                                         months={"2026-12": Period(visits=1, spend_fen=3000)}), 0)
    SegmentJob(table, clock=lambda: NOW).run()
    return table


def service(at: datetime):
    from diancan import bootstrap
    from diancan.adapters.campaign_table import CampaignTable
    from diancan.services.coupons import CouponService
    from diancan.services.segment_campaigns import SegmentCampaigns

    return SegmentCampaigns(CampaignTable(), bootstrap.member_profile_table(), bootstrap.marketing_table(),
                            CouponService(bootstrap.marketing_table(), clock=lambda: at), clock=lambda: at)


def request(**fields) -> CampaignRequest:
    return CampaignRequest.model_validate({"campaign_id": "lunch-push", "template_id": "tpl-lunch",
                                           "segment_id": "active", "control_percent": 30, "per_guest_cap": 2,
                                           **fields})


def test_a_campaign_now_caps_coupons_per_guest_and_leaves_the_control_group_out(active_members):
    from diancan import bootstrap

    control = {m for m in MEMBERS if in_control("lunch-push", m, 30)}
    assert 0 < len(control) < len(MEMBERS)  # the split this test relies on
    sent = service(NOW).create(request(), "staff:boss")
    assert (sent.targeted, sent.control, sent.issued) == (12 - len(control), len(control), 2 * (12 - len(control)))
    wallets = {m: bootstrap.marketing_table().wallet(m) for m in MEMBERS}
    assert all(len(wallets[m]) == 2 for m in set(MEMBERS) - control)  # the cap (tpl-lunch allows 3 a guest)
    assert all(wallets[m] == [] for m in control)
    again = service(NOW).send(sent)  # a resend after a failure: nobody gets more, nobody changes side
    assert (again.targeted, again.control, again.issued) == (sent.targeted, sent.control, sent.issued)
    assert all(len(bootstrap.marketing_table().wallet(m)) == 2 for m in set(MEMBERS) - control)


def test_a_scheduled_campaign_waits_for_its_time(active_members):
    from diancan.adapters.campaign_table import CampaignTable

    later = NOW + timedelta(hours=30)
    created = service(NOW).create(request(campaign_id="later", send_at=later.isoformat()), "staff:boss")
    assert created.sent_at is None
    assert service(NOW + timedelta(hours=1)).send_due() == []
    assert service(later + timedelta(minutes=1)).send_due() == ["later"]
    assert service(later + timedelta(hours=1)).send_due() == []  # sent: off the schedule
    assert CampaignTable().get("later").targeted > 0


def test_the_uplift_report_counts_orders_and_spend_of_each_group_in_the_window(active_members):
    """Hand computation: targeted members 0 and 1 order within the window (2 orders of 38.00 + 4.00 yuan for
    the first, 1 for the second), a targeted order after the window and one cancelled do not count; control
    member 0 orders once. Orders per 100 members and spend per member follow from the group sizes."""
    from local.demo_history import make_order, order_record

    control = sorted(m for m in MEMBERS if in_control("lunch-push", m, 30))
    targeted = sorted(set(MEMBERS) - set(control))
    service(NOW).create(request(window_days=7), "staff:boss")
    meal = [("d-gongbao", "宫保鸡丁", 3800, 1, {}), ("d-rice", "米饭", 200, 2, {})]  # 42.00 yuan
    orders = [(targeted[0], NOW + timedelta(days=1)), (targeted[0], NOW + timedelta(days=6)),
              (targeted[1], NOW + timedelta(hours=2)), (targeted[1], NOW + timedelta(days=8)),  # after the window
              (control[0], NOW + timedelta(days=3))]
    for n, (openid, at) in enumerate(orders):
        order_record(make_order("sh-jingan", f"up{n}", at, meal, openid=openid)).save()
    order_record(make_order("sh-jingan", "upx", NOW + timedelta(days=2), meal, openid=targeted[2],
                            status=OrderStatus.CANCELLED)).save()
    report = service(NOW + timedelta(days=9)).report("lunch-push")
    t, c = len(targeted), len(control)
    assert report["targeted"] == {"members": t, "orders": 3, "spend_fen": 12_600,
                                  "orders_per_100_members": 300 // t, "spend_per_member_fen": 12_600 // t}
    assert report["control"] == {"members": c, "orders": 1, "spend_fen": 4200,
                                 "orders_per_100_members": 100 // c, "spend_per_member_fen": 4200 // c}
    assert report["uplift"]["spend_per_member_fen"] == 12_600 // t - 4200 // c


def test_a_campaign_to_a_saved_custom_segment_reaches_the_members_it_matched(active_members):
    from diancan import bootstrap
    from diancan.services.segment_job import SegmentJob

    mine = {"segment_id": "twice", "name": "来过两次",
            "all_of": [{"kind": "measure", "field": "spend_fen", "op": ">=", "value": 5000}]}
    active_members.save(MEMBERS[0], active_members.get(MEMBERS[0]).profile.model_copy(update={
        "spend_fen": 6000, "months": {"2026-12": Period(visits=1, spend_fen=6000)}}), 1)
    active_members.put_segment_settings({"custom": [mine]}, "2026-12-01T00:00:00.000Z")
    SegmentJob(active_members, clock=lambda: NOW).run()
    sent = service(NOW).create(request(campaign_id="twice-push", segment_id="custom:twice", control_percent=0),
                               "staff:boss")
    assert (sent.targeted, sent.control) == (1, 0)
    assert len(bootstrap.marketing_table().wallet(MEMBERS[0])) == 2


def test_the_uplift_report_reads_per_store_day_when_members_outnumber_them(active_members):
    """A campaign larger than its window's store-days: the report Queries each store's days (a fixed number),
    not each member, and still counts as by hand: an order inside the window at another store counts, one
    before the send and one fully refunded do not."""
    from bench.calls import recorded_calls
    from diancan import bootstrap
    from local.demo_history import make_order, order_record

    stores = [s.store_id for s in bootstrap.repository().list_stores()]
    many = [f"openid-x{n:03d}" for n in range(len(stores) * 10 + 5)]  # window 7 days: 10 UTC days per store
    for openid in many:
        active_members.save(openid, MemberProfile(first_visit="2025-06-01", last_visit="2026-12-01", visits=1,
                                                  spend_fen=3000, months={"2026-12": Period(visits=1, spend_fen=3000)}), 0)
    from diancan.services.segment_job import SegmentJob

    SegmentJob(active_members, clock=lambda: NOW + timedelta(days=1)).run()
    service(NOW).create(request(campaign_id="big-push", window_days=7, control_percent=0), "staff:boss")
    meal = [("d-gongbao", "宫保鸡丁", 3800, 1, {})]
    order_record(make_order(stores[-1], "bx1", NOW + timedelta(days=2), meal, openid=many[0])).save()
    order_record(make_order(stores[0], "bx2", NOW + timedelta(days=3), meal, openid=many[1])).save()
    order_record(make_order(stores[0], "bx3", NOW - timedelta(hours=1), meal, openid=many[2])).save()  # before
    refunded = make_order(stores[0], "bx4", NOW + timedelta(days=1), meal, openid=many[3])
    order_record(refunded.model_copy(update={"status": OrderStatus.REFUNDED, "refunded_fen": refunded.total_fen})).save()
    order_record(make_order(stores[0], "bx5", NOW + timedelta(days=1), meal, openid="openid-stranger")).save()
    with recorded_calls() as log:
        report = service(NOW + timedelta(days=9)).report("big-push")
    members = len(many) + len(MEMBERS)
    assert report["targeted"]["members"] == members
    assert (report["targeted"]["orders"], report["targeted"]["spend_fen"]) == (2, 7600)
    assert log.dynamodb()["Query"] == 1 + 1 + len(stores) * 10  # members' sides, stores, store-days
    assert log.dynamodb()["Query"] < members


def test_a_small_campaigns_report_queries_each_member(active_members):
    from bench.calls import recorded_calls

    service(NOW).create(request(window_days=7), "staff:boss")
    with recorded_calls() as log:
        service(NOW + timedelta(days=9)).report("lunch-push")
    assert log.dynamodb()["Query"] == 1 + 1 + len(MEMBERS)  # fewer than the store-days
