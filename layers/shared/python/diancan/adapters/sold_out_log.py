"""Sold-out flags set by the stock service, each change logged for the reports' operations section.

One transaction per change: the dish's ``sold_out`` flag, on the condition that it is not already so, and
an event item in the store's partition of that business day. A replay or a concurrent consumer that saw the
same stock finds the flag already set and writes nothing, so each real change is one event.

Access patterns:
- S1 flag a dish and log it: TransactWriteItems (Update ``STORE#<sid>`` / ``DISH#<did>``; Put
  ``SOLDOUT#<sid>#<day>`` / ``<at>#<dish id>#<out|back>``)
- S2 a store's events of one business day, in time order: Query ``SOLDOUT#<sid>#<day>``
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError

from diancan.adapters import keys
from diancan.adapters.records import DishRecord, SoldOutEventRecord, table_connection
from diancan.adapters.transactions import ConditionFailed, Transaction, raise_for_cancellation
from diancan.domain.clock import business_day, parse_iso


@dataclass(frozen=True)
class SoldOutEvent:
    dish_id: str
    name: str
    sold_out: bool  # False: back in stock
    at: str


class SoldOutLog:
    def __init__(self, tz: str, connection: Connection | None = None) -> None:
        self._tz = tz
        self._connection = connection or table_connection()

    def mark(self, store_id: str, dish_id: str, name: str, sold_out: bool, at: str) -> bool:
        """Set the flag and log the change; False (nothing written) when the dish is already so, or gone."""
        changes = (DishRecord.sold_out == True) if not sold_out else (  # noqa: E712 (a condition expression)
            DishRecord.sold_out.does_not_exist() | (DishRecord.sold_out == False))  # noqa: E712
        day = business_day(parse_iso(at), self._tz).isoformat()
        tx = Transaction(self._connection)
        try:
            with tx:
                tx.update("dish", DishRecord(keys.store(store_id), keys.dish(dish_id)),
                          [DishRecord.sold_out.set(sold_out)], condition=DishRecord.PK.exists() & changes)
                tx.put("event", SoldOutEventRecord(
                    keys.sold_out_events(store_id, day), keys.timed(at, f"{dish_id}#{'out' if sold_out else 'back'}"),
                    dish_id=dish_id, name=name, sold_out=sold_out, at=at))
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed:
                return False
        return True

    def of_day(self, store_id: str, day: date) -> list[SoldOutEvent]:
        return [SoldOutEvent(r.dish_id, r.name, bool(r.sold_out), r.at)
                for r in SoldOutEventRecord.query(keys.sold_out_events(store_id, day.isoformat()))]
