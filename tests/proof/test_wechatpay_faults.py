"""WeChat Pay faults (timeouts, 5xx) on refund, query and close: nothing is lost or doubled, nothing is stuck,
and the order converges once WeChat Pay answers again — against the simulator's fault controls."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import wait_for
from tests.handlers.test_payments import order_state, paid_order, place

pytestmark = pytest.mark.handlers


def later(iso_text: str, minutes: int):
    from diancan.domain.clock import parse_iso

    return parse_iso(iso_text) + timedelta(minutes=minutes)


def test_a_refund_whose_submission_times_out_is_resubmitted_by_the_sweeper_and_settles_once(live, guest_token):
    from diancan import bootstrap

    order = paid_order(live, guest_token(), key="fault-refund-key-1")
    live.wxpay.set_faults({"fail_calls": {"refund": {"mode": "error", "status": 503, "count": 2}}})
    refund = bootstrap.payments().refund(order["order_id"], None, reason="store_rejected", by="staff:mgr")
    assert refund.status == "SUBMITTING"
    assert order_state(order["order_id"]).status == "REFUNDING"  # visible to staff, not lost
    payments = bootstrap.payments()
    first = payments.sweep(now=later(refund.created_at, 3))  # WeChat Pay still failing: deferred, not dropped
    assert first == {"deferred": 1}
    live.wxpay.set_faults({})
    second = payments.sweep(now=later(refund.created_at, 6))
    assert second.get("refunded", 0) + second.get("pending", 0) + second.get("deferred", 0) >= 1
    final = wait_for(lambda: (o := order_state(order["order_id"])).status == "REFUNDED" and o, timeout=20)
    assert final.refunded_fen == order["total_fen"]
    assert [r.status for r in bootstrap.payment_table().refunds(order["order_id"])] == ["SUCCESS"]


def test_expiry_while_wechat_pay_is_down_is_retried_and_converges(live, guest_token):
    from diancan import bootstrap

    order = place(guest_token(), key="fault-expire-key-1")
    live.wxpay.set_faults({"fail_calls": {"query": "503", "close": "503"}})
    expires = order_state(order["order_id"]).pay_expires_at
    payments = bootstrap.payments()
    assert payments.sweep(now=later(expires, 2)) == {"deferred": 1}
    assert order_state(order["order_id"]).status == "PENDING_PAYMENT"  # nothing half-done
    live.wxpay.set_faults({})
    assert payments.sweep(now=later(expires, 5)) == {"expired": 1}
    assert order_state(order["order_id"]).status == "CANCELLED"
    assert bootstrap.repository().get_dish("sh-jingan", "d-hongshao").portions_left == 20
