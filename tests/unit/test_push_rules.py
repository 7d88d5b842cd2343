"""Who may listen to which topic, and what each order event pushes (domain/push.py)."""

from __future__ import annotations

import pytest

from diancan.domain.events import (
    OrderAccepted,
    OrderCancelled,
    OrderOutForDelivery,
    OrderPaid,
    OrderPreparing,
    OrderRefunded,
    OrderReleased,
    PrintRequested,
    RiderMoved,
)
from diancan.domain.push import BadTopic, Listener, NotSubscribable, check_store_topic, parse_topic, push_for

pytestmark = pytest.mark.unit
AT = "2026-11-24T04:42:10.250Z"


@pytest.mark.parametrize("name", ["", "order:", "order:a b", "board:", "kitchen:s1", "dashboard:s1:x", "chain:all",
                                  "order:" + "x" * 65, None, 7, "board:s1\n"])
def test_a_topic_outside_the_contract_is_refused(name):
    with pytest.raises(BadTopic):
        parse_topic(name)


def test_topics_name_their_order_or_store():
    assert parse_topic("order:T1").order_id == "T1"
    assert parse_topic("kitchen:sh-jingan:wok").store_id == "sh-jingan"
    assert parse_topic("board:sh-jingan").kind == "board"


@pytest.mark.parametrize(("listener", "topic", "allowed"), [
    (Listener.staff("cook", "kitchen", ("s1",)), "kitchen:s1:wok", True),
    (Listener.staff("cook", "kitchen", ("s1",)), "board:s1", True),
    (Listener.staff("cook", "kitchen", ("s1",)), "dashboard:s1", False),
    (Listener.staff("cashier", "cashier", ("s1",)), "dashboard:s1", True),
    (Listener.staff("mgr", "manager", ("s1",)), "board:s2", False),
    (Listener.staff("boss", "owner", ()), "dashboard:s2", True),
    (Listener.staff("who", "janitor", ("s1",)), "board:s1", False),
    (Listener.guest("openid-a"), "board:s1", False),
])
def test_store_topics_follow_the_consoles_rights_and_stores(listener, topic, allowed):
    if allowed:
        check_store_topic(listener, parse_topic(topic))
    else:
        with pytest.raises(NotSubscribable):
            check_store_topic(listener, parse_topic(topic))


def test_each_status_event_says_its_status_and_the_store_topics_get_the_store():
    push = push_for(OrderAccepted(order_id="o1", store_id="s1", at=AT, by="staff:x"))
    assert push.to_order == {"type": "order", "order_id": "o1", "status": "PREPARING", "at": AT}
    assert push.to_store == {**push.to_order, "store_id": "s1"}
    assert push_for(OrderOutForDelivery(order_id="o1", store_id="s1", at=AT, courier="dada", by="x")
                    ).to_order["status"] == "DELIVERING"
    assert push_for(OrderCancelled(order_id="o1", store_id="s1", at=AT, reason="expired", paid=False)
                    ).to_order["status"] == "CANCELLED"


def test_tickets_out_push_preparing_to_the_guest_and_the_store():
    push = push_for(OrderPreparing(order_id="o1", store_id="s1", at=AT, by="system:print"))
    assert push.to_order == {"type": "order", "order_id": "o1", "status": "PREPARING", "at": AT}
    assert push.to_store == {**push.to_order, "store_id": "s1"}


def test_a_partial_refund_or_a_print_request_pushes_nothing_and_a_rider_goes_to_the_guest_only():
    refund = dict(order_id="o1", store_id="s1", at=AT, refund_no="r1", amount_fen=100, food_made=False, reason="x")
    assert push_for(OrderRefunded(**refund, full=False)) is None
    assert push_for(OrderRefunded(**refund, full=True)).to_order["status"] == "REFUNDED"
    assert push_for(PrintRequested(order_id="o1", store_id="s1", at=AT, reason="round", round_no=2,
                                   line_indexes=[0], by="x")) is None
    rider = push_for(RiderMoved(order_id="o1", store_id="s1", lat=31.2, lng=121.4, eta_at=None, at=AT))
    assert rider.to_store is None
    assert rider.to_order == {"type": "rider", "order_id": "o1", "lat": 31.2, "lng": 121.4, "eta_at": None, "at": AT}


def test_a_pre_order_paid_ahead_is_pushed_as_scheduled_and_its_release_as_paid():
    paid = dict(order_id="o1", store_id="s1", at=AT, mode="takeout", total_fen=3000, transaction_id="t1", pickup_no=7)
    assert push_for(OrderPaid(**paid)).to_order["status"] == "PAID"
    assert push_for(OrderPaid(**paid, release_at=AT)).to_order["status"] == "SCHEDULED"
    released = OrderReleased(order_id="o1", store_id="s1", at=AT, mode="takeout", total_fen=3000, pickup_no=7,
                             pickup_at=AT)
    assert push_for(released).to_order["status"] == "PAID"
