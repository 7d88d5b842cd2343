"""A store's orders of one business day (GSI2 ``STORE#<sid>#<day>``), for the console's order list.

One query per page of the day; filters are applied to the day's orders in the service, never by a scan.
"""

from __future__ import annotations

from diancan.adapters import keys
from diancan.adapters.records import OrderRecord
from diancan.adapters.repository import order_from_record
from diancan.domain.order import Order

MAX_DAY_ORDERS = 3000


class DayOrders:
    def of_day(self, store_id: str, day: str, *, limit: int = MAX_DAY_ORDERS) -> list[tuple[Order, str | None]]:
        """(order, encrypted address or None), newest first, at most ``limit``."""
        results = OrderRecord.gsi2.query(keys.store_day(store_id, day), scan_index_forward=False, limit=limit)
        return [(order_from_record(r), r.doc.get("address_enc")) for r in results if isinstance(r, OrderRecord)]
