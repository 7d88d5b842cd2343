"""The loyalty consumer against moto: coupons spent and returned, points earned, redeemed and reversed,
guests' dish counts, all unchanged by replayed events; and the one shared way orders complete."""

from __future__ import annotations

import pytest

from diancan.domain.order_status import OrderAction, OrderStatus
from tests.conftest import http_call
from tests.loyalty_fixtures import AT, bus_event, deliver, move, place

pytestmark = pytest.mark.handlers
HONGSHAO = [{"dish_id": "d-hongshao", "qty": 2, "options": []}]


@pytest.fixture
def offers_chain(live):
    """The demo chain with its offers, and WeChat Pay (simulator) behind place_order's prepay."""
    from local.demo_offers import load

    load()
    return live


def claim(token: str, template_id: str) -> str:
    return http_call("orders", "orders/post_coupon_claim", path=f"/coupons/{template_id}/claim",
                     headers={"authorization": f"Bearer {token}"})[1]["coupon_id"]


def test_the_real_sqs_sample_is_answered_per_message(offers_chain):
    from tests.conftest import FakeContext, handler_of, load_event

    answer = handler_of("loyalty")(load_event("loyalty/sqs_batch"), FakeContext())
    assert len(answer["batchItemFailures"]) == 4  # the sample's order does not exist here: each retried alone


def test_replayed_events_change_nothing(offers_chain, guest_token):
    from diancan import bootstrap

    token = guest_token("replay")
    coupon_id = claim(token, "tpl-new-guest")
    order = place(token, HONGSHAO, "key-replay", coupon_id=coupon_id)
    move(order["order_id"], OrderAction.PAY)
    paid = bus_event("OrderPaid", order["order_id"])
    assert deliver(paid, paid) == {"batchItemFailures": []}
    assert deliver(paid) == {"batchItemFailures": []}
    [coupon] = bootstrap.marketing_table().wallet("openid-replay")
    assert coupon.status == "used"
    counts, _ = bootstrap.activity_table().reco_inputs("sh-jingan", "openid-replay")
    assert counts == {"d-hongshao": 2}
    assert bootstrap.activity_table().member_info("openid-replay").last_order_day == order["business_day"]


def test_the_points_ledger_adds_up_through_earn_redeem_and_refund_via_the_consumer(offers_chain, guest_token):
    from diancan import bootstrap
    from diancan.services.completion import complete_order

    marketing, repository = bootstrap.marketing_table(), bootstrap.repository()
    marketing.post_points("openid-ledger", "seed#gift", 500, at=AT, note="welcome gift")
    order = place(guest_token("ledger"), HONGSHAO, "key-ledger", use_points=300)
    assert marketing.standing("openid-ledger").points == 200
    current = move(order["order_id"], OrderAction.PAY, OrderAction.START, OrderAction.MARK_READY)
    deliver(bus_event("OrderPaid", order["order_id"]))
    complete_order(repository, bootstrap.event_bus(), current, at=AT, by="staff:test")
    completed = bus_event("OrderCompleted", order["order_id"])
    assert deliver(completed, completed) == {"batchItemFailures": []}
    earned = order["total_fen"] // 100
    assert marketing.standing("openid-ledger").points == 200 + earned
    assert marketing.standing("openid-ledger").completed_orders == 1

    repository.transition(order["order_id"], "takeout", OrderAction.REFUND, at=AT)
    refunded = bus_event("OrderRefunded", order["order_id"], full=True)
    assert deliver(refunded, refunded) == {"batchItemFailures": []}
    standing, ledger = marketing.standing("openid-ledger"), marketing.ledger("openid-ledger")
    assert standing.points == sum(e.delta for e in ledger) == 500
    assert standing.spend_fen == sum(e.spend_delta for e in ledger) == 0
    assert standing.completed_orders == 0


def test_a_completion_that_arrives_after_the_refund_earns_nothing(offers_chain, guest_token):
    from diancan import bootstrap

    order = place(guest_token("late"), HONGSHAO, "key-late")
    move(order["order_id"], OrderAction.PAY, OrderAction.START, OrderAction.MARK_READY, OrderAction.COMPLETE,
         OrderAction.REFUND)
    deliver(bus_event("OrderRefunded", order["order_id"], full=True), bus_event("OrderCompleted", order["order_id"]))
    assert bootstrap.marketing_table().ledger("openid-late") == []


def test_a_cancelled_order_gives_its_coupon_back_through_the_consumer(offers_chain, guest_token):
    from diancan import bootstrap

    token = guest_token("giveback")
    coupon_id = claim(token, "tpl-new-guest")
    order = place(token, HONGSHAO, "key-giveback", coupon_id=coupon_id)
    move(order["order_id"], OrderAction.CANCEL)
    cancelled = bus_event("OrderCancelled", order["order_id"])
    assert deliver(cancelled, cancelled) == {"batchItemFailures": []}
    [coupon] = bootstrap.marketing_table().wallet("openid-giveback")
    assert (coupon.status, coupon.order_id) == ("available", None)


def test_a_partial_refund_keeps_the_coupon_spent(offers_chain, guest_token):
    from diancan import bootstrap

    token = guest_token("partial")
    order = place(token, HONGSHAO, "key-partial", coupon_id=claim(token, "tpl-new-guest"))
    move(order["order_id"], OrderAction.PAY)
    deliver(bus_event("OrderPaid", order["order_id"]), bus_event("OrderRefunded", order["order_id"], full=False))
    [coupon] = bootstrap.marketing_table().wallet("openid-partial")
    assert coupon.status == "used"


class RecordingBus:
    def __init__(self) -> None:
        self.published: list = []

    def publish(self, events) -> None:
        self.published.extend(events)


def test_completing_an_order_publishes_order_completed_once(offers_chain, guest_token):
    from diancan import bootstrap
    from diancan.services.completion import complete_order

    order = place(guest_token("done"), HONGSHAO, "key-done")
    ready = move(order["order_id"], OrderAction.PAY, OrderAction.START, OrderAction.MARK_READY)
    bus = RecordingBus()
    for _ in range(2):
        result = complete_order(bootstrap.repository(), bus, ready, at=AT, by="staff:test")
        assert result.status == OrderStatus.COMPLETED
    assert [(e.name, e.detail["order_id"]) for e in bus.published] == [("OrderCompleted", order["order_id"])]


def test_partial_refunds_take_back_earned_points_in_proportion_once_each_and_the_ledger_adds_up(offers_chain,
                                                                                                guest_token):
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import OrderRecord
    from diancan.services.completion import complete_order

    marketing, repository = bootstrap.marketing_table(), bootstrap.repository()
    order = place(guest_token("part"), HONGSHAO, "key-part-points")
    current = move(order["order_id"], OrderAction.PAY, OrderAction.START, OrderAction.MARK_READY)
    OrderRecord(keys.order(order["order_id"]), keys.ORDER).update(
        actions=[OrderRecord.paid_fen.set(order["total_fen"])])
    complete_order(repository, bootstrap.event_bus(), current, at=AT, by="staff:test")
    deliver(bus_event("OrderCompleted", order["order_id"]))
    earned = marketing.standing("openid-part").points
    assert earned == order["total_fen"] // 100 > 0

    quarter = order["total_fen"] // 4
    first = bus_event("OrderRefunded", order["order_id"], full=False, refund_no="R1", amount_fen=quarter)
    assert deliver(first, first) == {"batchItemFailures": []}  # a replay takes nothing more
    after_part = marketing.standing("openid-part").points
    assert after_part == earned - earned * quarter // order["total_fen"]

    repository.transition(order["order_id"], "takeout", OrderAction.REFUND, at=AT)
    rest = bus_event("OrderRefunded", order["order_id"], full=True, refund_no="R2",
                     amount_fen=order["total_fen"] - quarter)
    assert deliver(rest) == {"batchItemFailures": []}
    standing, ledger = marketing.standing("openid-part"), marketing.ledger("openid-part")
    assert standing.points == sum(e.delta for e in ledger) == 0
    assert standing.completed_orders == 0
