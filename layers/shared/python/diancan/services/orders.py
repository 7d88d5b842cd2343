"""A guest's own orders: list, read, cancel while unpaid. Another guest's order does not exist (404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from diancan.domain import lifecycle
from diancan.domain.clock import iso, utcnow
from diancan.domain.dispatch import Dispatch
from diancan.domain.errors import NotFound
from diancan.domain.order import DeliveryAddress, Order
from diancan.domain.order_status import OrderAction, OrderStatus
from diancan.domain.service_state import order_estimate
from diancan.services.ports import (
    Cipher,
    CursorSeal,
    EventPublisher,
    InvoiceBook,
    OrderRepository,
    ServiceStateLedger,
)

if TYPE_CHECKING:  # built on first use (bootstrap.OnFirstUse): reading or quoting must not load WeChat Pay
    from diancan.adapters.repository import BatchRead  # the one adapter value still passed through a port
    from diancan.services.payments import PaymentService

MAX_PAGE = 50
IN_KITCHEN = (OrderStatus.PAID, OrderStatus.PREPARING)  # paid and not ready: the guest is waiting for the kitchen


class Deliveries(Protocol):
    """What the order detail needs of delivery: the order's dispatch (state, timed steps, masked rider), read
    in the order's own Query."""

    def dispatch_read(self, order_id: str) -> BatchRead[Dispatch | None]: ...


def _guests(openid: str, order: Order) -> Order:
    """The order if it is this guest's; another guest's order does not exist."""
    if order.openid != openid:
        raise NotFound("no such order", "订单不存在", code="ORDER_NOT_FOUND")
    return order


class GuestOrders:
    def __init__(self, repository: OrderRepository, bus: EventPublisher, pii: Cipher | None, payments: PaymentService,
                 clock: Callable[[], datetime] = utcnow, deliveries: Deliveries | None = None, *,
                 cursors: CursorSeal, invoices: InvoiceBook | None = None,
                 service_states: ServiceStateLedger | None = None) -> None:
        self._repository = repository
        self._invoices = invoices
        self._service_states = service_states
        self._cursors = cursors
        self._deliveries = deliveries
        self._payments = payments
        self._bus = bus
        self._pii = pii
        self._clock = clock

    def own(self, openid: str, order_id: str) -> Order:
        return _guests(openid, self._repository.get_order(order_id))

    def detail(self, openid: str, order_id: str) -> dict:
        """The order, its address, its stock issue and its delivery: one Query of the order's partition."""
        delivery = self._deliveries.dispatch_read(order_id) if self._deliveries is not None else None
        invoice = self._invoices.invoice_read(order_id) if self._invoices is not None else None
        read = self._repository.order_with_issue(order_id, extra=[r for r in (delivery, invoice) if r])
        order = _guests(openid, read.order)
        view = order.guest_view()
        if read.encrypted_address and self._pii is not None:
            address = self._pii.decrypt(read.encrypted_address)
            view["address"] = DeliveryAddress.model_validate_json(address).model_dump()
        view["stock_issue"] = read.stock_issue.guest_notice() if read.stock_issue else None
        if delivery is not None and order.mode == "delivery":
            view["delivery"] = delivery.value.view() if delivery.value else None
        if invoice is not None:
            view["invoice"] = invoice.value.guest_view() if invoice.value else None
        view.update(self._waiting(order))
        return view

    def _waiting(self, order: Order) -> dict:
        """Orders ahead and the estimated ready time while the kitchen has the order: one GetItem of the
        store's service item (its open tickets), only then; computed at read time, so every bump refines it."""
        if self._service_states is None or order.status not in IN_KITCHEN:
            return {"estimated_ready_at": None, "orders_ahead": None}
        now = self._clock()
        result = order_estimate(self._service_states.read(order.store_id), order, now)
        return {"estimated_ready_at": iso(result.ready_at), "orders_ahead": result.orders_ahead}

    def page(self, openid: str, cursor: str | None, limit: int) -> dict:
        """One page of the guest's orders; ``cursor`` is a ``next_cursor`` this guest was given (else a 400)."""
        orders, last_key = self._repository.list_user_orders(openid, start_key=self._cursors.open(cursor, scope=openid),
                                                             limit=max(1, min(limit, MAX_PAGE)))
        return {"orders": [o.guest_view() for o in orders], "next_cursor": self._cursors.seal(last_key, scope=openid)}

    def cancel(self, openid: str, order_id: str) -> dict:
        """Cancel an unpaid order: status and portions in one transaction, then tell the consumers."""
        order = self.own(openid, order_id)
        at = iso(self._clock())
        decision = lifecycle.release(order, OrderAction.CANCEL, at=at, by=f"guest:{openid}", reason="guest")
        result = self._repository.release_order(order, decision.move)
        if result.applied:
            self._bus.publish(list(decision.events))
            order = order.model_copy(update={"status": result.status,
                                             "history": [*order.history, decision.move.change]})
        return order.guest_view()

    def pay(self, openid: str, order_id: str) -> dict:
        """Payment parameters again for the guest's own unpaid order (the first sheet was dismissed)."""
        return {"order_id": order_id, "pay_params": self._payments.pay_params(self.own(openid, order_id))}

    def sync_payment(self, openid: str, order_id: str) -> dict:
        """The guest came back from the payment sheet: ask WeChat Pay now instead of waiting for the notify."""
        order = self.own(openid, order_id)
        if order.status == OrderStatus.PENDING_PAYMENT:
            self._payments.sync(order_id)
        return self.detail(openid, order_id)
