"""The loyalty consumer's use case: bus events about an order → coupons, points and the guest's activity.

Every reaction is idempotent per order and event (coupon moves are conditional, points are ledger lines
keyed by the order, dish counts remember the orders counted), so SQS replays change nothing.
"""

from __future__ import annotations

import logging

from diancan.domain.events import OrderCancelled, OrderCompleted, OrderEvent, OrderPaid, OrderRefunded
from diancan.domain.order import is_guest
from diancan.domain.order_status import OrderStatus
from diancan.services.loyalty import Loyalty
from diancan.services.ports import Activity, OrderRepository

logger = logging.getLogger(__name__)


class LoyaltyEvents:
    def __init__(self, repository: OrderRepository, loyalty: Loyalty, activity: Activity) -> None:
        self._repository = repository
        self._loyalty = loyalty
        self._activity = activity

    def handle(self, event: OrderEvent | None) -> None:
        """One typed bus event (None: a detail-type that is not ours)."""
        if event is None:
            logger.warning("event not for loyalty")
            return
        order = self._repository.get_order(event.order_id, consistent=True)
        if not is_guest(order.openid):  # a walk-in at the counter (or a tab staff opened): nobody to credit
            logger.info("no guest to credit", extra={"order_id": order.order_id, "event": event.name})
            return
        at = event.at or order.created_at
        if isinstance(event, OrderPaid):
            self._loyalty.order_paid(order, at)
            self._activity.record_paid_order(order)
        elif isinstance(event, OrderCancelled):
            self._loyalty.order_cancelled(order, at)
        elif isinstance(event, OrderCompleted):
            if order.status != OrderStatus.COMPLETED:  # refunded meanwhile: nothing to earn
                logger.info("completion outdated", extra={"status": order.status.value})
                return
            store, _, _ = self._repository.load_for_order(order.store_id, [], None)
            self._loyalty.order_completed(order, store, at)
        elif isinstance(event, OrderRefunded):
            full = event.full or order.status == OrderStatus.REFUNDED
            self._loyalty.order_refunded(order, at, full=full, refund_no=event.refund_no, amount_fen=event.amount_fen)
        else:
            logger.warning("event not for loyalty", extra={"detail_type": event.name})
