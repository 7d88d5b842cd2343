"""Daily settlement (日结): a store's money of one business day, from its voucher chain, balanced to the fen.

The voucher chain is the source of truth for money: the day's payment and refund vouchers say what came in
and what went back, by method (WeChat Pay, cash, card, other). Orders explain a payment (gross, discounts
by offer, packing and delivery fees, channel); refund records explain a refund. Every fen of ``net_fen``
is accounted for three ways (by method, by channel, gross − discounts − refunds) and each method is
reconciled against its outside record: WeChat Pay against the trade bill, counter methods against the
chain (their order or refund record). A day balances, or each difference is listed with its order.

Invoices are counted apart from the money: ``invoiced_fen`` is what the store invoiced that day (each issued
invoice on the day it was issued, less each red reversal, 冲红, on the day of the red invoice), and
``not_invoiced_fen`` is the rest of ``net_fen`` (未开票收入; negative on a day that invoices more of earlier days'
takings than it took), so ``invoiced_fen + not_invoiced_fen == net_fen`` and the lines add up to ``invoiced_fen``.

A sealed day is never rewritten: a voucher that arrives later for a sealed day (a late notification whose
``occurred_at`` falls on it) is settled on the first open day after it, listed under ``adjustments`` with
the day it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from diancan.domain.invoices import InvoiceLine
from diancan.domain.money import Fen
from diancan.domain.order import Channel, Order
from diancan.domain.payments import Voucher
from diancan.domain.reconciliation import WECHATPAY, method_of
from diancan.domain.tables import STAFF_PREFIX, TAB_FLAG

# Why a checkpoint was anchored outside the table: the day was closed, or the nightly run anchored it anyway.
CLOSED, NIGHTLY = "closed", "nightly"

METHODS = (WECHATPAY, "cash", "card", "other")
CHANNELS = ("miniprogram", "table", "counter")

BALANCED, PENDING_BILL, UNBALANCED = "balanced", "pending_bill", "unbalanced"


def channel_of(order: Order | None) -> str:
    """Where the order was taken: a table's tab, a staff member at the counter, or the guest's mini-program."""
    if order is None:
        return "miniprogram"
    if TAB_FLAG in order.flags:
        return "table"
    counter = order.channel == Channel.COUNTER or order.openid.startswith(STAFF_PREFIX)  # a member's counter order too
    return "counter" if counter else "miniprogram"


@dataclass(frozen=True)
class CourierCost:
    """What the courier platform charges the store for a delivery order (not the guest's delivery fee)."""

    fee_fen: Fen = 0
    tip_fen: Fen = 0


@dataclass(frozen=True)
class Checkpoint:
    """The chain's closing head of a day: after voucher ``seq`` (whose hash is ``head``), and the running totals
    of every voucher from genesis to it. Anchored outside the table when the day is sealed."""

    seq: int
    head: str
    paid_fen: Fen
    refunded_fen: Fen

    @property
    def count(self) -> int:
        return self.seq

    def after(self, voucher: Voucher) -> Checkpoint:
        paid = self.paid_fen + (voucher.amount_fen if voucher.kind == "payment" else 0)
        refunded = self.refunded_fen + (voucher.amount_fen if voucher.kind == "refund" else 0)
        return Checkpoint(voucher.seq, voucher.hash, paid, refunded)

    def as_json(self) -> dict:
        return {"seq": self.seq, "head": self.head, "count": self.count, "paid_fen": self.paid_fen,
                "refunded_fen": self.refunded_fen, "total_fen": self.paid_fen - self.refunded_fen}

    @classmethod
    def from_json(cls, data: Mapping) -> Checkpoint:
        return cls(int(data["seq"]), str(data["head"]), int(data["paid_fen"]), int(data["refunded_fen"]))


@dataclass
class _Sums:
    payments: int = 0
    payment_fen: Fen = 0
    refunds: int = 0
    refund_fen: Fen = 0

    def add(self, voucher: Voucher) -> None:
        if voucher.kind == "payment":
            self.payments, self.payment_fen = self.payments + 1, self.payment_fen + voucher.amount_fen
        else:
            self.refunds, self.refund_fen = self.refunds + 1, self.refund_fen + voucher.amount_fen

    def as_json(self) -> dict:
        return {"payments": self.payments, "payment_fen": self.payment_fen, "refunds": self.refunds,
                "refund_fen": self.refund_fen, "net_fen": self.payment_fen - self.refund_fen}


@dataclass
class _Offer:
    kind: str
    ref: str
    label: str
    orders: int = 0
    fen: Fen = 0


@dataclass
class SettlementBook:
    """Adds up one scope (a store, or the chain from its stores' books) for one day."""

    scope: str
    day: date
    total: _Sums = field(default_factory=_Sums)
    by_method: dict[str, _Sums] = field(default_factory=lambda: {m: _Sums() for m in METHODS})
    by_channel: dict[str, _Sums] = field(default_factory=lambda: {c: _Sums() for c in CHANNELS})
    gross_fen: Fen = 0
    discount_fen: Fen = 0
    explained_fen: Fen = 0  # Σ order totals of the paid orders (gross − discounts)
    packing_fee_fen: Fen = 0
    delivery_fee_fen: Fen = 0
    courier_fee_fen: Fen = 0
    courier_tip_fen: Fen = 0
    offers: dict[tuple[str, str], _Offer] = field(default_factory=dict)
    adjustments: list[dict] = field(default_factory=list)
    invoice_lines: list[dict] = field(default_factory=list)

    def invoiced(self, store_id: str, lines: Iterable[InvoiceLine]) -> None:
        """The store's invoice movements of the day (blue issued, red reversals)."""
        self.invoice_lines.extend({"store_id": store_id, **line.as_json()} for line in lines)

    def add(self, voucher: Voucher, order: Order | None, courier: CourierCost | None = None,
            belongs_to: date | None = None) -> None:
        """One voucher of the day (``belongs_to``: the sealed day a late voucher belongs to: an adjustment)."""
        method = method_of(voucher)
        method = method if method in self.by_method else "other"
        self.total.add(voucher)
        self.by_method[method].add(voucher)
        self.by_channel[channel_of(order)].add(voucher)
        if belongs_to is not None:
            self.adjustments.append({"seq": voucher.seq, "store_id": voucher.store_id, "kind": voucher.kind,
                                     "order_id": voucher.order_id, "reference": voucher.reference, "method": method,
                                     "amount_fen": voucher.amount_fen, "belongs_to": belongs_to.isoformat()})
        if voucher.kind != "payment" or order is None:
            return
        self.gross_fen += order.total_fen + order.discount_fen
        self.discount_fen += order.discount_fen
        self.explained_fen += order.total_fen
        self.packing_fee_fen += order.packing_fee_fen
        self.delivery_fee_fen += order.delivery_fee_fen
        if courier is not None:
            self.courier_fee_fen += courier.fee_fen
            self.courier_tip_fen += courier.tip_fen
        for discount in order.discounts:
            offer = self.offers.setdefault((discount.kind, discount.ref or discount.label),
                                           _Offer(discount.kind, discount.ref or "", discount.label))
            offer.orders += 1
            offer.fen += discount.amount_fen

    def merge(self, other: SettlementBook) -> None:
        """Fold a store's book into the chain's: the chain is exactly the sum of its stores."""
        for mine, theirs in [(self.total, other.total), *((self.by_method[m], other.by_method[m]) for m in METHODS),
                             *((self.by_channel[c], other.by_channel[c]) for c in CHANNELS)]:
            mine.payments += theirs.payments
            mine.payment_fen += theirs.payment_fen
            mine.refunds += theirs.refunds
            mine.refund_fen += theirs.refund_fen
        for name in ("gross_fen", "discount_fen", "explained_fen", "packing_fee_fen", "delivery_fee_fen",
                     "courier_fee_fen", "courier_tip_fen"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, offer in other.offers.items():
            mine = self.offers.setdefault(key, _Offer(offer.kind, offer.ref, offer.label))
            mine.orders += offer.orders
            mine.fen += offer.fen
        self.adjustments.extend(other.adjustments)
        self.invoice_lines.extend(other.invoice_lines)

    def figures(self) -> dict:
        """The day's money, every total checkable against the others."""
        net = self.total.payment_fen - self.total.refund_fen
        return {
            "scope": self.scope, "day": self.day.isoformat(), "money_unit": "fen",
            "gross_fen": self.gross_fen, "discount_fen": self.discount_fen,
            "discounts_by_offer": [{"kind": o.kind, "ref": o.ref, "label": o.label, "orders": o.orders, "fen": o.fen}
                                   for o in sorted(self.offers.values(), key=lambda o: (o.kind, -o.fen, o.ref))],
            "paid_fen": self.total.payment_fen, "payments": self.total.payments,
            "refund_fen": self.total.refund_fen, "refunds": self.total.refunds, "net_fen": net,
            "packing_fee_fen": self.packing_fee_fen, "delivery_fee_fen": self.delivery_fee_fen,
            "courier_fee_fen": self.courier_fee_fen, "courier_tip_fen": self.courier_tip_fen,
            "by_method": {m: s.as_json() for m, s in self.by_method.items()},
            "by_channel": {c: s.as_json() for c, s in self.by_channel.items()},
            "adjustments": sorted(self.adjustments, key=lambda a: (a["store_id"], a["seq"])),
            **self._invoices(net),
        }

    def _invoices(self, net: Fen) -> dict:
        blue = [line for line in self.invoice_lines if line["colour"] == "blue"]
        red = [line for line in self.invoice_lines if line["colour"] == "red"]
        invoiced = sum(line["amount_fen"] for line in self.invoice_lines)
        return {"invoiced_fen": invoiced, "not_invoiced_fen": net - invoiced,
                "invoices": {"issued": len(blue), "issued_fen": sum(line["amount_fen"] for line in blue),
                             "reversed": len(red), "reversed_fen": -sum(line["amount_fen"] for line in red),
                             "lines": sorted(self.invoice_lines, key=lambda line: (line["at"], line["order_id"]))}}

    def identity_differences(self) -> list[dict]:
        """The totals that must agree to the fen; a disagreement is a difference of the day (no order to blame
        means the books themselves are wrong, which the listed order differences usually explain)."""
        net = self.total.payment_fen - self.total.refund_fen
        checks = [("methods_sum_to_net", sum(s.payment_fen - s.refund_fen for s in self.by_method.values())),
                  ("channels_sum_to_net", sum(s.payment_fen - s.refund_fen for s in self.by_channel.values())),
                  ("gross_less_discounts_less_refunds_is_net", self.gross_fen - self.discount_fen - self.total.refund_fen)]
        return [{"kind": "total", "problem": name, "reference": "", "order_id": "", "our_fen": net, "other_fen": value,
                 "method": ""} for name, value in checks if value != net]


def method_status(method: str, sums: dict, mismatches: Iterable[dict], bill_available: bool) -> dict:
    """One method's reconciliation: WeChat Pay against the trade bill (pending until it exists), the counter
    methods against the voucher chain."""
    differences = [m for m in mismatches if m.get("method") == method]
    if differences:
        status = UNBALANCED
    elif method == WECHATPAY and not bill_available:
        status = PENDING_BILL
    else:
        status = BALANCED
    return {"against": "trade_bill" if method == WECHATPAY else "voucher_chain", "status": status,
            "vouchers_net_fen": sums["net_fen"], "differences": differences}


def day_status(reconciled: Mapping[str, dict], differences: list[dict], chains_intact: bool) -> str:
    """balanced only when every method balances and nothing else differs; pending_bill while only WeChat Pay's
    bill is missing; unbalanced otherwise."""
    statuses = {r["status"] for r in reconciled.values()}
    if differences or not chains_intact or UNBALANCED in statuses:
        return UNBALANCED
    return PENDING_BILL if PENDING_BILL in statuses else BALANCED


GENESIS_CHECKPOINT = Checkpoint(0, "0" * 64, 0, 0)


def check_anchors(vouchers: Iterable[Voucher], anchors: Iterable[Mapping]) -> list[dict]:
    """The table's chain (from genesis, in seq order) against the checkpoints anchored outside it. Each anchor
    must name a voucher that exists, with the anchored hash, count and running totals: a re-sealed chain
    (vouchers rewritten and re-hashed so every link holds) differs from the anchor at or before its seq.
    Two versions of one day's anchor (of one kind) that disagree are listed too (an anchor is written once)."""
    by_seq: dict[int, list[Mapping]] = {}
    seen_days: dict[tuple[str, str], Mapping] = {}
    problems: list[dict] = []
    for anchor in anchors:
        by_seq.setdefault(int(anchor["seq"]), []).append(anchor)
        first = seen_days.setdefault((str(anchor["day"]), str(anchor.get("kind", "closed"))), anchor)
        if (first["seq"], first["head"]) != (anchor["seq"], anchor["head"]):
            problems.append({"problem": "anchor_rewritten", "day": anchor["day"], "seq": int(anchor["seq"])})
    running = GENESIS_CHECKPOINT
    for voucher in vouchers:
        running = running.after(voucher)
        for anchor in by_seq.pop(running.seq, []):
            if Checkpoint.from_json(anchor) != running:
                problems.append({"problem": "differs_from_anchor", "day": anchor["day"], "seq": running.seq,
                                 "anchored_head": anchor["head"], "table_head": running.head,
                                 "anchored_total_fen": anchor["paid_fen"] - anchor["refunded_fen"],
                                 "table_total_fen": running.paid_fen - running.refunded_fen})
    for seq, left in sorted(by_seq.items()):
        problems.extend({"problem": "anchored_voucher_missing", "day": a["day"], "seq": seq} for a in left)
    return problems
