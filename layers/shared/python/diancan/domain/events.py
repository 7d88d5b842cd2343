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
