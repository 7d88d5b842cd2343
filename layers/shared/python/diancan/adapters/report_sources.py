"""What the reports read from the table: every read is a key lookup or a partition query, never a scan.

Access patterns:
- R4 a store's orders of a business day: Query GSI2 ``STORE#<sid>#<yyyy-mm-dd>`` (paged by pynamodb)
- R5 a store's vouchers after a checkpoint: Query GSI2 ``VOUCHERS#<sid>``, GSI2SK > ``<seq:012d>``
- R6 coupons used at a store on a day: Query GSI2 ``COUPONUSE#<sid>#<day>``
- R7 coupon templates with their claimed counters: Query ``COUPONTPL``
- R8 guests' first login and points: BatchGetItem ``USER#<openid>`` / ``PROFILE`` and ``MEMBER`` (100 a call)
- R9 print jobs that failed in a period: Query GSI2 ``PRINTFAIL#<sid>``, GSI2SK between the period's instants
- R10 sold-out and back-in-stock moments of a day: Query ``SOLDOUT#<sid>#<day>`` (adapters/sold_out_log.py)
- R11 a store's reviews written in a period: Query GSI2 ``REVIEWS#<sid>#<yyyy-mm>`` (the reviews area's dish
  review items; the month of the UTC instant) for each month the period's instants touch, GSI2SK between
  the period's first and last instant (``<at>#<order id>#<dish id>``, so an order's dishes come together)
- plus, through the existing adapters: stores (GSI1 ``STORES``), a store's menu, ingredients, one order,
  one refund record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from itertools import groupby

from diancan.adapters import keys
from diancan.adapters.payment_table import PaymentTable, Refund
from diancan.adapters.records import (
    CouponTemplateRecord,
    DishReviewRecord,
    GuestCouponRecord,
    MemberRecord,
    OrderRecord,
    PrintJobRecord,
    UserRecord,
    VoucherRecord,
)
from diancan.adapters.repository import Repository, order_from_record
from diancan.adapters.sold_out_log import SoldOutLog
from diancan.adapters.stock_table import StockTable
from diancan.domain.clock import business_day, iso, parse_iso, zone
from diancan.domain.errors import NotFound, UpstreamUnavailable
from diancan.domain.menu import Dish, Store
from diancan.domain.order import Order
from diancan.domain.payments import Voucher
from diancan.domain.report_facts import CostBook, CouponIssue, CouponUse, Guest, Incident, Review
from diancan.domain.stock import Ingredient

BATCH = 100


class ReportSources:
    def __init__(self, repository: Repository, payments: PaymentTable, stock: StockTable, tz: str,
                 sold_out: SoldOutLog | None = None) -> None:
        self._repository, self._payments, self._stock, self._tz = repository, payments, stock, tz
        self._sold_out = sold_out or SoldOutLog(tz)

    def stores(self) -> list[Store]:
        return self._repository.list_stores()

    def menu(self, store_id: str) -> list[Dish]:
        return self._repository.load_menu(store_id).dishes

    def ingredients(self, store_id: str) -> dict[str, Ingredient]:
        return self._stock.ingredients(store_id)

    def cost_book(self, store_ids: Iterable[str]) -> CostBook:
        return CostBook({sid: self.ingredients(sid) for sid in store_ids})

    def orders_of_day(self, store_id: str, day: date) -> Iterator[Order]:
        for record in OrderRecord.gsi2.query(keys.store_day(store_id, day.isoformat())):
            if isinstance(record, OrderRecord):
                yield order_from_record(record)

    def order(self, order_id: str) -> Order | None:
        try:
            return self._repository.get_order(order_id)
        except NotFound:
            return None

    def vouchers_after(self, store_id: str, after_seq: int) -> Iterator[Voucher]:
        for record in VoucherRecord.gsi2.query(keys.store_vouchers(store_id), VoucherRecord.GSI2SK > keys.seq(after_seq)):  # noqa: SIM300
            yield Voucher.model_validate(record.doc)

    def refund(self, order_id: str, out_refund_no: str) -> Refund | None:
        return self._payments.get_refund(order_id, out_refund_no)

    def coupon_uses(self, store_id: str, day: date) -> Iterator[CouponUse]:
        for record in GuestCouponRecord.gsi2.query(keys.coupon_uses(store_id, day.isoformat())):
            yield CouponUse(store_id, record.doc.get("coupon_id", ""), record.doc.get("template_id", ""),
                            record.order_id or "")

    def coupon_templates(self, store_id: str | None) -> list[CouponIssue]:
        """Templates of the store and the chain's (``store_id`` None: all of them)."""
        issues = []
        for record in CouponTemplateRecord.query(keys.COUPON_TEMPLATES):
            owner = record.doc.get("store_id")
            if store_id is None or owner in (None, store_id):
                issues.append(CouponIssue(record.doc["template_id"], record.doc["rule"]["name"], int(record.claimed or 0)))
        return issues

    def guests(self, openids: Iterable[str]) -> dict[str, Guest]:
        openids = list(openids)
        first_seen: dict[str, date] = {}
        points: dict[str, int] = {}
        for start in range(0, len(openids), BATCH):
            chunk = openids[start:start + BATCH]
            for user in UserRecord.batch_get([(keys.user(o), keys.USER_PROFILE) for o in chunk]):
                first_seen[user.openid] = business_day(parse_iso(user.created_at), self._tz)
            for member in MemberRecord.batch_get([(keys.user(o), keys.MEMBER) for o in chunk]):
                points[member.PK.removeprefix(keys.user(""))] = int(member.points or 0)
        return {o: Guest(o, first_seen.get(o), points.get(o, 0)) for o in openids}

    def incidents(self, store_id: str, start: date, end: date) -> Iterator[Incident]:
        """Print jobs that failed in the period, and the dishes stock turned sold out or brought back
        (``sold_out`` / ``back_in_stock``, by dish name)."""
        start_iso = iso(datetime.combine(start, time(0), tzinfo=zone(self._tz)))
        end_iso = iso(datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone(self._tz)))
        failed = PrintJobRecord.gsi2.query(keys.print_failed(store_id),
                                           PrintJobRecord.GSI2SK.between(start_iso, end_iso + "~"))
        for record in failed:
            at = record.GSI2SK.split("#", 1)[0]
            if start_iso <= at < end_iso:
                yield Incident(store_id, "print_failure", record.doc.get("ticket", {}).get("station", {}).get(
                    "station_id", "?"), business_day(parse_iso(at), self._tz))
        for day in (start + timedelta(days=n) for n in range((end - start).days + 1)):
            for event in self._sold_out.of_day(store_id, day):
                yield Incident(store_id, "sold_out" if event.sold_out else "back_in_stock", event.name, day)


class StoredReviews:
    """The report's ``ReviewSource`` over the reviews area's items (adapters/review_table.py writes them): one
    ``Review`` per reviewed order, on the business day it was written."""

    def __init__(self, tz: str) -> None:
        self._tz = tz

    def reviews(self, store_id: str, start: date, end: date) -> Iterator[Review]:
        first = datetime.combine(start, time(0), tzinfo=zone(self._tz))
        last = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone(self._tz))
        for month in _utc_months(first, last):
            items = DishReviewRecord.gsi2.query(keys.store_reviews(store_id, month),
                                                DishReviewRecord.GSI2SK.between(iso(first), iso(last)))
            for (at, order_id), parts in groupby(items, key=lambda r: tuple(r.GSI2SK.split("#")[:2])):
                parts = list(parts)
                yield Review(store_id, order_id, {r.PK.removeprefix(keys.dish_reviews(store_id, "")): int(r.stars)
                                                  for r in parts}, parts[0].text or "",
                             business_day(parse_iso(at), self._tz))


def _utc_months(first: datetime, last: datetime) -> list[str]:
    """``yyyy-mm`` of every UTC month from ``first`` up to (not including) the instant ``last``."""
    months, cursor = [], iso(first)[:7]
    while cursor <= iso(last - timedelta(milliseconds=1))[:7]:
        months.append(cursor)
        year, month = int(cursor[:4]), int(cursor[5:])
        cursor = f"{year + month // 12}-{month % 12 + 1:02d}"
    return months


class TradeBills:
    """WeChat Pay's trade bill of a day as CSV text for reconciliation. A day without any transaction has no
    bill (NO_STATEMENT_EXIST): that is an empty bill, not a failure; any other refusal is ``UpstreamUnavailable``."""

    def __init__(self, gateway_factory) -> None:
        self._gateway_factory = gateway_factory  # built on first use: listing reports never needs WeChat Pay

    def __call__(self, day: date) -> str:
        from diancan.adapters.wechatpay import WeChatPayError

        try:
            return self._gateway_factory().trade_bill(day)
        except WeChatPayError as error:
            if error.code == "NO_STATEMENT_EXIST":
                return ""
            raise UpstreamUnavailable(f"trade bill refused: {error.code}", "微信支付账单暂不可用",
                                      code="TRADE_BILL_UNAVAILABLE") from error
