"""Live store figures from per-day counters. The pay and refund flows (PaymentService) call ``record_paid``
and ``record_refund``; an order's status moves are counted by ``Repository.transition`` itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from diancan.domain import stats
from diancan.domain.clock import business_day, parse_iso, utcnow
from diancan.domain.money import Fen
from diancan.domain.order import Order
from diancan.domain.stats import CounterUpdate
from diancan.services.ports import DashboardCounters


class StoreStats:
    def __init__(self, counters: DashboardCounters, *, tz: str = "Asia/Shanghai",
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._counters = counters
        self._tz = tz
        self._clock = clock

    def record_paid(self, order: Order) -> None:
        """Count a newly paid order: revenue, orders, its hour, mode, status and dish quantities.

        Call it exactly once per order, right after YOUR conditional PENDING_PAYMENT → PAID transition
        applied (``TransitionResult.applied``); a replay must not call it again (ADD is not idempotent).
        ``order`` is the order as paid (status PAID). Counted on the order's ``business_day``.
        """
        paid_at = parse_iso(order.paid_at) if order.paid_at else self._clock()
        self._counters.count(order.store_id, order.business_day, stats.paid(order, paid_at, self._tz))

    def record_refund(self, order: Order, amount_fen: Fen) -> None:
        """Count a refund WeChat Pay confirmed (``amount_fen`` of ``order`` as it was before the refund settled),
        once per refund: call it only when your conditional write that records the refund as succeeded applied.

        The refund that completes a full refund also moves the order REFUNDING → REFUNDED in the same write
        (PaymentTable.settle_refund, not Repository.transition), so the status counts move here."""
        update = stats.refunded(amount_fen)
        if order.status.value == "REFUNDING" and order.refunded_fen + amount_fen >= (order.paid_fen or 0):
            update = CounterUpdate({**update.add, **stats.moved("REFUNDING", "REFUNDED").add})  # one atomic ADD
        self._counters.count(order.store_id, order.business_day, update)

    def today(self) -> date:
        return business_day(self._clock(), self._tz)

    def dashboard(self, store_ids: list[str], day: date, *, per_store: bool = False) -> dict:
        """Figures of ``store_ids`` (summed) for ``day``, with the same weekday of last week per hour;
        ``per_store`` adds each store's headline figures. One BatchGetItem whatever the number of stores."""
        today, last_week = day.isoformat(), (day - timedelta(days=7)).isoformat()
        found = self._counters.read(store_ids, [today, last_week])
        now = stats.figures(*(found[(s, today)] for s in store_ids))
        before = stats.figures(*(found[(s, last_week)] for s in store_ids))
        view = {"day": today, "compare_day": last_week, "stores": store_ids, **now.to_view(),
                "last_week": {"orders": before.orders, "revenue_fen": before.revenue_fen,
                              "by_hour": before.to_view()["by_hour"]}}
        if per_store:
            view["per_store"] = []
            for store_id in store_ids:
                one = stats.figures(found[(store_id, today)])
                view["per_store"].append({"store_id": store_id, "orders": one.orders, "revenue_fen": one.revenue_fen,
                                          "refunded_fen": one.refunded_fen,
                                          "average_ticket_fen": one.average_ticket_fen})
        return view
