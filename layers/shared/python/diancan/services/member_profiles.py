"""The member_profile consumer's use case: a completed or refunded order → one write to its guest's profile.

Why a version-conditioned read-modify-write and not a per-order marker: the profile's bounded lists
(favourite dishes with eviction, the last 13 months) are computed in the domain, which an update expression
cannot do; the order ids already counted live in the same item (``counted``, ``recent``, bounded to the last
50), so the check "already counted?" and the write are one conditional UpdateItem on the version read: one
write per order, where a marker item in a transaction would cost two items (four write units). A replay finds
its order in the profile and writes nothing; a concurrent writer makes the condition fail and the fold is
done again on the fresh item. The limit: a replay of an order older than the guest's 50 latest is counted
again (SQS keeps a message four days, the DLQ 14; 50 orders of one guest in that window do not happen in a
restaurant).
"""

from __future__ import annotations

import logging

from diancan.domain.errors import Conflict
from diancan.domain.events import OrderCompleted, OrderEvent, OrderRefunded
from diancan.domain.exceptions import ConditionFailed
from diancan.domain.member_profile import fold_completed, fold_refunded
from diancan.domain.order import is_guest
from diancan.services.ports import OrderRepository, ProfileBook

logger = logging.getLogger(__name__)
ATTEMPTS = 3


class MemberProfiles:
    def __init__(self, repository: OrderRepository, profiles: ProfileBook,
                 business_tz: str = "Asia/Shanghai") -> None:
        self._repository = repository
        self._profiles = profiles
        self._tz = business_tz

    def handle(self, event: OrderEvent | None) -> str:
        """One typed bus event; returns what happened (``counted``, ``replay``, ``skipped``)."""
        if not isinstance(event, OrderCompleted | OrderRefunded):
            logger.warning("event not for member profiles", extra={"detail_type": getattr(event, "name", None)})
            return "skipped"
        order = self._repository.get_order(event.order_id, consistent=True)
        if not is_guest(order.openid):  # a walk-in at the counter: nobody to profile
            return "skipped"
        for _ in range(ATTEMPTS):
            stored = self._profiles.get(order.openid)
            if isinstance(event, OrderCompleted):
                folded = fold_completed(stored.profile, order, self._tz)
            else:
                folded = fold_refunded(stored.profile, order, refund_no=event.refund_no, amount_fen=event.amount_fen,
                                       full=event.full)
            if folded is None:
                return "replay"
            try:
                self._profiles.save(order.openid, folded, stored.version)
                return "counted"
            except ConditionFailed:
                logger.info("profile changed meanwhile; folding again")
        raise Conflict("the member's profile kept changing; retry", "请重试", code="PROFILE_BUSY")
