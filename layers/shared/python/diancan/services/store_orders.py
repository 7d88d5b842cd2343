"""The store side of orders: find a store's orders of a day, read one with its history, and move it
along (accept, ready, complete) with the audit trail. The status counters follow every applied transition
by ``Repository.transition`` itself (its ``counters``), not here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from diancan.adapters.staff_table import AuditEntry
from diancan.domain import lifecycle
from diancan.domain.clock import iso, utcnow
from diancan.domain.errors import NotFound
from diancan.domain.events import ORDER_ACCEPTED
from diancan.domain.membership import member_code, staff_safe_by
from diancan.domain.order import DeliveryAddress, Order
from diancan.domain.order_status import OrderAction, TransitionResult
from diancan.domain.staff import Staff
from diancan.services.completion import EventPublisher, complete_order
from diancan.services.ports import AuditTrail, Cipher, DayOrderIndex, OrderRepository


class NumberCaller(Protocol):
    def call_number(self, order_id: str, by: str) -> dict: ...


MOVES = {"accept": OrderAction.START, "ready": OrderAction.MARK_READY, "complete": OrderAction.COMPLETE}


@dataclass(frozen=True)
class OrderFilter:
    """Every field optional; all given ones must match."""

    number: str = ""      # part of the order id
    pickup_no: str = ""
    phone_tail: str = ""  # last digits of the delivery phone
    table_no: str = ""
    status: str = ""
    mode: str = ""
    channel: str = ""     # miniprogram, table or counter

    def matches(self, order: Order, phone: str | None) -> bool:
        return ((not self.number or self.number.upper() in order.order_id)
                and (not self.pickup_no or str(order.pickup_no or "") == self.pickup_no.lstrip("0"))
                and (not self.phone_tail or (phone or "").endswith(self.phone_tail))
                and (not self.table_no or (order.table_no or "").upper() == self.table_no.upper())
                and (not self.status or order.status.value == self.status)
                and (not self.mode or order.mode == self.mode)
                and (not self.channel or order.channel == self.channel))


def staff_view(order: Order, phone: str | None = None) -> dict:
    """What the console shows: the order without the guest's openid (their member code instead, also in the
    history's ``by``); the phone only as its tail."""
    view = order.model_dump(mode="json", exclude={"openid", "reserved", "address"})
    view["member_code"] = member_code(order.openid)
    for change in view["history"]:
        change["by"] = staff_safe_by(change.get("by") or "")
    view["phone_tail"] = phone[-4:] if phone else None
    return view


class StoreOrders:
    def __init__(self, repository: OrderRepository, day_orders: DayOrderIndex, bus: EventPublisher, audit: AuditTrail,
                 pii: Cipher | None, clock: Callable[[], datetime] = utcnow) -> None:
        self._repository = repository
        self._day_orders = day_orders
        self._bus = bus
        self._audit = audit
        self._pii = pii
        self._clock = clock

    def _phone(self, encrypted: str | None) -> str | None:
        if not encrypted or self._pii is None:
            return None
        return DeliveryAddress.model_validate_json(self._pii.decrypt(encrypted)).phone

    def search(self, store_id: str, day: str, wanted: OrderFilter) -> list[dict]:
        found = []
        for order, encrypted in self._day_orders.of_day(store_id, day):
            phone = self._phone(encrypted) if wanted.phone_tail and encrypted else None
            if wanted.matches(order, phone):
                found.append(staff_view(order, phone))
        return found

    def get(self, store_id: str, order_id: str) -> Order:
        """The order, if it belongs to ``store_id`` (another store's order does not exist here)."""
        order = self._repository.get_order(order_id, consistent=True)
        if order.store_id != store_id:
            raise NotFound("no such order in this store", "本店没有该订单", code="ORDER_NOT_FOUND")
        return order

    def detail(self, store_id: str, order_id: str) -> dict:
        order, encrypted = self._repository.get_order_and_address(order_id, consistent=True)
        if order.store_id != store_id:
            raise NotFound("no such order in this store", "本店没有该订单", code="ORDER_NOT_FOUND")
        return staff_view(order, self._phone(encrypted))

    def move(self, staff: Staff, store_id: str, order_id: str, move: str, *, kitchen: NumberCaller | None = None
             ) -> dict:
        """Accept / ready / complete: one conditional transition; the audit entry only when it applied.

        "accept" publishes ``OrderAccepted`` (stores that print or dispatch on accept wait for it); "ready"
        goes through the kitchen service when there is one, so the guest hears their number called;
        "complete" goes through ``complete_order`` (``OrderCompleted`` earns the guest their points).
        """
        order = self.get(store_id, order_id)
        at, by = iso(self._clock()), f"staff:{staff.staff_id}"
        if move == "ready" and kitchen is not None:
            status = str(kitchen.call_number(order_id, by)["status"])
            applied = status != order.status.value
        else:
            if move == "complete":
                result = complete_order(self._repository, self._bus, order, at=at, by=by)
            else:
                if move == "accept":
                    decision = lifecycle.accept(order, at=at, by=by)
                    result = self._repository.apply(order_id, decision.move)
                    self._announce_accepted(order, result, decision)
                else:
                    result = self._repository.transition(order_id, order.mode, MOVES[move], at=at, by=by)
            status, applied = str(result.status), result.applied
        if applied:
            self._audit.append(AuditEntry(store_id, staff.staff_id, f"order.{move}", order_id, at, {}))
        return {"order_id": order_id, "status": status, "applied": applied}

    def _announce_accepted(self, order: Order, result: TransitionResult, decision: lifecycle.Decision) -> None:
        """``OrderAccepted`` once: a replay publishes only if the first attempt died before publishing."""
        if not result.applied and ORDER_ACCEPTED in self._repository.get_order(order.order_id, consistent=True).published:
            return
        self._bus.publish(list(decision.events))
        self._repository.mark_published(order.order_id, ORDER_ACCEPTED)
