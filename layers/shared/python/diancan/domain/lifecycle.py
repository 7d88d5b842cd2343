"""An order's moves together with what they announce.

The domain decides both halves of a move: the status change (``order_status.decide``) and the events the
move publishes once it applied. A service asks for a ``Decision``, hands ``decision.move`` to the order's
writer and publishes ``decision.events`` when the write applied; no service assembles an event by hand.
Payment and refund events are announced after the write (they carry what the write settled: the pickup
number, the refunded amount) by ``paid`` and ``refunded``.
"""

from __future__ import annotations

from dataclasses import dataclass

from diancan.domain.events import (
    OrderAccepted,
    OrderCancelled,
    OrderCompleted,
    OrderEvent,
    OrderOutForDelivery,
    OrderPaid,
    OrderPreparing,
    OrderReady,
    OrderRefunded,
    OrderReleased,
)
from diancan.domain.order import Order
from diancan.domain.order_status import OrderAction, OrderStatus, StatusMove, decide
from diancan.domain.payments import Refund


@dataclass(frozen=True)
class Decision:
    """A move the machine allows and the events it publishes once applied (none for a silent move)."""

    move: StatusMove
    events: tuple[OrderEvent, ...] = ()


def start(order: Order, *, at: str, by: str, note: str = "") -> Decision:
    """The kitchen is on it (its tickets are out): the guest and the screens hear PREPARING."""
    return Decision(decide(order.mode, OrderAction.START, at=at, by=by, note=note),
                    (OrderPreparing(order_id=order.order_id, store_id=order.store_id, at=at, by=by),))


def accept(order: Order, *, at: str, by: str) -> Decision:
    """Staff accepted the order: the kitchen starts, the guest hears it, a delivery books its rider."""
    return Decision(decide(order.mode, OrderAction.START, at=at, by=by),
                    (OrderAccepted(order_id=order.order_id, store_id=order.store_id, at=at, by=by),))


def call_ready(order: Order, *, at: str, by: str) -> Decision:
    """The food is ready: the number is called and the guest is told."""
    return Decision(decide(order.mode, OrderAction.MARK_READY, at=at, by=by),
                    (OrderReady(order_id=order.order_id, store_id=order.store_id, at=at, pickup_no=order.pickup_no,
                                table_no=order.table_no, by=by),))


def pick_up(order_id: str, store_id: str, *, at: str, by: str, courier: str) -> Decision:
    """The rider has the food: the delivery order is on its way and the guest is told."""
    return Decision(decide("delivery", OrderAction.PICK_UP, at=at, by=by),
                    (OrderOutForDelivery(order_id=order_id, store_id=store_id, at=at, courier=courier, by=by),))


def complete(order: Order, *, at: str, by: str) -> Decision:
    """Served, collected or delivered: points are earned, a delivery's guest is told."""
    return Decision(decide(order.mode, OrderAction.COMPLETE, at=at, by=by),
                    (OrderCompleted(order_id=order.order_id, store_id=order.store_id, at=at, mode=order.mode,
                                    total_fen=order.total_fen, by=by),))


def release(order: Order, action: OrderAction, *, at: str, by: str, reason: str) -> Decision:
    """An unpaid order cancelled (guest, staff) or expired: its portions go back, consumers let go of it."""
    if action not in (OrderAction.CANCEL, OrderAction.EXPIRE):
        raise ValueError(f"{action} does not release an unpaid order")
    return Decision(decide(order.mode, action, at=at, by=by),
                    (OrderCancelled(order_id=order.order_id, store_id=order.store_id, at=at, reason=reason,
                                    paid=False),))


def paid_ahead(order: Order) -> bool:
    """Paid while its release was still ahead: it waits (or waited) SCHEDULED for its ``OrderReleased``."""
    return order.status == OrderStatus.SCHEDULED or any(h.status == OrderStatus.SCHEDULED for h in order.history)


def release_to_kitchen(order: Order, *, at: str) -> Decision:
    """A pre-order is due: SCHEDULED → PAID, and the kitchen prints it and the courier is booked."""
    return Decision(decide(order.mode, OrderAction.RELEASE, at=at, by="system:release"),
                    (OrderReleased(order_id=order.order_id, store_id=order.store_id, at=at, mode=order.mode,
                                   total_fen=order.total_fen, pickup_no=order.pickup_no, pickup_at=order.pickup_at),))


def paid(order: Order, *, at: str) -> OrderPaid:
    """What a payment announces, from the order as the PAID write left it (pickup number, transaction)."""
    return OrderPaid(order_id=order.order_id, store_id=order.store_id, at=order.paid_at or at, mode=order.mode,
                     total_fen=order.total_fen, transaction_id=order.transaction_id, pickup_no=order.pickup_no,
                     release_at=order.release_at if paid_ahead(order) else None)


def refunded(order: Order, refund: Refund, *, at: str) -> OrderRefunded:
    """What a settled refund announces; ``full`` once the refunds reach what was paid."""
    full = order.refunded_fen + refund.amount_fen >= (order.paid_fen or 0) or order.status == OrderStatus.REFUNDED
    return OrderRefunded(order_id=order.order_id, store_id=order.store_id, at=at, refund_no=refund.out_refund_no,
                         amount_fen=refund.amount_fen, full=full, food_made=refund.food_made, reason=refund.reason,
                         line_indexes=refund.line_indexes)
