"""Build the reports of a period for every store and the chain, write them to S3 and index them.

One pass over the data: each store's orders are read day by day through GSI2 and each order is turned
into a fact and fed to the store's book and the chain's book, then dropped. Refunds come from the
store's voucher chain (counted on the day they happened), read from the last daily checkpoint on and
verified as they are read. Daily builds of the whole chain also reconcile the day with WeChat Pay.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from diancan.domain.clock import business_day, iso, parse_iso, utcnow
from diancan.domain.errors import DomainError, InvalidRequest
from diancan.domain.forecast import DayProfile, central_kitchen, forecast, same_weekdays_before
from diancan.domain.payments import GENESIS, Voucher
from diancan.domain.reconciliation import ChainCheck, OrderMoney, parse_trade_bill, reconcile
from diancan.domain.report_facts import CostBook, RefundFact, Review, order_fact
from diancan.domain.reports import MenuDish, ReportBook

logger = logging.getLogger(__name__)
PERIODS = ("day", "week", "month")
LISTED = {"day": 31, "week": 13, "month": 12}  # what the console lists of a scope: a month, a quarter, a year
CHAIN = "chain"
LATE_VOUCHER_DAYS = 1  # a payment notification can arrive up to ~24 h late: read that far past the period


class ReviewSource(Protocol):
    def reviews(self, store_id: str, start: date, end: date) -> Iterator[Review]: ...


class NoReviews:
    """No review source (unit tests of the other sections): the feedback section is empty. The product wires
    ``adapters.report_sources.StoredReviews``."""

    def reviews(self, store_id: str, start: date, end: date) -> Iterator[Review]:
        return iter(())


@dataclass(frozen=True)
class ReportLink:
    scope: str
    period: str
    start: str
    end: str
    title: str
    url: str
    files: dict[str, str] = field(default_factory=dict)


def period_range(period: str, day: date) -> tuple[date, date]:
    """day: that day; week: its ISO week (Monday to Sunday); month: its calendar month."""
    if period == "day":
        return day, day
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    raise InvalidRequest(f"period must be one of {PERIODS}", "报表周期应为 day/week/month", code="BAD_PERIOD")


def days_of(start: date, end: date) -> Iterator[date]:
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)


@dataclass
class _Reconciling:
    """What a daily chain build gathers for reconciliation (one day's vouchers and orders: bounded)."""

    vouchers: list[Voucher] = field(default_factory=list)
    orders: dict[str, OrderMoney] = field(default_factory=dict)
    paid_on_day: list[OrderMoney] = field(default_factory=list)
    refunds: dict[str, OrderMoney] = field(default_factory=dict)
    chains: dict[str, ChainCheck] = field(default_factory=dict)


class ReportService:
    def __init__(self, sources, index, files, trade_bill: Callable[[date], str], *, render,
                 reviews: ReviewSource | None = None, tz: str = "Asia/Shanghai", clock: Callable[[], datetime] = utcnow,
                 points_per_fen: int = 1) -> None:
        """``trade_bill(day)``: WeChat Pay's trade bill CSV (a callable, so listing reports never builds the
        payment gateway); ``render(report)``: file name → (body, content type)."""
        self._sources, self._index, self._files, self._trade_bill = sources, index, files, trade_bill
        self._render, self._reviews = render, reviews or NoReviews()
        self._tz, self._clock, self._points_per_fen = tz, clock, points_per_fen

    # ---- scheduling ----------------------------------------------------------------------------------

    def last_complete(self, period: str, at: datetime) -> date:
        """A day inside the last period that ended before ``at``'s business day: yesterday, last week's
        Sunday, or the last day of last month (so a schedule may fire any time on the next day)."""
        today = business_day(at, self._tz)
        if period == "week":
            return today - timedelta(days=today.weekday() + 1)
        if period == "month":
            return today.replace(day=1) - timedelta(days=1)
        return today - timedelta(days=1)

    # ---- building ------------------------------------------------------------------------------------

    def build(self, period: str, day: date, store_id: str | None = None) -> list[dict]:
        """Build and write the reports of the period containing ``day``: each store's, and the chain's when no
        ``store_id`` is given. Returns each report's index entry. A rebuild overwrites the same keys."""
        start, end = period_range(period, day)
        stores = [s for s in self._sources.stores() if store_id in (None, s.store_id)]
        if store_id and not stores:
            raise InvalidRequest("no such store", "门店不存在", code="STORE_NOT_FOUND", details={"store_id": store_id})
        costs = self._sources.cost_book([s.store_id for s in stores])
        chain = ReportBook(CHAIN, start, end)
        daily_chain = period == "day" and store_id is None
        recon = _Reconciling() if daily_chain else None
        coupon_template: dict[str, str] = {}
        entries, side_by_side, prep_lists = [], [], []
        for store in stores:
            book = ReportBook(store.store_id, start, end)
            self._read_orders(store.store_id, start, end, costs, (book, chain), coupon_template, recon)
            checkpoint = self._read_vouchers(store.store_id, start, end, (book, chain), recon)
            for incident in self._sources.incidents(store.store_id, start, end):
                book.add_incident(incident)
                chain.add_incident(incident)
            for review in self._reviews.reviews(store.store_id, start, end):
                book.add_review(review)
                chain.add_review(review)
            menu = self._menu(store.store_id, costs)
            report = self._figures(book, store.store_id, store.name, menu, coupon_template, store.store_id)
            extra: dict = {}
            if period == "day":
                extra["profile"] = book.profile(start).as_json()
                extra["chain_checkpoint"] = checkpoint
                cache = {start: book.profile(start)}
                report["forecast"] = forecast(start + timedelta(days=7), [
                    self._profile(store.store_id, d, costs, cache) for d in [start, *same_weekdays_before(start)[:3]]])
                tomorrow = start + timedelta(days=1)
                report["prep_tomorrow"] = forecast(tomorrow, [self._profile(store.store_id, d, costs, cache)
                                                              for d in same_weekdays_before(tomorrow)])
                prep_lists.append(report["prep_tomorrow"]["prep"])
            side_by_side.append({"store_id": store.store_id, "name": store.name,
                                 **{k: v for k, v in report["sales"].items() if not isinstance(v, (list, dict))}})
            entries.append(self._write(store.store_id, store.name, period, start, end, report, extra))
        if store_id is None:
            report = self._figures(chain, CHAIN, "全部门店", None, coupon_template, None)
            report["stores"] = side_by_side
            if daily_chain:
                report["central_kitchen_prep"] = {"target_day": (start + timedelta(days=1)).isoformat(),
                                                  "dishes": central_kitchen(prep_lists)}
                report["reconciliation"] = self._reconcile(start, recon)
            entries.append(self._write(CHAIN, "全部门店", period, start, end, report, {}))
        return entries

    def _read_orders(self, store_id: str, start: date, end: date, costs: CostBook, books: tuple[ReportBook, ...],
                     coupon_template: dict[str, str], recon: _Reconciling | None) -> None:
        for day in days_of(start, end):
            for order in self._sources.orders_of_day(store_id, day):
                fact = order_fact(order, costs, self._tz)
                for book in books:
                    book.add_order(fact)
                if recon is not None and order.transaction_id:
                    money = OrderMoney(order.order_id, order.total_fen, order.transaction_id)
                    recon.orders[order.order_id] = money
                    if order.paid_at and business_day(parse_iso(order.paid_at), self._tz) == day:
                        recon.paid_on_day.append(money)
            for use in self._sources.coupon_uses(store_id, day):
                coupon_template[use.coupon_id] = use.template_id
                for book in books:
                    book.add_coupon_use(use)

    def _read_vouchers(self, store_id: str, start: date, end: date, books: tuple[ReportBook, ...],
                       recon: _Reconciling | None) -> dict:
        """Refunds of the period from the voucher chain, verified from the last daily checkpoint. Returns the
        new checkpoint: the end of the unbroken run of vouchers that happened on or before ``end``."""
        previous = self._index.daily_before(store_id, start) or {}
        mark = previous.get("chain_checkpoint") or {"seq": 0, "hash": GENESIS}
        check = ChainCheck(mark["seq"], mark["hash"])
        checkpoint, advancing = dict(mark), True
        for voucher in self._sources.vouchers_after(store_id, mark["seq"]):
            check.add(voucher)
            day = business_day(parse_iso(voucher.occurred_at), self._tz)
            advancing = advancing and day <= end and check.first_broken is None
            if advancing:
                checkpoint = {"seq": voucher.seq, "hash": voucher.hash}
            if day > end + timedelta(days=LATE_VOUCHER_DAYS):
                break
            if not start <= day <= end:
                continue
            if voucher.kind == "refund":
                self._refund(voucher, day, books, recon)
            if recon is not None:
                recon.vouchers.append(voucher)
        if recon is not None:
            recon.chains[store_id] = check
        if check.first_broken is not None:
            logger.error("voucher chain broken", extra={"store_id": store_id, "seq": check.first_broken})
        return checkpoint

    def _refund(self, voucher: Voucher, day: date, books: tuple[ReportBook, ...], recon: _Reconciling | None) -> None:
        record = self._sources.refund(voucher.order_id, voucher.raw.get("out_refund_no", ""))
        fact = RefundFact(voucher.store_id, voucher.order_id, voucher.amount_fen, day, record.reason if record else "")
        for book in books:
            book.add_refund(fact)
        if recon is not None and record is not None:
            recon.refunds[voucher.reference] = OrderMoney(voucher.order_id, record.amount_fen,
                                                          record.refund_id or voucher.reference)

    def _menu(self, store_id: str, costs: CostBook) -> dict[str, MenuDish]:
        return {d.dish_id: MenuDish(d.name, d.price_fen, costs.line_cost(store_id, d.recipe, 1))
                for d in self._sources.menu(store_id) if not d.combo_parts}

    def _profile(self, store_id: str, day: date, costs: CostBook, cache: dict[date, DayProfile]) -> DayProfile:
        """A past day's shape: from its daily index entry, else from its orders (one GSI2 query)."""
        if day not in cache:
            entry = self._index.get(store_id, "day", day)
            if entry and entry.get("profile"):
                cache[day] = DayProfile.from_json(entry["profile"])
            else:
                book = ReportBook(store_id, day, day)
                for order in self._sources.orders_of_day(store_id, day):
                    book.add_order(order_fact(order, costs, self._tz))
                cache[day] = book.profile(day)
        return cache[day]

    def _figures(self, book: ReportBook, scope: str, name: str, menu: dict[str, MenuDish] | None,
                 coupon_template: dict[str, str], store_id: str | None) -> dict:
        return {
            "scope": scope, "scope_name": name, "start": book.start.isoformat(), "end": book.end.isoformat(),
            "money_unit": "fen", "time_zone": self._tz,
            "sales": book.sales(), "dishes": book.dish_figures(menu), "time": book.time_figures(),
            "marketing": book.marketing(self._sources.coupon_templates(store_id), coupon_template),
            "members": book.members(self._sources.guests(book.guest_orders), self._points_per_fen),
            "feedback": book.feedback(), "operations": book.operations(),
        }

    def _reconcile(self, day: date, recon: _Reconciling) -> dict:
        for voucher in recon.vouchers:
            if voucher.kind == "payment" and voucher.order_id not in recon.orders:
                order = self._sources.order(voucher.order_id)
                if order is not None:
                    recon.orders[order.order_id] = OrderMoney(order.order_id, order.total_fen, order.transaction_id)
        try:
            bill = parse_trade_bill(self._trade_bill(day))
            bill_error = None
        except DomainError as error:
            bill, bill_error = None, error.code
            logger.warning("trade bill unavailable", extra={"day": day.isoformat(), "code": error.code})
        result = reconcile(day, recon.vouchers, bill, orders=recon.orders, paid_on_day=recon.paid_on_day,
                           refunds=recon.refunds, chains=recon.chains)
        result["bill_error"] = bill_error
        return result

    def _write(self, scope: str, name: str, period: str, start: date, end: date, report: dict, extra: dict) -> dict:
        from diancan.adapters.report_index import report_prefix

        built_at = iso(self._clock())
        report.update(period=period, built_at=built_at,
                      title=f"{name} {_PERIOD_ZH[period]}报表 {start.isoformat()}"
                            + ("" if start == end else f" ~ {end.isoformat()}"))
        prefix = report_prefix(scope, period, start)
        files = {}
        for file_name, (body, content_type) in self._render(report).items():
            self._files.put(prefix + file_name, body, content_type)
            files[file_name] = prefix + file_name
        entry = {"scope": scope, "scope_name": name, "period": period, "start": start.isoformat(),
                 "end": end.isoformat(), "title": report["title"], "files": files,
                 "headline": {"orders": report["sales"]["orders"], "net_fen": report["sales"]["net_fen"]}, **extra}
        if "reconciliation" in report:
            entry["headline"]["mismatches"] = len(report["reconciliation"]["mismatches"])
        self._index.put(scope, period, start, entry, built_at)
        logger.info("report written", extra={"scope": scope, "period": period, "start": start.isoformat(),
                                             "files": len(files)})
        return entry

    # ---- the console -----------------------------------------------------------------------------------

    def list_reports(self, scope: str, shown: Mapping[str, int] = LISTED) -> list[ReportLink]:
        """A scope's newest reports of each period kind (``shown``: how many of each), with presigned links to
        each file; newest period end first, and a month or week before the day it ends on."""
        links = []
        for period, limit in shown.items():
            for entry in self._index.latest(scope, period, limit):
                files = {name: self.presigned_url(key) for name, key in entry.get("files", {}).items()}
                links.append(ReportLink(scope, entry["period"], entry["start"], entry["end"], entry["title"],
                                        files.get("report.html", ""), files))
        return sorted(links, key=lambda link: (link.end, PERIODS.index(link.period)), reverse=True)

    def presigned_url(self, key: str) -> str:
        if not key.startswith("reports/"):
            raise InvalidRequest("not a report file", "不是报表文件", code="NOT_A_REPORT")
        return self._files.presigned_url(key)


_PERIOD_ZH = {"day": "日", "week": "周", "month": "月"}
