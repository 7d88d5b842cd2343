"""Daily settlement (日结) of every store and the chain, the wait for WeChat Pay's bill, and closing a day.

``settle(day)`` (report_build, after the daily reports) reads each store's vouchers after the previous
settlement's closing checkpoint, verifying the chain as it goes, explains each one by its order or refund
record, reconciles per method and writes the day's settlement (table item + JSON/CSV/XLSX beside the
reports). WeChat Pay's trade bill exists only after 10:00 the next day: before that the day waits
(``BILLWAIT``) and ``collect_bills`` (hourly from 10:00) settles it again when the bill is there, counting
each failed try after ``BILL_DEADLINE`` so the alarm fires. ``close(store, day)`` (the console) seals a day:
its closing checkpoint is set once in the table and anchored in the Object Lock bucket.

A day that is sealed, or followed by a settled day, keeps the vouchers it counted when it is settled again
(only its reconciliation and its invoiced amounts change); a voucher that arrives later for it is an adjustment of the day being
settled then (docs/reports.md, "Settlement").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from diancan.domain.clock import business_day, iso, parse_iso, utcnow, zone
from diancan.domain.errors import Conflict, DomainError, InvalidRequest
from diancan.domain.invoices import InvoiceLine
from diancan.domain.order import Order
from diancan.domain.payments import Voucher
from diancan.domain.reconciliation import BillLine, ChainCheck, OrderMoney, parse_trade_bill, reconcile
from diancan.domain.settlement import (
    GENESIS_CHECKPOINT,
    METHODS,
    NIGHTLY,
    Checkpoint,
    CourierCost,
    SettlementBook,
    check_anchors,
    day_status,
    method_status,
)

logger = logging.getLogger(__name__)

CHAIN = "chain"
BILL_READY = time(10, 0)  # WeChat Pay: yesterday's trade bill is generated after 10:00 (Asia/Shanghai)
BILL_DEADLINE = time(14, 0)  # the next day: a bill still missing then is an alarm (TradeBillMissing)
BILL_GIVE_UP_DAYS = 30  # after that the wait ends (logged as an error; the bill API serves 3 months)
LATE_VOUCHER_DAYS = 1  # as the reports: read that far past the day for vouchers that belong to it


def verify_anchors(payments, anchors, store_id: str) -> dict:
    """A store's chain in the table (PaymentTable) against every version of its checkpoints anchored outside it
    (ChainAnchors): ``verify-chain``'s second half."""
    anchored = anchors.anchored(store_id)
    problems = check_anchors(payments.vouchers(store_id), anchored)
    return {"anchors": len(anchored), "anchor_problems": problems, "anchored_intact": not problems}


@dataclass
class _Gathered:
    vouchers: list[Voucher] = field(default_factory=list)
    orders: dict[str, OrderMoney] = field(default_factory=dict)
    paid_on_day: list[OrderMoney] = field(default_factory=list)
    refunds: dict[str, OrderMoney] = field(default_factory=dict)
    chains: dict[str, ChainCheck] = field(default_factory=dict)
    adjusted: set[str] = field(default_factory=set)  # references of vouchers counted as adjustments


def _bill_differences(recon: dict, adjusted: set[str]) -> dict:
    """An adjustment belongs to an earlier day: WeChat Pay lists it in that day's bill, not in this one's."""
    recon["mismatches"] = [m for m in recon["mismatches"]
                           if not (m["problem"] == "missing_in_bill" and m["reference"] in adjusted)]
    return recon


@dataclass(frozen=True)
class BillOutcome:
    lines: list[BillLine] | None
    code: str | None  # why there is no bill: BILL_NOT_READY, or the gateway's error code


class SettlementService:
    def __init__(self, sources, settlements, files, trade_bill: Callable[[date], str], anchors, *, render,
                 couriers: Callable[[str], CourierCost | None] = lambda order_id: None,
                 invoices: Callable[[str, str], list[InvoiceLine]] = lambda store_id, day: [],
                 tz: str = "Asia/Shanghai", clock: Callable[[], datetime] = utcnow) -> None:
        """``sources``: the reports' ReportSources; ``settlements``: SettlementTable; ``files``: ReportFiles;
        ``anchors``: a callable building ChainAnchors (only closing a day needs the bucket); ``render(doc)``:
        file name → (body, content type), or None where no files are written (the console); ``invoices(store,
        day)``: the store's invoice movements of the day (InvoiceService.lines)."""
        self._sources, self._settlements, self._files, self._trade_bill = sources, settlements, files, trade_bill
        self._anchors, self._render, self._couriers, self._tz, self._clock = anchors, render, couriers, tz, clock
        self._invoices = invoices

    # ---- WeChat Pay's bill ---------------------------------------------------------------------------------

    def bill_ready_at(self, day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), BILL_READY, tzinfo=zone(self._tz))

    def bill_deadline(self, day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), BILL_DEADLINE, tzinfo=zone(self._tz))

    def _bill(self, day: date, now: datetime) -> BillOutcome:
        if now < self.bill_ready_at(day):
            return BillOutcome(None, "BILL_NOT_READY")
        try:
            return BillOutcome(parse_trade_bill(self._trade_bill(day)), None)
        except DomainError as error:
            code = getattr(error.__cause__, "code", None) or error.code  # STATEMENT_CREATING, ...
            logger.warning("trade bill unavailable", extra={"day": day.isoformat(), "code": code})
            return BillOutcome(None, code)

    def collect_bills(self, now: datetime | None = None) -> dict:
        """The hourly job from 10:00: settle again every day whose bill has come; count the misses past the
        deadline (``missing``: the alarm's metric) and give up on a day after BILL_GIVE_UP_DAYS."""
        now = now or self._clock()
        done, waiting, missing = [], [], []
        for day, _since, attempts in self._settlements.bill_waits():
            if now < self.bill_ready_at(day):
                waiting.append(day.isoformat())
                continue
            result = self.settle(day, now=now)
            if result["bill"]["available"]:
                self._settlements.bill_done(day)
                done.append(day.isoformat())
                continue
            self._settlements.bill_tried(day, result["bill"]["code"] or "UNKNOWN")
            if now >= self.bill_deadline(day):
                missing.append(day.isoformat())
                logger.error("trade bill missing past its deadline", extra={"day": day.isoformat(),
                                                                           "attempts": attempts + 1})
            if now >= self.bill_ready_at(day) + timedelta(days=BILL_GIVE_UP_DAYS):
                self._settlements.bill_done(day)
                logger.error("gave up waiting for the trade bill", extra={"day": day.isoformat()})
            else:
                waiting.append(day.isoformat())
        return {"reconciled": done, "waiting": waiting, "missing": missing}

    # ---- settling ------------------------------------------------------------------------------------------

    def settle(self, day: date, *, now: datetime | None = None) -> dict:
        """Every store's settlement of ``day`` and the chain's (the sum of the stores, reconciled with the whole
        merchant's bill). A day without the bill waits for it. Returns the chain's settlement."""
        now = now or self._clock()
        bill = self._bill(day, now)
        chain = SettlementBook(CHAIN, day)
        gathered = _Gathered()
        for store in self._sources.stores():
            book = self._settle_store(store.store_id, day, bill, gathered, now, nightly=True)
            chain.merge(book)
        recon = _bill_differences(reconcile(day, gathered.vouchers, bill.lines, orders=gathered.orders,
                                            paid_on_day=gathered.paid_on_day, refunds=gathered.refunds,
                                            chains=gathered.chains), gathered.adjusted)
        doc = self._doc(chain, recon, bill, intact=all(c.first_broken is None for c in gathered.chains.values()))
        self._save(CHAIN, day, doc, now, sealed=False)
        if bill.lines is None:
            self._settlements.await_bill(day, iso(now))
        logger.info("day settled", extra={"day": day.isoformat(), "status": doc["status"],
                                          "differences": len(doc["differences"])})
        return doc

    def settle_store(self, store_id: str, day: date) -> dict:
        """One store's settlement without the bill (the console, before closing the day); the day waits for the
        bill again, so the hourly job brings its WeChat Pay reconciliation back."""
        now = self._clock()
        doc = self._settle_store(store_id, day, BillOutcome(None, "BILL_NOT_READY"), _Gathered(), now,
                                 return_doc=True)
        self._settlements.await_bill(day, iso(now))
        return doc

    def _settle_store(self, store_id: str, day: date, bill: BillOutcome, gathered: _Gathered, now: datetime, *,
                      return_doc: bool = False, nightly: bool = False):
        existing = self._settlements.get(store_id, day)
        sealed = bool(existing and existing.seal)
        later = self._settlements.settled_after(store_id, day)
        if later and existing is None:  # its vouchers were already counted there, as adjustments
            raise Conflict("a later day is settled already; settle days in order", "之后的营业日已结算，请按日期顺序结算",
                           code="LATER_DAY_SETTLED", details={"store_id": store_id, "day": day.isoformat()})
        frozen = sealed or later
        previous = self._settlements.latest_before(store_id, day)
        start = Checkpoint.from_json(previous.doc["checkpoint"]) if previous else GENESIS_CHECKPOINT
        skip = set(previous.doc.get("counted_beyond", [])) if previous else set()
        cap = existing.doc["counted_to_seq"] if frozen else None
        orders = {o.order_id: o for o in self._sources.orders_of_day(store_id, day)}
        book, check = SettlementBook(store_id, day), ChainCheck(start.seq, start.head)
        mine = _Gathered()
        end, advancing, counted = start, True, []
        for voucher in self._sources.vouchers_after(store_id, start.seq):
            check.add(voucher)
            voucher_day = business_day(parse_iso(voucher.occurred_at), self._tz)
            advancing = advancing and voucher_day <= day and check.first_broken is None
            if advancing:
                end = end.after(voucher)
            if voucher_day > day + timedelta(days=LATE_VOUCHER_DAYS):
                break
            if voucher_day > day or voucher.seq in skip:
                continue
            order = orders.get(voucher.order_id) or self._order(voucher.order_id, orders)
            if cap is None or voucher.seq <= cap:
                courier = self._couriers(order.order_id) if order and order.mode == "delivery" else None
                book.add(voucher, order, courier, belongs_to=voucher_day if voucher_day < day else None)
                counted.append(voucher.seq)
                if voucher_day < day:
                    mine.adjusted.add(voucher.reference)
            elif voucher_day < day:
                continue
            # past the cap, a voucher of the day is counted on a later day (an adjustment there) but is still
            # this day's money for the bill: WeChat Pay lists it on this day
            self._explain(voucher, order, mine)
        book.invoiced(store_id, self._invoices(store_id, day.isoformat()))
        for order in orders.values():
            if order.transaction_id and order.paid_at and business_day(parse_iso(order.paid_at), self._tz) == day:
                mine.paid_on_day.append(OrderMoney(order.order_id, order.total_fen, order.transaction_id))
        mine.chains[store_id] = check
        if check.first_broken is not None:
            logger.error("voucher chain broken", extra={"store_id": store_id, "seq": check.first_broken})
        ours = set(orders) | {v.order_id for v in mine.vouchers}
        lines = None if bill.lines is None else [line for line in bill.lines if line.out_trade_no in ours]
        recon = reconcile(day, mine.vouchers, lines, orders=mine.orders, paid_on_day=mine.paid_on_day,
                          refunds=mine.refunds, chains=mine.chains)
        recon = _bill_differences(recon, mine.adjusted)
        doc = self._doc(book, recon, BillOutcome(lines, bill.code), intact=check.first_broken is None)
        if frozen:
            doc.update(checkpoint=existing.doc["checkpoint"], counted_to_seq=existing.doc["counted_to_seq"],
                       counted_beyond=existing.doc["counted_beyond"])
        else:
            doc.update(checkpoint=end.as_json(), counted_to_seq=max(counted, default=start.seq),
                       counted_beyond=[seq for seq in counted if seq > end.seq])
        doc["start_checkpoint"] = start.as_json()
        if self._render is None and existing is not None:  # the console writes no files: keep report_build's
            doc["files"] = existing.doc.get("files", {})
        self._save(store_id, day, doc, now, sealed=sealed)
        if nightly and existing is None and check.first_broken is None:
            # the day's first nightly settlement: its checkpoint anchored once, whether or not the day is closed
            self._anchors().put(store_id, day.isoformat(), doc["checkpoint"], NIGHTLY)
        for name in ("vouchers", "paid_on_day"):
            getattr(gathered, name).extend(getattr(mine, name))
        for name in ("orders", "refunds", "chains", "adjusted"):
            getattr(gathered, name).update(getattr(mine, name))
        return doc if return_doc else book

    def _order(self, order_id: str, cache: dict[str, Order]) -> Order | None:
        order = self._sources.order(order_id)
        if order is not None:
            cache[order_id] = order
        return order

    def _explain(self, voucher: Voucher, order: Order | None, mine: _Gathered) -> None:
        mine.vouchers.append(voucher)
        if voucher.kind == "payment" and order is not None:
            mine.orders[order.order_id] = OrderMoney(order.order_id, order.total_fen, order.transaction_id)
        if voucher.kind == "refund":
            record = self._sources.refund(voucher.order_id, voucher.raw.get("out_refund_no", ""))
            if record is not None:
                mine.refunds[voucher.reference] = OrderMoney(voucher.order_id, record.amount_fen,
                                                             record.refund_id or voucher.reference)

    def _doc(self, book: SettlementBook, recon: dict, bill: BillOutcome, *, intact: bool) -> dict:
        mismatches = recon["mismatches"]
        figures = book.figures()
        reconciled = {m: method_status(m, figures["by_method"][m], mismatches, bill.lines is not None)
                      for m in METHODS}
        differences = [*mismatches, *book.identity_differences()]
        fees = None if bill.lines is None else sum(line.fee_fen for line in bill.lines)
        return {**figures, "reconciliation": reconciled, "differences": differences, "chains": recon["chains"],
                "platform_fees": {"wechatpay_fen": fees, "courier_fen": figures["courier_fee_fen"]},
                "bill": {"available": bill.lines is not None, "code": bill.code, **recon["bill"]},
                "status": day_status(reconciled, differences, intact)}

    def _save(self, scope: str, day: date, doc: dict, now: datetime, *, sealed: bool) -> None:
        from diancan.adapters.report_index import report_prefix

        built_at = iso(now)
        doc["built_at"] = built_at
        if self._render is not None:
            prefix = report_prefix(scope, "day", day)
            doc["files"] = {}  # written below: the file list is not part of the rendered JSON
            for name, (body, content_type) in self._render(doc).items():
                self._files.put(prefix + name, body, content_type)
                doc["files"][name] = prefix + name
        if sealed:
            self._settlements.update_sealed(scope, day, doc["status"], doc, built_at)
        else:
            self._settlements.put(scope, day, doc["status"], doc, built_at)

    # ---- closing a day -------------------------------------------------------------------------------------

    def close(self, store_id: str, day: date, by: str) -> dict:
        """Seal a store's day: settled now (without the bill, which may come later), its closing checkpoint set
        once and anchored outside the table. Refused for a day not begun and for a broken chain."""
        today = business_day(self._clock(), self._tz)
        if day > today:
            raise InvalidRequest("the day has not begun", "营业日尚未开始", code="DAY_NOT_BEGUN")
        existing = self._settlements.get(store_id, day)
        if existing and existing.seal:
            raise Conflict("the day is already closed", "该营业日已日结", code="DAY_CLOSED", details=existing.seal)
        doc = self.settle_store(store_id, day)
        if not all(chain["intact"] for chain in doc["chains"].values()):
            raise Conflict("the voucher chain is broken; run verify-chain", "凭证链校验失败，不能日结",
                           code="CHAIN_BROKEN", details={"chains": doc["chains"]})
        checkpoint = doc["checkpoint"]
        version = self._anchors().put(store_id, day.isoformat(), checkpoint)
        seal = {**checkpoint, "sealed_at": iso(self._clock()), "sealed_by": by, "status": doc["status"],
                "net_fen": doc["net_fen"], "anchor_version": version}
        self._settlements.seal(store_id, day, seal)
        logger.info("day closed", extra={"store_id": store_id, "day": day.isoformat(), "seq": checkpoint["seq"]})
        return {**doc, "seal": seal}

    def view(self, scope: str, day: date) -> dict | None:
        stored = self._settlements.get(scope, day)
        return None if stored is None else {**stored.doc, "seal": stored.seal}

    def recent(self, scope: str, limit: int = 31) -> list[dict]:
        return [{"day": s.day.isoformat(), "status": s.status, "net_fen": s.doc.get("net_fen", 0),
                 "differences": len(s.doc.get("differences", [])), "sealed": s.seal is not None}
                for s in self._settlements.latest(scope, limit)]
