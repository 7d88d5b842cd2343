"""Payments on fakes: a notification pays an order once, a repeat is a replay, refunds stay within what was
paid, and WeChat Pay's refusals and outages end where the moto tests (tests/handlers/test_payments.py) say."""

from __future__ import annotations

import pytest

from diancan.domain.errors import Conflict, InvalidRequest, UpstreamUnavailable
from diancan.domain.events import OrderRefunded
from diancan.domain.exceptions import OrderNotInState, WeChatPayError, WeChatPayUnavailable
from diancan.domain.order_status import OrderAction, OrderStatus
from diancan.domain.payments import NotificationRejected, NotPaid, RefundStatus, RefundTooLarge
from diancan.services.payments import RefundDayLimit
from tests.services.fakes import FakeWeChatPay
from tests.services.scene import Scene, line, order

pytestmark = pytest.mark.service


@pytest.fixture
def scene():
    return Scene()


class CountingStats:
    """The dashboard counters' two calls the payment service makes, recorded."""

    def __init__(self) -> None:
        self.paid, self.refunded = [], []

    def record_paid(self, order) -> None:
        self.paid.append(order)

    def record_refund(self, order, amount_fen: int) -> None:
        self.refunded.append(amount_fen)


@pytest.fixture
def payments(scene):
    stats = CountingStats()
    service = scene.payments(stats=stats)
    service.counted = (stats.paid, stats.refunded)
    return service


def transaction(o, *, transaction_id="4200000001", total_fen=None):
    return {"mchid": "1900000001", "appid": "wx-test-app", "out_trade_no": o.order_id, "trade_state": "SUCCESS",
            "transaction_id": transaction_id, "amount": {"total": o.total_fen if total_fen is None else total_fen},
            "payer": {"openid": o.openid}, "success_time": "2026-11-24T12:30:00+08:00"}


def notify(payments, o, *, nonce="n-1", **resource):
    body = FakeWeChatPay.given_notification("TRANSACTION.SUCCESS", transaction(o, **resource))
    return payments.handle_notification({"Wechatpay-Nonce": nonce}, body)


def paid_order(scene, payments, order_id="261124123000A1B2C3D4", **fields):
    o = scene.orders.given_order(order(order_id, **fields))
    assert notify(payments, o, nonce=f"n-{order_id}") == "paid"
    return scene.world.order(order_id)


def test_a_notification_pays_the_order_once_with_a_voucher_a_pickup_number_and_one_event(scene, payments):
    o = scene.orders.given_order(order())
    assert notify(payments, o) == "paid"
    paid = scene.world.order(o.order_id)
    assert (paid.status, paid.pickup_no, paid.paid_fen, paid.transaction_id) == ("PAID", 1, 3800, "4200000001")
    assert [(v.kind, v.amount_fen, v.seq) for v in scene.world.vouchers] == [("payment", 3800, 1)]
    assert scene.world.event_names() == ["OrderPaid"]
    assert "OrderPaid" in paid.published
    assert len(payments.counted[0]) == 1


def test_the_same_notification_again_is_a_replay_that_changes_nothing(scene, payments):
    o = scene.orders.given_order(order())
    notify(payments, o)
    assert notify(payments, o) == "replay"
    assert len(scene.world.vouchers) == 1
    assert scene.world.event_names() == ["OrderPaid"]
    assert len(payments.counted[0]) == 1


def test_a_replay_publishes_the_event_the_first_attempt_did_not(scene, payments):
    o = scene.orders.given_order(order())
    notify(payments, o)
    scene.world.orders[o.order_id] = scene.world.order(o.order_id).model_copy(update={"published": []})
    scene.world.events.clear()
    assert notify(payments, o) == "replay"
    assert scene.world.event_names() == ["OrderPaid"]


def test_pickup_numbers_count_up_per_store_and_day(scene, payments):
    first = paid_order(scene, payments, "261124123000AAAAAAA1")
    second = paid_order(scene, payments, "261124123000AAAAAAA2")
    assert (first.pickup_no, second.pickup_no) == (1, 2)


def test_a_nonce_seen_on_another_body_is_rejected_and_pays_nothing(scene, payments):
    paid_order(scene, payments, "261124123000AAAAAAA1")
    other = scene.orders.given_order(order("261124123000AAAAAAA2"))
    with pytest.raises(NotificationRejected) as rejected:
        notify(payments, other, nonce="n-261124123000AAAAAAA1")
    assert rejected.value.reason_code == "NONCE_REUSED"
    assert scene.status(other.order_id) == "PENDING_PAYMENT"


@pytest.mark.parametrize(("resource", "reason"), [({"total_fen": 1}, "AMOUNT_MISMATCH")])
def test_a_payment_of_another_amount_is_rejected(scene, payments, resource, reason):
    o = scene.orders.given_order(order())
    with pytest.raises(NotificationRejected) as rejected:
        notify(payments, o, **resource)
    assert rejected.value.reason_code == reason
    assert scene.status(o.order_id) == "PENDING_PAYMENT" and scene.world.vouchers == []


def test_an_unsigned_notification_is_rejected_before_anything_is_read(scene, payments):
    o = scene.orders.given_order(order())
    body = FakeWeChatPay.given_notification("TRANSACTION.SUCCESS", transaction(o), signed=False)
    with pytest.raises(NotificationRejected):
        payments.handle_notification({"Wechatpay-Nonce": "n"}, body)
    assert scene.status(o.order_id) == "PENDING_PAYMENT"


def test_money_for_an_order_cancelled_meanwhile_is_kept_on_record_and_refunded(scene, payments):
    o = scene.orders.given_order(order(status=OrderStatus.CANCELLED))
    assert notify(payments, o) == "compensated"
    late = scene.world.order(o.order_id)
    assert "LATE_PAYMENT" in late.flags and late.status == "CANCELLED"
    [refund] = scene.ledger.refunds(o.order_id)
    assert (refund.amount_fen, refund.status, refund.reason) == (3800, RefundStatus.PROCESSING, "paid_after_cancel")
    assert scene.pay.refund_calls == [(o.order_id, refund.out_refund_no, 3800)]


def test_a_full_refund_moves_the_order_to_refunding_then_refunded_once(scene, payments):
    o = paid_order(scene, payments)
    refund = payments.refund(o.order_id, None, reason="guest asked", by="staff:s1")
    assert (refund.status, refund.amount_fen) == (RefundStatus.PROCESSING, 3800)
    assert scene.status(o.order_id) == "REFUNDING"
    result = {"out_trade_no": o.order_id, "out_refund_no": refund.out_refund_no, "refund_status": "SUCCESS",
              "refund_id": refund.refund_id, "mchid": "1900000001"}
    assert payments.apply_refund_result(result) == "refunded"
    done = scene.world.order(o.order_id)
    assert (done.status, done.refunded_fen) == ("REFUNDED", 3800)
    assert [v.kind for v in scene.world.vouchers] == ["payment", "refund"]
    assert payments.apply_refund_result(result) == "replay"
    assert [v.kind for v in scene.world.vouchers] == ["payment", "refund"]
    assert payments.counted[1] == [3800]


def test_a_partial_refund_keeps_the_order_paid_and_the_rest_is_the_limit(scene, payments):
    o = paid_order(scene, payments, lines=None)
    payments.refund(o.order_id, 1000, reason="cold soup", by="staff:s1")
    assert scene.status(o.order_id) == "PAID"
    with pytest.raises(RefundTooLarge):
        payments.refund(o.order_id, 2801, reason="again", by="staff:s1")
    second = payments.refund(o.order_id, 2800, reason="the rest", by="staff:s1")
    assert second.out_refund_no.endswith("R2")
    assert scene.status(o.order_id) == "REFUNDING"  # the rest makes it a full refund
    assert scene.world.order(o.order_id).refund_committed_fen == 3800


def settled(payments, o, refund) -> str:
    return payments.apply_refund_result({"out_trade_no": o.order_id, "out_refund_no": refund.out_refund_no,
                                         "refund_status": "SUCCESS", "refund_id": refund.refund_id,
                                         "mchid": "1900000001"})


def test_a_refund_of_named_lines_carries_them_to_its_event_and_one_of_an_amount_carries_none(scene, payments):
    o = paid_order(scene, payments, lines=[line(), line("拍黄瓜", price_fen=1200)])
    by_line = payments.refund(o.order_id, 1200, reason="no cucumbers", by="staff:s1", line_indexes=[1, 1])
    assert by_line.line_indexes == [1] and settled(payments, o, by_line) == "refunded"
    amount = payments.refund(o.order_id, 500, reason="cold soup", by="staff:s1")
    assert amount.line_indexes is None and settled(payments, o, amount) == "refunded"
    refunds = [e for e in scene.world.events if isinstance(e, OrderRefunded)]
    assert [(e.amount_fen, e.line_indexes) for e in refunds] == [(1200, [1]), (500, None)]


def test_a_refund_naming_a_line_the_order_does_not_have_is_refused_and_nothing_written(scene, payments):
    o = paid_order(scene, payments)
    with pytest.raises(InvalidRequest) as refused:
        payments.refund(o.order_id, 100, reason="x", by="staff:s1", line_indexes=[3])
    assert refused.value.code == "INVALID_LINES" and scene.ledger.refunds(o.order_id) == []


def test_a_refund_only_while_unaccepted_leaves_an_order_accepted_meanwhile_alone(scene, payments):
    o = paid_order(scene, payments)
    scene.orders.transition(o.order_id, o.mode, OrderAction.START, at="2026-11-24T04:40:00Z", by="staff:s1")
    with pytest.raises(OrderNotInState):
        payments.refund(o.order_id, None, reason="not_accepted", by="system:accept", only_if=OrderStatus.PAID)
    assert scene.ledger.refunds(o.order_id) == [] and scene.status(o.order_id) == "PREPARING"


def test_an_unpaid_order_is_not_refunded(scene, payments):
    o = scene.orders.given_order(order())
    with pytest.raises(NotPaid):
        payments.refund(o.order_id, None, reason="x", by="staff:s1")
    assert scene.ledger.refunds(o.order_id) == []


def test_a_cashier_cannot_pass_their_daily_refund_limit(scene, payments):
    o = paid_order(scene, payments)
    payments.refund(o.order_id, 1500, reason="a", by="staff:s1", day_limit_fen=2000)
    with pytest.raises(RefundDayLimit):
        payments.refund(o.order_id, 600, reason="b", by="staff:s1", day_limit_fen=2000)
    payments.refund(o.order_id, 600, reason="b", by="staff:manager", day_limit_fen=2000)  # the limit is per person
    assert [r.amount_fen for r in scene.ledger.refunds(o.order_id)] == [1500, 600]


def test_a_refund_wechat_pay_refuses_is_failed_and_its_amount_released(scene, payments):
    o = paid_order(scene, payments)
    scene.pay.refund_failure = WeChatPayError("NOT_ENOUGH", "merchant balance too low", 403)
    with pytest.raises(Conflict) as refused:
        payments.refund(o.order_id, 1000, reason="x", by="staff:s1")
    assert refused.value.code == "REFUND_REFUSED"
    [refund] = scene.ledger.refunds(o.order_id)
    assert refund.status == RefundStatus.FAILED
    after = scene.world.order(o.order_id)
    assert after.refund_committed_fen == 0 and "REFUND_FAILED" in after.flags


def test_a_refund_during_an_outage_waits_submitting_and_the_follow_up_submits_it(scene, payments):
    o = paid_order(scene, payments)
    scene.pay.refund_failure = WeChatPayUnavailable("down")
    refund = payments.refund(o.order_id, 1000, reason="x", by="staff:s1")
    assert refund.status == RefundStatus.SUBMITTING
    assert [s[1:] for s in scene.world.sweeps] == [("refund", o.order_id, refund.out_refund_no)]
    with pytest.raises(UpstreamUnavailable):
        payments.follow_up_refund(o.order_id, refund.out_refund_no)  # still down: keep the follow-up
    scene.pay.refund_failure = None
    assert payments.follow_up_refund(o.order_id, refund.out_refund_no) == "pending"
    assert scene.ledger.get_refund(o.order_id, refund.out_refund_no).status == RefundStatus.PROCESSING
    assert len(scene.pay.refund_calls) == 1


def test_an_abnormal_refund_flags_the_order_for_staff_and_moves_no_money(scene, payments):
    o = paid_order(scene, payments)
    refund = payments.refund(o.order_id, 1000, reason="x", by="staff:s1")
    result = {"out_trade_no": o.order_id, "out_refund_no": refund.out_refund_no, "refund_status": "ABNORMAL"}
    assert payments.apply_refund_result(result) == "refund_abnormal"
    after = scene.world.order(o.order_id)
    assert "REFUND_ABNORMAL" in after.flags and after.refunded_fen == 0
    assert scene.ledger.get_refund(o.order_id, refund.out_refund_no).status == RefundStatus.ABNORMAL


def test_an_expired_unpaid_order_is_closed_cancelled_and_its_portions_given_back(scene, payments):
    o = scene.orders.given_order(order(reserved={"d-宫保鸡丁": 1}))
    scene.world.portions[("sh-jingan", "d-宫保鸡丁")] = 4
    assert payments.expire(o.order_id) == "expired"
    assert scene.status(o.order_id) == "CANCELLED"
    assert scene.pay.closed == [o.order_id]
    assert scene.world.portions[("sh-jingan", "d-宫保鸡丁")] == 5
    assert scene.world.event_names() == ["OrderCancelled"]
    assert payments.expire(o.order_id) == "settled"


# ---- pre-orders ------------------------------------------------------------------------------------------


def test_a_pre_order_paid_before_its_release_waits_scheduled_with_its_release_task_and_a_marked_event(scene, payments):
    o = scene.orders.given_order(order(pickup_at="2026-11-25T04:00:00.000Z", release_at="2026-11-25T03:40:00.000Z"))
    assert notify(payments, o) == "paid"
    paid = scene.world.order(o.order_id)
    assert (paid.status, paid.pickup_no) == ("SCHEDULED", 1)
    assert scene.world.sweeps == [("2026-11-25T03:39", "release", o.order_id, None)]  # swept in the release minute
    [event] = scene.world.events
    assert (event.name, event.release_at) == ("OrderPaid", "2026-11-25T03:40:00.000Z")  # stock and points act now
    assert len(payments.counted[0]) == 1


def test_a_pre_order_paid_after_its_release_time_goes_to_the_kitchen_at_once(scene, payments):
    o = scene.orders.given_order(order(pickup_at="2026-11-24T04:45:00.000Z", release_at="2026-11-24T04:25:00.000Z"))
    assert notify(payments, o) == "paid"
    assert scene.status(o.order_id) == "PAID"
    assert scene.world.sweeps == []
    assert scene.world.events[0].release_at is None


def test_the_release_moves_a_scheduled_order_to_paid_and_publishes_order_released_once(scene, payments):
    o = scene.orders.given_order(order(pickup_at="2026-11-25T04:00:00.000Z", release_at="2026-11-25T03:40:00.000Z"))
    notify(payments, o)
    assert payments.release(o.order_id) == "released"
    assert scene.status(o.order_id) == "PAID"
    assert scene.world.event_names() == ["OrderPaid", "OrderReleased"]
    released = scene.world.events[-1]
    assert (released.pickup_no, released.pickup_at, released.mode) == (1, "2026-11-25T04:00:00.000Z", "takeout")
    assert payments.release(o.order_id) == "settled"  # the sweeper's task run twice
    assert scene.world.event_names() == ["OrderPaid", "OrderReleased"]


def test_a_pre_order_refunded_while_scheduled_is_never_released(scene, payments):
    o = scene.orders.given_order(order(pickup_at="2026-11-25T04:00:00.000Z", release_at="2026-11-25T03:40:00.000Z"))
    notify(payments, o)
    payments.refund(o.order_id, None, reason="guest changed plans", by="staff:s1")
    assert scene.status(o.order_id) in ("REFUNDING", "REFUNDED")
    assert payments.release(o.order_id) == "settled"
    assert "OrderReleased" not in scene.world.event_names()


def test_an_order_of_now_is_never_released(scene, payments):
    o = paid_order(scene, payments)
    assert payments.release(o.order_id) == "settled"
    assert scene.world.event_names() == ["OrderPaid"]


def test_a_release_less_than_a_minute_ahead_is_filed_in_a_minute_the_sweeper_has_not_handled(scene, payments):
    o = scene.orders.given_order(order(pickup_at="2026-11-24T04:50:30.000Z", release_at="2026-11-24T04:30:30.000Z"))
    assert notify(payments, o) == "paid"  # at 04:30:00: the release minute's bucket would be 04:29, already swept
    assert scene.status(o.order_id) == "SCHEDULED"
    assert scene.world.sweeps == [("2026-11-24T04:30", "release", o.order_id, None)]
