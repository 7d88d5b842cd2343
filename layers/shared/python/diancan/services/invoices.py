"""Invoices: a guest asks for one on their own paid order; staff see the pending requests and mark each
issued with the tax platform's invoice number; the settlement asks what was invoiced on a day.

The amount is what the guest paid less what was refunded when they asked. Both writes are conditional: a
repeated request answers the first one, a repeated "issued" with the same number changes nothing, another
number is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from diancan.domain.clock import BUSINESS_TZ_DEFAULT, business_day, iso, utcnow
from diancan.domain.errors import InvalidRequest, NotFound
from diancan.domain.invoices import (
    INVOICE_NO,
    Invoice,
    InvoiceAlreadyIssued,
    InvoiceRequest,
    InvoiceStatus,
    NotInvoiceable,
)
from diancan.domain.money import Fen
from diancan.domain.order_status import OrderStatus
from diancan.services.ports import InvoiceBook, OrderRepository

INVOICEABLE = {OrderStatus.SCHEDULED, OrderStatus.PAID, OrderStatus.PREPARING, OrderStatus.READY,
               OrderStatus.DELIVERING, OrderStatus.COMPLETED}  # a pre-order paid ahead (SCHEDULED) is paid too


class InvoiceNotFound(NotFound):
    code, message_zh, message_en = "INVOICE_NOT_FOUND", "该订单没有发票申请", "No invoice request for this order"


class InvoiceService:
    def __init__(self, repository: OrderRepository, invoices: InvoiceBook, *, tz: str = BUSINESS_TZ_DEFAULT,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._repository = repository
        self._invoices = invoices
        self._tz = tz
        self._clock = clock

    def request(self, openid: str, order_id: str, request: InvoiceRequest) -> dict:
        """The guest's request on their own paid order (another guest's order does not exist)."""
        order = self._repository.get_order(order_id)
        if order.openid != openid:
            raise NotFound("no such order", "订单不存在", code="ORDER_NOT_FOUND")
        amount = (order.paid_fen or 0) - order.refunded_fen
        if order.status not in INVOICEABLE or amount < 1:
            raise NotInvoiceable(details={"status": order.status.value})
        invoice = Invoice(order_id=order_id, store_id=order.store_id, openid=openid, amount_fen=amount,
                          request=request, requested_at=iso(self._clock()))
        return self._invoices.request(invoice).guest_view()

    def pending(self, store_id: str) -> list[dict]:
        return [invoice.staff_view() for invoice in self._invoices.pending(store_id)]

    def issue(self, store_id: str, order_id: str, invoice_no: str, by: str) -> dict:
        """Mark the request issued with the platform's number; once: the same number again is a replay."""
        if not INVOICE_NO.match(invoice_no):
            raise InvalidRequest("invoice_no is 8-32 letters, digits or '-'", "发票号码格式有误",
                                 code="INVALID_INVOICE_NO")
        invoice = self._invoices.get(order_id)
        if invoice is None or invoice.store_id != store_id:
            raise InvoiceNotFound()
        if invoice.status is InvoiceStatus.REQUESTED:
            now = self._clock()
            issued = invoice.model_copy(update={"status": InvoiceStatus.ISSUED, "invoice_no": invoice_no,
                                                "issued_at": iso(now), "issued_by": by,
                                                "issued_day": business_day(now, self._tz).isoformat()})
            if self._invoices.issue(issued):
                return issued.staff_view()
            invoice = self._invoices.get(order_id) or invoice
        if invoice.invoice_no != invoice_no:
            raise InvoiceAlreadyIssued(details={"invoice_no": invoice.invoice_no})
        return invoice.staff_view()

    def invoiced_fen(self, store_id: str, day: str) -> Fen:
        """What the store invoiced on business day ``day`` (yyyy-mm-dd, by the day each was issued): one Query.
        For the daily settlement, which shows it beside the day's takings."""
        return sum(invoice.amount_fen for invoice in self._invoices.issued_on(store_id, day))
