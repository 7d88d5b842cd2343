"""DynamoDB access of a store's service state (``STORE#<sid>`` / ``#SERVICE``, docs/table.md AP-S1..S4): the
staff's switches and the open kitchen tickets, one item per store.

- read: GetItem (the guest's order detail while the order is in the kitchen, guest_notify's accepted
  estimate); the menu read and the order's BatchGetItem carry it at no call of their own (``decode``)
- a switch: one conditional UpdateItem (written only when it changes)
- tickets in: one UpdateItem ``SET tickets.#t = :v`` per event (all its kitchen tickets); out: one UpdateItem
  ``REMOVE tickets.#t`` per bump. Both are idempotent: a replay sets the same value or removes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.exceptions import DoesNotExist, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import Record, ServiceStateRecord
from diancan.domain.service_state import DEFAULT_LANES, OpenTicket, ServiceState

if TYPE_CHECKING:
    from diancan.adapters.repository import BatchRead


def decode(record: Record | None) -> ServiceState:
    """The state of a record read by another access (None: a store never switched nor busy)."""
    if not isinstance(record, ServiceStateRecord):
        return ServiceState()
    tickets = (record.tickets.as_dict() if record.tickets is not None else {}) or {}
    return ServiceState(
        busy_switched=bool(record.busy), delivery_paused=bool(record.delivery_paused),
        lanes=int(record.lanes or DEFAULT_LANES),
        tickets=tuple(OpenTicket(ticket_id=tid, order_id=str(v["o"]), at=str(v["at"]), prep_minutes=int(v["p"]))
                      for tid, v in sorted(tickets.items())))


def _conditional_failed(error: UpdateError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


class ServiceStateTable:
    def read(self, store_id: str) -> ServiceState:
        try:
            return decode(ServiceStateRecord.get(keys.store(store_id), keys.SERVICE))
        except DoesNotExist:
            return ServiceState()

    def batch_read(self, store_id: str) -> BatchRead[ServiceState]:
        """The same state, read in the order's BatchGetItem (``Repository.load_for_order(extra=...)``)."""
        from diancan.adapters.repository import BatchRead  # the repository decodes this item in the menu read

        return BatchRead((keys.store(store_id), keys.SERVICE), decode)

    def switch(self, store_id: str, name: str, on: bool, *, at: str, by: str) -> bool:
        """Set ``busy`` or ``delivery_paused``; True when this call changed it (a repeat writes nothing)."""
        attribute = {"busy": ServiceStateRecord.busy, "delivery_paused": ServiceStateRecord.delivery_paused}[name]
        condition = (attribute.does_not_exist() | (attribute == False)) if on else (attribute == True)  # noqa: E712
        try:
            self._record(store_id).update(actions=[
                ServiceStateRecord.kind.set(ServiceStateRecord), attribute.set(on),
                ServiceStateRecord.switched_at.set(at), ServiceStateRecord.switched_by.set(by)],
                condition=condition)
        except UpdateError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def enter(self, store_id: str, tickets: list[OpenTicket], *, lanes: int = DEFAULT_LANES) -> ServiceState:
        """Add kitchen tickets to the store's open ones (and the store's ``lanes`` setting, which the estimate
        needs); the state after the write (ReturnValues ALL_NEW)."""
        if not tickets:
            return self.read(store_id)
        entries = {t.ticket_id: {"o": t.order_id, "at": t.at, "p": t.prep_minutes} for t in tickets}
        record = self._record(store_id)
        for _ in range(3):
            try:
                record.update(actions=[ServiceStateRecord.lanes.set(lanes),
                                       *(ServiceStateRecord.tickets[tid].set(value) for tid, value in entries.items())],
                              condition=ServiceStateRecord.tickets.exists())
                return decode(record)
            except UpdateError as error:
                if not _conditional_failed(error):
                    raise
            try:  # the store's first ticket: create the map with these in it, unless another writer just did
                record.update(actions=[ServiceStateRecord.kind.set(ServiceStateRecord),
                                       ServiceStateRecord.lanes.set(lanes), ServiceStateRecord.tickets.set(entries)],
                              condition=ServiceStateRecord.tickets.does_not_exist())
                return decode(record)
            except UpdateError as error:
                if not _conditional_failed(error):
                    raise
        raise RuntimeError("the service state kept changing")  # pragma: no cover - three lost races in a row

    def leave(self, store_id: str, ticket_ids: list[str]) -> None:
        """Remove bumped (or stale) tickets; removing one that is gone changes nothing."""
        if not ticket_ids:
            return
        try:
            self._record(store_id).update(actions=[ServiceStateRecord.tickets[tid].remove() for tid in ticket_ids],
                                          condition=ServiceStateRecord.tickets.exists())
        except UpdateError as error:
            if not _conditional_failed(error):
                raise

    @staticmethod
    def _record(store_id: str) -> ServiceStateRecord:
        return ServiceStateRecord(keys.store(store_id), keys.SERVICE)
