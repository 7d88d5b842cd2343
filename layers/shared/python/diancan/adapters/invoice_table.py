"""Invoice requests in DynamoDB (docs/table.md, AP-IN1..4).

- IN1 request: PutItem ``ORDER#<oid>/INVOICE`` if absent, GSI2 ``INVOICES#<sid>`` / ``<requested_at>#<oid>``.
- IN2 the guest's order page: the item rides along in the order's Query (``invoice_read``), no call of its own.
- IN3 the console's pending list: Query GSI2 ``INVOICES#<sid>``, oldest first.
- IN4 issue: UpdateItem conditioned on ``status = requested``; GSI2 moves to ``INVOICED#<sid>#<day>`` so the
  invoiced amount of a day is one Query.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import InvoiceRecord, Record
from diancan.adapters.repository import BatchRead
from diancan.domain.invoices import Invoice, InvoiceAlreadyRequested, InvoiceStatus


def _invoice(record: InvoiceRecord) -> Invoice:
    return Invoice.model_validate(record.doc)


def _conditional_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


class InvoiceTable:
    """One invoice request per order, in the order's partition."""

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

    def issued_on(self, store_id: str, day: str) -> list[Invoice]:
        return [_invoice(r) for r in InvoiceRecord.gsi2.query(keys.invoiced(store_id, day))]
