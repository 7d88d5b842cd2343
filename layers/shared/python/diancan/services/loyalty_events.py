"""The loyalty consumer's use case: bus events about an order → coupons, points and the guest's activity.

Every reaction is idempotent per order and event (coupon moves are conditional, points are ledger lines
keyed by the order, dish counts remember the orders counted), so SQS replays change nothing.
"""

from __future__ import annotations

import logging

from diancan.domain.events import ORDER_CANCELLED, ORDER_PAID, ORDER_REFUNDED
from diancan.domain.order import is_guest
from diancan.domain.order_status import OrderStatus
from diancan.services.completion import ORDER_COMPLETED
from diancan.services.loyalty import Loyalty
from diancan.services.ports import Activity, OrderRepository

logger = logging.getLogger(__name__)


class LoyaltyEvents:
    def __init__(self, repository: OrderRepository, loyalty: Loyalty, activity: Activity) -> None:
        self._repository = repository
        self._loyalty = loyalty
        self._activity = activity

    def handle(self, detail_type: str, detail: dict) -> None:
        order = self._repository.get_order(detail["order_id"], consistent=True)
        if not is_guest(order.openid):  # a walk-in at the counter (or a tab staff opened): nobody to credit
            logger.info("no guest to credit", extra={"order_id": order.order_id, "detail_type": detail_type})
            return
        at = detail.get("at") or order.created_at
        if detail_type == ORDER_PAID:
            self._loyalty.order_paid(order, at)
            self._activity.record_paid_order(order)
        elif detail_type == ORDER_CANCELLED:
            self._loyalty.order_cancelled(order, at)
        elif detail_type == ORDER_COMPLETED:
            if order.status != OrderStatus.COMPLETED:  # refunded meanwhile: nothing to earn
                logger.info("completion outdated", extra={"status": order.status.value})
                return
            store, _, _ = self._repository.load_for_order(order.store_id, [], None)
            self._loyalty.order_completed(order, store, at)
        elif detail_type == ORDER_REFUNDED:
            full = bool(detail.get("full")) or order.status == OrderStatus.REFUNDED
            self._loyalty.order_refunded(order, at, full=full, refund_no=str(detail.get("refund_no", "")),
                                         amount_fen=int(detail.get("amount_fen", 0)))
        else:
            logger.warning("event not for loyalty", extra={"detail_type": detail_type})
