"""Counter ordering (POS): the cashier takes a walk-in guest's order on the console and takes the money.

The order is priced and checked exactly as the mini-program's (``OrderingService``: the store's menu, options,
limits, offers; never a client price), created with channel ``counter``, then paid at once: cash (the change
computed here from the cash given), a card terminal, or a payment code scanned (recorded as ``other`` with its
transaction id). ``PaymentService.paid_at_counter`` writes PAID with a counter voucher in the store's chain and
publishes OrderPaid, so the kitchen tickets print as for any paid order. Or the dishes join an open table's bill
as a staff round (``TableService.staff_round``), paid when the table settles.

The request key makes a repeat (double click, retry) answer the order it made, paid once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from diancan.domain.counter import CounterCart, CounterPayment, CounterSale
from diancan.domain.order import Order, OrderRequest
from diancan.domain.order_status import OrderStatus
from diancan.domain.tables import STAFF_PREFIX
from diancan.services.menu import store_menu
from diancan.services.ordering import OrderingService
from diancan.services.ports import OrderRepository

if TYPE_CHECKING:  # built on first use: the counter page's menu and quote load no WeChat Pay
    from diancan.services.payments import PaymentService
    from diancan.services.tables import TableService

COUNTER_MODE = "takeout"  # a walk-in order that is not a table's: packed or eaten at the counter


class CounterService:
    def __init__(self, repository: OrderRepository, ordering: OrderingService, payments: PaymentService,
                 tables: TableService) -> None:
        self._repository = repository
        self._ordering = ordering
        self._payments = payments
        self._tables = tables

    def menu(self, store_id: str) -> dict:
        """The store's menu as the mini-program shows it (categories, dishes on the shelf, their options)."""
        return store_menu(self._repository, store_id, category=None, q=None, sort="default")

    def quote(self, store_id: str, sale: CounterCart) -> dict:
        """The price the guest will pay now, the store's offers applied (nothing written)."""
        quote = self._ordering.quote(_request(store_id, sale))
        return {**quote.model_dump(mode="json"), "offers": quote.explain()}

    def sell(self, store_id: str, sale: CounterSale, staff_id: str, key: str) -> dict:
        """Take the order and its payment (or add it to a table's bill). The same key again answers the same."""
        by = f"{STAFF_PREFIX}{staff_id}"
        if sale.payment == CounterPayment.TABLE:
            added = self._tables.staff_round(sale.session_id or "", sale.items, staff_id, store_id=store_id)
            return {"payment": sale.payment.value, "session_id": sale.session_id, **added}
        placed = self._ordering.place_at_counter(by, _request(store_id, sale), key, by=by, sale=sale)
        order = placed.order
        receipt = sale.receipt(order.total_fen)
        if order.status == OrderStatus.PENDING_PAYMENT:
            self._payments.paid_at_counter(order, sale.payment.value, by, receipt)
            order = self._repository.get_order(order.order_id, consistent=True)
        return {"payment": sale.payment.value, **receipt, "order": _order_view(order)}


def _request(store_id: str, sale: CounterCart) -> OrderRequest:
    return OrderRequest(store_id=store_id, mode=COUNTER_MODE, items=sale.items, remark=sale.remark)


def _order_view(order: Order) -> dict:
    return order.model_dump(mode="json", include={"order_id", "store_id", "status", "channel", "mode", "pickup_no",
                                                  "lines", "items_fen", "packing_fee_fen", "discounts",
                                                  "discount_fen", "total_fen", "paid_fen", "paid_at",
                                                  "transaction_id", "remark", "created_at"})
