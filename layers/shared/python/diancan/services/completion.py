"""The one way an order becomes COMPLETED (collected at the counter, served at the table, delivered by the
courier): the transition and the ``OrderCompleted`` event together, so points are earned whoever completes it.

Callers: the console's "complete" move, the courier callback (delivered), table service. They call
``complete_order`` instead of ``OrderRepository.transition(..., OrderAction.COMPLETE)``.
"""

from __future__ import annotations

from diancan.domain.events import ORDER_COMPLETED, OrderCompleted
from diancan.domain.order import Order
from diancan.domain.order_status import OrderAction, OrderStatus, TransitionResult
from diancan.services.ports import EventPublisher, OrderRepository


def complete_order(repository: OrderRepository, bus: EventPublisher, order: Order, *, at: str,
                   by: str) -> TransitionResult:
    """Complete ``order`` and publish ``OrderCompleted`` once.

    A replay (the order is already COMPLETED) publishes only if the first attempt died between the
    transition and the publish: the order's ``published`` set says whether it went out.
    """
    result = repository.transition(order.order_id, order.mode, OrderAction.COMPLETE, at=at, by=by)
    if not result.applied:
        current = repository.get_order(order.order_id, consistent=True)
        if current.status != OrderStatus.COMPLETED or ORDER_COMPLETED in current.published:
            return result
    bus.publish([OrderCompleted(order_id=order.order_id, store_id=order.store_id, at=at, mode=order.mode,
                                total_fen=order.total_fen, by=by)])
    repository.mark_published(order.order_id, ORDER_COMPLETED)
    return result
