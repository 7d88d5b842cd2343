"""The one way an order becomes COMPLETED (collected at the counter, served at the table, delivered by the
courier): the transition and the ``OrderCompleted`` event together, so points are earned whoever completes it.

Callers: the console's "complete" move, the courier callback (delivered), table service. They call
``complete_order`` instead of ``OrderRepository.transition(..., OrderAction.COMPLETE)``.
"""

from __future__ import annotations

from diancan.domain import lifecycle
from diancan.domain.events import ORDER_COMPLETED
from diancan.domain.order import Order
from diancan.domain.order_status import OrderStatus, TransitionResult
from diancan.services.ports import EventPublisher, OrderRepository


def complete_order(repository: OrderRepository, bus: EventPublisher, order: Order, *, at: str,
                   by: str) -> TransitionResult:
    """Complete ``order`` and publish ``OrderCompleted`` once.

    A replay (the order is already COMPLETED) publishes only if the first attempt died between the
    transition and the publish: the order's ``published`` set says whether it went out.
    """
    decision = lifecycle.complete(order, at=at, by=by)
    result = repository.apply(order.order_id, decision.move)
    if not result.applied:
        current = repository.get_order(order.order_id, consistent=True)
        if current.status != OrderStatus.COMPLETED or ORDER_COMPLETED in current.published:
            return result
    bus.publish(list(decision.events))
    repository.mark_published(order.order_id, ORDER_COMPLETED)
    return result
