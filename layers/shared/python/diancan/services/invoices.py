"""Invoices: a guest asks for one on their own paid order; staff see the pending requests and mark each
issued with the tax platform's invoice number, and record a red invoice (冲红) that reverses an issued one; the
settlement asks what was invoiced on a day.

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
    InvoiceAlreadyReversed,
    InvoiceLine,
    InvoiceNotIssued,
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
        invoice = self._stored(store_id, order_id, invoice_no)
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

    def reverse(self, store_id: str, order_id: str, red_invoice_no: str, by: str) -> dict:
        """冲红: record the red invoice (the platform's number) that cancels an issued one, for its whole amount;
        once: the same red number again is a replay, another is refused, an unissued request cannot be reversed."""
        invoice = self._stored(store_id, order_id, red_invoice_no)
        if invoice.status is InvoiceStatus.ISSUED:
            if red_invoice_no == invoice.invoice_no:
                raise InvalidRequest("the red invoice has its own number", "红字发票号码不能与原发票相同",
                                     code="INVALID_INVOICE_NO")
            now = self._clock()
            reversed_ = invoice.model_copy(update={"status": InvoiceStatus.REVERSED, "red_invoice_no": red_invoice_no,
                                                   "reversed_at": iso(now), "reversed_by": by,
                                                   "reversed_day": business_day(now, self._tz).isoformat()})
            if self._invoices.reverse(reversed_):
                return reversed_.staff_view()
            invoice = self._invoices.get(order_id) or invoice
        if invoice.status is InvoiceStatus.REQUESTED:
            raise InvoiceNotIssued()
        if invoice.red_invoice_no != red_invoice_no:
            raise InvoiceAlreadyReversed(details={"red_invoice_no": invoice.red_invoice_no})
        return invoice.staff_view()

    def _stored(self, store_id: str, order_id: str, number: str) -> Invoice:
        if not INVOICE_NO.match(number):
            raise InvalidRequest("invoice_no is 8-32 letters, digits or '-'", "发票号码格式有误",
                                 code="INVALID_INVOICE_NO")
        invoice = self._invoices.get(order_id)
        if invoice is None or invoice.store_id != store_id:
            raise InvoiceNotFound()
        return invoice

    def lines(self, store_id: str, day: str) -> list[InvoiceLine]:
        """The store's invoice movements of business day ``day`` (yyyy-mm-dd): each issued (blue) invoice on the
        day it was issued, each red reversal (negative) on the day it was written; one Query."""
        return self._invoices.lines_on(store_id, day)

    def invoiced_fen(self, store_id: str, day: str) -> Fen:
        """What the store invoiced on business day ``day``, net of red reversals: one Query. For the daily
        settlement, which shows it beside the day's takings."""
        return sum(line.amount_fen for line in self.lines(store_id, day))
