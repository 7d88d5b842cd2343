"""The domain decides a move and its events together (domain/lifecycle.py); services build no status event."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from diancan.domain import lifecycle
from diancan.domain.cart import OrderLine
from diancan.domain.events import (
    OrderAccepted,
    OrderCancelled,
    OrderCompleted,
    OrderOutForDelivery,
    OrderPaid,
    OrderPreparing,
    OrderReady,
    OrderRefunded,
)
from diancan.domain.order import Order
from diancan.domain.order_status import OrderAction, OrderStatus
from diancan.domain.payments import Refund, RefundStatus

pytestmark = pytest.mark.unit
SERVICES = Path(__file__).resolve().parents[2] / "layers" / "shared" / "python" / "diancan" / "services"
STATUS_EVENTS = {cls.__name__ for cls in (OrderPaid, OrderCancelled, OrderRefunded, OrderAccepted, OrderReady,
                                          OrderCompleted, OrderOutForDelivery, OrderPreparing)}
AT = "2026-11-24T12:30:00+08:00"


def an_order(**fields) -> Order:
    line = OrderLine(dish_id="d-1", name="宫保鸡丁", category_id="c-hot", station_id="hot", qty=2,
                     base_price_fen=3800, unit_price_fen=3800, line_total_fen=7600)
    values = {"order_id": "261124123000A1B2C3D4", "store_id": "sh-jingan", "openid": "o-guest", "mode": "takeout",
              "lines": [line], "items_fen": 7600, "total_fen": 7600, "created_at": "2026-11-24T04:20:00Z",
              "business_day": "2026-11-24", "pay_expires_at": "2026-11-24T04:35:00Z", **fields}
    return Order(**values)


def test_accepting_starts_the_kitchen_and_announces_it_once():
    decision = lifecycle.accept(an_order(status=OrderStatus.PAID), at=AT, by="staff:s1")
    assert (decision.move.action, decision.move.sources, decision.move.target) == (
        OrderAction.START, (OrderStatus.PAID,), OrderStatus.PREPARING)
    assert decision.events == (OrderAccepted(order_id="261124123000A1B2C3D4", store_id="sh-jingan", at=AT,
                                             by="staff:s1"),)


def test_the_tickets_starting_the_kitchen_announce_preparing():
    decision = lifecycle.start(an_order(status=OrderStatus.PAID), at=AT, by="system:print", note="tickets out")
    assert (decision.move.sources, decision.move.target, decision.move.change.note) == (
        (OrderStatus.PAID,), OrderStatus.PREPARING, "tickets out")
    assert decision.events == (OrderPreparing(order_id="261124123000A1B2C3D4", store_id="sh-jingan", at=AT,
                                              by="system:print"),)


def test_calling_a_number_carries_the_number_and_the_table():
    decision = lifecycle.call_ready(an_order(pickup_no=7, mode="dine_in", table_no="A3"), at=AT, by="staff:s1")
    assert decision.move.target == OrderStatus.READY
    assert [(e.name, e.pickup_no, e.table_no) for e in decision.events] == [("OrderReady", 7, "A3")]


def test_completing_announces_the_total_that_earns_points():
    decision = lifecycle.complete(an_order(), at=AT, by="courier")
    assert decision.move.target == OrderStatus.COMPLETED
    assert [(e.name, e.total_fen, e.mode) for e in decision.events] == [("OrderCompleted", 7600, "takeout")]


def test_the_riders_pick_up_sends_the_order_out_for_delivery():
    decision = lifecycle.pick_up("o-1", "sh-jingan", at=AT, by="courier", courier="dada")
    assert decision.move.target == OrderStatus.DELIVERING
    assert [(e.name, e.courier) for e in decision.events] == [("OrderOutForDelivery", "dada")]


@pytest.mark.parametrize("action, reason", [(OrderAction.CANCEL, "guest"), (OrderAction.EXPIRE, "expired")])
def test_releasing_an_unpaid_order_cancels_it_unpaid(action, reason):
    decision = lifecycle.release(an_order(), action, at=AT, by="guest:o", reason=reason)
    assert decision.move.sources == (OrderStatus.PENDING_PAYMENT,)
    assert [(e.name, e.reason, e.paid) for e in decision.events] == [("OrderCancelled", reason, False)]


def test_only_cancel_and_expire_release():
    with pytest.raises(ValueError):
        lifecycle.release(an_order(), OrderAction.COMPLETE, at=AT, by="x", reason="x")


def test_the_payment_announcement_comes_from_the_paid_order():
    event = lifecycle.paid(an_order(status=OrderStatus.PAID, pickup_no=12, paid_at="2026-11-24T04:31:00Z",
                                    transaction_id="4200000001"), at=AT)
    assert (event.at, event.pickup_no, event.transaction_id, event.total_fen) == (
        "2026-11-24T04:31:00Z", 12, "4200000001", 7600)


@pytest.mark.parametrize("refunded_before, amount, full", [(0, 7600, True), (0, 1000, False), (6600, 1000, True)])
def test_a_refund_is_full_once_the_refunds_reach_what_was_paid(refunded_before, amount, full):
    order = an_order(status=OrderStatus.PAID, paid_fen=7600, refunded_fen=refunded_before)
    refund = Refund(order_id=order.order_id, out_refund_no="R1", amount_fen=amount, reason="cold",
                    status=RefundStatus.SUCCESS, requested_by="staff:s1", food_made=True,
                    created_at=AT, refund_id="5030000001")
    event = lifecycle.refunded(order, refund, at=AT)
    assert (event.full, event.amount_fen, event.refund_no, event.food_made) == (full, amount, "R1", True)


def test_services_build_no_status_event_by_hand():
    """Status events come from domain/lifecycle.py, so what a move announces is decided in one place."""
    built = []
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in STATUS_EVENTS:
                built.append(f"{path.name}:{node.lineno} {node.func.id}")
    assert not built
