"""Invoice requests in DynamoDB (docs/table.md, AP-IN1..4).

- IN1 request: PutItem ``ORDER#<oid>/INVOICE`` if absent, GSI2 ``INVOICES#<sid>`` / ``<requested_at>#<oid>``.
- IN2 the guest's order page: the item rides along in the order's Query (``invoice_read``), no call of its own.
- IN3 the console's pending list: Query GSI2 ``INVOICES#<sid>``, oldest first.
- IN4 issue: UpdateItem conditioned on ``status = requested``; GSI2 moves to ``INVOICED#<sid>#<day>`` so the
  invoiced amount of a day is one Query.
- IN5 reverse (冲红): one transaction: UpdateItem of ``INVOICE`` conditioned on ``status = issued`` (its GSI2 stays
  on the day it was issued) and PutItem ``ORDER#<oid>/INVOICE#RED`` (GSI2 ``INVOICED#<sid>#<red day>``), so a
  day's Query returns the blue invoices issued and the red ones written that day, each once.
"""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import InvoiceRecord, Record, table_connection
from diancan.adapters.repository import BatchRead
from diancan.adapters.transactions import Transaction, raise_for_cancellation
from diancan.domain.exceptions import ConditionFailed
from diancan.domain.invoices import (
    Invoice,
    InvoiceAlreadyRequested,
    InvoiceLine,
    InvoiceStatus,
    blue_line,
    red_line,
)


def _invoice(record: InvoiceRecord) -> Invoice:
    return Invoice.model_validate(record.doc)


def _conditional_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


class InvoiceTable:
    """One invoice request per order, in the order's partition (and its red reversal beside it)."""

    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection


    def request(self, invoice: Invoice) -> Invoice:
        """Keep the request; the same request again answers the first, another one is refused."""
        record = InvoiceRecord(keys.order(invoice.order_id), keys.INVOICE, status=invoice.status.value,
                               doc=invoice.model_dump(mode="json"), GSI2PK=keys.invoices_pending(invoice.store_id),
                               GSI2SK=keys.timed(invoice.requested_at, invoice.order_id))
        try:
            record.save(condition=InvoiceRecord.PK.does_not_exist())
        except PutError as error:
            if not _conditional_failed(error):
                raise
            stored = self.get(invoice.order_id)
            if stored is not None and stored.request == invoice.request:
                return stored
            raise InvoiceAlreadyRequested() from None
        return invoice

    def get(self, order_id: str) -> Invoice | None:
        try:
            return _invoice(InvoiceRecord.get(keys.order(order_id), keys.INVOICE, consistent_read=True))
        except DoesNotExist:
            return None

    def invoice_read(self, order_id: str) -> BatchRead[Invoice | None]:
        """The order's invoice, read in the order's Query (``Repository.order_with_issue(extra=...)``)."""
        return BatchRead((keys.order(order_id), keys.INVOICE), lambda record: record and _invoice(record),
                         kind=InvoiceRecord)

    def pending(self, store_id: str, limit: int = 200) -> list[Invoice]:
        return [_invoice(r) for r in InvoiceRecord.gsi2.query(keys.invoices_pending(store_id), limit=limit)]

    def issue(self, invoice: Invoice) -> bool:
        """Write the issued invoice if it is still only requested; False when it was issued meanwhile."""
        assert invoice.issued_day and invoice.issued_at
        try:
            InvoiceRecord(keys.order(invoice.order_id), keys.INVOICE).update(actions=[
                InvoiceRecord.status.set(InvoiceStatus.ISSUED.value), InvoiceRecord.doc.set(invoice.model_dump(mode="json")),
                Record.GSI2PK.set(keys.invoiced(invoice.store_id, invoice.issued_day)),
                Record.GSI2SK.set(keys.timed(invoice.issued_at, invoice.order_id)),
            ], condition=InvoiceRecord.status == InvoiceStatus.REQUESTED.value)
        except UpdateError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def reverse(self, invoice: Invoice) -> bool:
        """Write the reversed invoice and its red line if it is still issued; False when it was reversed meanwhile."""
        assert invoice.reversed_day and invoice.reversed_at
        doc = invoice.model_dump(mode="json")
        tx = Transaction(self._connection or table_connection())
        try:
            with tx:
                tx.put("red", InvoiceRecord(keys.order(invoice.order_id), keys.INVOICE_RED, status="red", doc=doc,
                                            GSI2PK=keys.invoiced(invoice.store_id, invoice.reversed_day),
                                            GSI2SK=keys.timed(invoice.reversed_at, invoice.order_id)),
                       condition=InvoiceRecord.PK.does_not_exist())
                tx.update("invoice", InvoiceRecord(keys.order(invoice.order_id), keys.INVOICE),
                          [InvoiceRecord.status.set(InvoiceStatus.REVERSED.value), InvoiceRecord.doc.set(doc)],
                          condition=InvoiceRecord.status == InvoiceStatus.ISSUED.value)
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed:
                return False
        return True

    def lines_on(self, store_id: str, day: str) -> list[InvoiceLine]:
        """A store's invoice movements of business day ``day``: one Query (AP-IN4), oldest first."""
        return [blue_line(_invoice(r)) if r.SK == keys.INVOICE else red_line(_invoice(r))
                for r in InvoiceRecord.gsi2.query(keys.invoiced(store_id, day))]
