"""The daily "guess you like" refresh: per store, the best sellers and what is ordered together, from the
paid orders of the last ``DAYS`` business days (one GSI2 query per store and day, never a scan), written to
``STORE#<sid>/RECO`` for the menu read."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from diancan.domain.cart import OrderLine
from diancan.domain.clock import business_day, iso, utcnow
from diancan.domain.recommend import store_reco
from diancan.services.ports import Activity, OrderRepository

logger = logging.getLogger(__name__)
DAYS = 14


class RecoJob:
    def __init__(self, repository: OrderRepository, activity: Activity, business_tz: str = "Asia/Shanghai",
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._repository = repository
        self._activity = activity
        self._tz = business_tz
        self._clock = clock

    def _orders(self, store_id: str, today) -> Iterator[list[OrderLine]]:
        for back in range(1, DAYS + 1):  # whole days only: today is still being ordered
            yield from self._activity.paid_order_lines(store_id, (today - timedelta(days=back)).isoformat())

    def run(self) -> dict:
        now = self._clock()
        today = business_day(now, self._tz)
        counted = {}
        for store in self._repository.list_stores():
            reco = store_reco(self._orders(store.store_id, today), iso(now))
            self._activity.put_store_reco(store.store_id, reco)
            counted[store.store_id] = reco.orders_counted
        logger.info("recommendations refreshed", extra={"orders": counted})
        return {"day": today.isoformat(), "orders": counted}
