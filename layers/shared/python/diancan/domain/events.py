"""Domain events: what happened, as frozen values. One mapper (adapters.eventbus) turns them into
EventBridge entries; a JSON sample of each lives in ``events/bus/``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DomainEvent:
    name: str  # EventBridge detail-type, e.g. "OrderPaid"
    detail: dict = field(default_factory=dict)


def order_event(name: str, order_id: str, store_id: str, at: str, **extra) -> DomainEvent:
    """An order event carries the ids consumers need to load the order and key their idempotency."""
    return DomainEvent(name, {"order_id": order_id, "store_id": store_id, "at": at, **extra})


# The events between functions (samples in events/bus/<name>.json; consumers load the order by id):
ORDER_PAID = "OrderPaid"  # order_id, store_id, at, mode, total_fen, transaction_id, pickup_no
ORDER_CANCELLED = "OrderCancelled"  # order_id, store_id, at, reason, paid
ORDER_REFUNDED = "OrderRefunded"  # order_id, store_id, at, refund_no, amount_fen, full, food_made, reason
ORDER_ACCEPTED = "OrderAccepted"  # order_id, store_id, at, by
