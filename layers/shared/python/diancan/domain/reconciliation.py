"""Daily reconciliation for finance: our vouchers against our orders and refunds, and against WeChat
Pay's trade bill; every difference listed, none hidden. The store's voucher chain is verified as it is
read (``ChainCheck``, the same rule as ``payments.first_broken_link``, from a checkpoint onward).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from diancan.domain.money import Fen
from diancan.domain.payments import GENESIS, Voucher

BILL_FIELDS = {"time": "交易时间", "transaction_id": "微信订单号", "out_trade_no": "商户订单号",
               "state": "交易状态", "total": "订单金额", "refund_id": "微信退款单号",
               "out_refund_no": "商户退款单号", "refund": "退款金额"}
FEE_FIELD = "手续费"


@dataclass(frozen=True)
class BillLine:
    """One row of the trade bill: a payment, or a refund (``refund_id`` set)."""

    time: str
    out_trade_no: str
    transaction_id: str
    amount_fen: Fen
    refund_id: str = ""
    out_refund_no: str = ""
    fee_fen: Fen = 0  # WeChat Pay's service fee (手续费): charged on a payment, given back (negative) on a refund

    @property
    def kind(self) -> str:
        return "refund" if self.refund_id else "payment"

    @property
    def reference(self) -> str:
        return self.refund_id or self.transaction_id


@dataclass(frozen=True)
class OrderMoney:
    """What our order says was paid (or, for a refund, what our refund record says)."""

    order_id: str
    amount_fen: Fen
    reference: str | None  # transaction id of the payment / refund id


def fen_of(yuan_text: str) -> Fen:
    """``"12.30"`` → 1230, exactly (no float)."""
    text = yuan_text.strip()
    sign = -1 if text.startswith("-") else 1
    whole, _, cents = text.lstrip("+-").partition(".")
    return sign * (int(whole or 0) * 100 + int((cents + "00")[:2]))


def parse_trade_bill(text: str) -> list[BillLine]:
    """The detail rows of an ALL trade bill (values carry a leading backtick; the summary is skipped)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        return []
    header = [name.strip() for name in rows[0]]
    at = {key: header.index(name) for key, name in BILL_FIELDS.items()}
    fee_at = header.index(FEE_FIELD) if FEE_FIELD in header else None
    lines = []
    for row in rows[1:]:
        if len(row) < len(header):  # the summary header and row are shorter
            break
        value = [cell.strip().lstrip("`") for cell in row]
        refund_id = value[at["refund_id"]] if value[at["refund_id"]] not in ("", "0") else ""
        lines.append(BillLine(time=value[at["time"]], out_trade_no=value[at["out_trade_no"]],
                              transaction_id=value[at["transaction_id"]],
                              amount_fen=fen_of(value[at["refund"] if refund_id else at["total"]]),
                              refund_id=refund_id,
                              out_refund_no=value[at["out_refund_no"]] if refund_id else "",
                              fee_fen=fen_of(value[fee_at]) if fee_at is not None and value[fee_at] else 0))
    return lines


class ChainCheck:
    """Verifies a store's vouchers in chain order from a checkpoint (seq, hash) onward, one at a time."""

    def __init__(self, after_seq: int = 0, after_hash: str = GENESIS) -> None:
        self.start_seq = after_seq
        self.last_seq, self.last_hash = after_seq, after_hash
        self.first_broken: int | None = None

    def add(self, voucher: Voucher) -> None:
        if self.first_broken is not None:
            return
        expected = self.last_seq + 1
        if voucher.seq != expected or voucher.prev_hash != self.last_hash or voucher.hash != voucher.digest():
            self.first_broken = expected if voucher.seq != expected else voucher.seq
            return
        self.last_seq, self.last_hash = voucher.seq, voucher.hash

    def as_json(self) -> dict:
        return {"verified_from_seq": self.start_seq + 1, "verified_to_seq": self.last_seq,
                "first_broken_seq": self.first_broken, "intact": self.first_broken is None}


WECHATPAY = "wechatpay"
COUNTER_PREFIX = "counter:"


def method_of(voucher: Voucher) -> str:
    """``wechatpay``, ``cash``, ``card`` or ``other``: counter vouchers carry ``counter:<method>``."""
    return voucher.method.removeprefix(COUNTER_PREFIX) if voucher.method.startswith(COUNTER_PREFIX) else voucher.method


def _mismatch(kind: str, problem: str, reference: str, order_id: str, ours: Fen | None, theirs: Fen | None,
              method: str = WECHATPAY) -> dict:
    return {"kind": kind, "problem": problem, "reference": reference, "order_id": order_id,
            "our_fen": ours, "other_fen": theirs, "method": method}


def reconcile(day: date, vouchers: Iterable[Voucher], bill: Iterable[BillLine] | None, *,
              orders: Mapping[str, OrderMoney], paid_on_day: Iterable[OrderMoney],
              refunds: Mapping[str, OrderMoney], chains: Mapping[str, ChainCheck]) -> dict:
    """Every voucher of ``day`` (all stores: the bill is the merchant's) against our records and the bill.

    ``orders``: order id → what the order says was paid; ``paid_on_day``: our orders paid that day;
    ``refunds``: refund id → what our refund record says. Problems: ``missing_in_bill``,
    ``missing_voucher`` (in the bill or an order, not in our vouchers), ``unknown_order``,
    ``amount_differs_from_bill``, ``amount_differs_from_order``, ``missing_refund_record``,
    ``amount_differs_from_refund``. ``bill`` None: the bill could not be had; only our own records are
    compared and the result is not balanced. ``chains``: each store's chain check, already fed.

    Only WeChat Pay vouchers are held against the bill: a counter voucher (cash, card, other) never reaches
    WeChat Pay, so it is checked against its order or refund record and the chain only."""
    ours = {v.reference: v for v in vouchers}
    theirs = {line.reference: line for line in bill or ()}
    found: list[dict] = []
    for ref, voucher in sorted(ours.items(), key=lambda item: (item[1].store_id, item[1].seq)):
        line, method = theirs.get(ref), method_of(voucher)
        if bill is None or method != WECHATPAY:
            pass
        elif line is None:
            found.append(_mismatch(voucher.kind, "missing_in_bill", ref, voucher.order_id, voucher.amount_fen, None))
        elif line.amount_fen != voucher.amount_fen:
            found.append(_mismatch(voucher.kind, "amount_differs_from_bill", ref, voucher.order_id,
                                   voucher.amount_fen, line.amount_fen))
        record = (orders if voucher.kind == "payment" else refunds).get(
            voucher.order_id if voucher.kind == "payment" else ref)
        if record is None:
            problem = "unknown_order" if voucher.kind == "payment" else "missing_refund_record"
            found.append(_mismatch(voucher.kind, problem, ref, voucher.order_id, voucher.amount_fen, None, method))
        elif record.amount_fen != voucher.amount_fen:
            problem = "amount_differs_from_order" if voucher.kind == "payment" else "amount_differs_from_refund"
            found.append(_mismatch(voucher.kind, problem, ref, voucher.order_id, voucher.amount_fen,
                                   record.amount_fen, method))
    for ref, line in sorted(theirs.items(), key=lambda item: item[1].time):
        if ref not in ours:
            found.append(_mismatch(line.kind, "missing_voucher", ref, line.out_trade_no, None, line.amount_fen))
    for order in paid_on_day:
        if order.reference not in ours and order.reference not in theirs:
            found.append(_mismatch("payment", "missing_voucher", order.reference or "", order.order_id, None,
                                   order.amount_fen))
    payments = [v for v in ours.values() if v.kind == "payment"]
    refunded = [v for v in ours.values() if v.kind == "refund"]
    bill_payments = [line for line in theirs.values() if line.kind == "payment"]
    bill_refunds = [line for line in theirs.values() if line.kind == "refund"]
    return {
        "day": day.isoformat(),
        "vouchers": {"payments": len(payments), "payment_fen": sum(v.amount_fen for v in payments),
                     "refunds": len(refunded), "refund_fen": sum(v.amount_fen for v in refunded)},
        "bill": {"payments": len(bill_payments), "payment_fen": sum(line.amount_fen for line in bill_payments),
                 "refunds": len(bill_refunds), "refund_fen": sum(line.amount_fen for line in bill_refunds)},
        "chains": {store_id: check.as_json() for store_id, check in sorted(chains.items())}, "mismatches": found,
        "bill_available": bill is not None,
        "balanced": bill is not None and not found and all(check.first_broken is None for check in chains.values()),
    }
