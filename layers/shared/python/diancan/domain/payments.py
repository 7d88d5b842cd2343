"""Payment vouchers and refunds: what money moved, written once, chained per store so tampering shows.

A voucher's hash covers its own fields and the previous voucher's hash; changing, removing or
reordering any voucher breaks every link after it, and ``first_broken_link`` finds the first one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from diancan.domain.errors import Conflict, InvalidRequest, Unprocessable
from diancan.domain.money import Fen, yuan

GENESIS = "0" * 64


class RefundStatus(StrEnum):
    """Where a refund stands: ours (SUBMITTING, FAILED) or WeChat Pay's (PROCESSING and its final answers)."""

    SUBMITTING = "SUBMITTING"  # recorded and the amount committed; WeChat Pay not yet asked, or its answer unknown
    PROCESSING = "PROCESSING"  # WeChat Pay accepted the request; its result comes by notification or query
    SUCCESS = "SUCCESS"
    ABNORMAL = "ABNORMAL"  # WeChat Pay could not pay it out (e.g. the guest's card closed): staff act
    CLOSED = "CLOSED"
    FAILED = "FAILED"  # WeChat Pay refused the request; the committed amount was released


OPEN_REFUND = (RefundStatus.SUBMITTING, RefundStatus.PROCESSING)
SETTLED_REFUND = (RefundStatus.SUCCESS, RefundStatus.ABNORMAL, RefundStatus.CLOSED)  # WeChat Pay's final answers


@dataclass(frozen=True)
class Refund:
    """One refund of an order as recorded (``out_refund_no`` is ours; ``refund_id`` is WeChat Pay's)."""

    order_id: str
    out_refund_no: str
    status: RefundStatus
    amount_fen: int
    reason: str
    requested_by: str
    food_made: bool
    created_at: str
    refund_id: str | None
    line_indexes: list[int] | None = None  # the order's lines refunded (a partial refund by line), None: amount only


COUNTER_REFERENCE = "COUNTER-"  # a counter payment's voucher reference: COUNTER-<order id>, one per order


def taken_at_counter(transaction_id: str | None) -> bool:
    """The order's money was taken at the counter (cash, card, a payment code), not through WeChat Pay."""
    return (transaction_id or "").startswith(COUNTER_REFERENCE)


class Voucher(BaseModel):
    """One movement of money as WeChat Pay (or the counter) reported it. Never updated after it is written."""

    store_id: str
    seq: int = Field(ge=1, description="position in the store's chain")
    kind: str = Field(pattern="^(payment|refund)$")
    order_id: str
    reference: str = Field(description="WeChat transaction_id, refund_id, or a counter receipt number")
    amount_fen: Fen = Field(ge=0)
    method: str = "wechatpay"
    payer: str = ""
    occurred_at: str
    raw: dict = Field(default_factory=dict, description="the decrypted notification resource, as received")
    prev_hash: str
    hash: str = ""

    def digest(self) -> str:
        body = self.model_dump(mode="json", exclude={"hash"})
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def sealed(self) -> Voucher:
        return self.model_copy(update={"hash": self.digest()})


def first_broken_link(vouchers: Sequence[Voucher]) -> int | None:
    """The seq of the first voucher whose hash or link does not hold, or None when the chain is intact."""
    expected_prev, expected_seq = GENESIS, 1
    for voucher in vouchers:
        if voucher.seq != expected_seq or voucher.prev_hash != expected_prev or voucher.hash != voucher.digest():
            return expected_seq if voucher.seq != expected_seq else voucher.seq
        expected_prev, expected_seq = voucher.hash, expected_seq + 1
    return None


class NotificationRejected(Exception):
    """A notification that must be answered 4xx/5xx (so WeChat Pay retries it). ``reason_code`` says why, for logs and metrics."""

    def __init__(self, reason_code: str, detail: str = "") -> None:
        super().__init__(f"{reason_code}: {detail}" if detail else reason_code)
        self.reason_code = reason_code


class RefundTooLarge(Unprocessable):
    code, message_zh, message_en = "REFUND_EXCEEDS_PAID", "退款金额超过可退金额", "The refund exceeds what is left to refund"


class NotPaid(Conflict):
    code, message_zh, message_en = "ORDER_NOT_PAID", "订单未支付，无法退款", "The order is not paid"


def refundable(paid_fen: Fen, committed_fen: Fen) -> Fen:
    return max(0, paid_fen - committed_fen)


def check_refund(amount_fen: Fen, paid_fen: Fen, committed_fen: Fen) -> None:
    """Refuse zero, negative and over-sized refunds: the sum of refunds never exceeds what was paid."""
    left = refundable(paid_fen, committed_fen)
    if amount_fen < 1:
        raise Unprocessable("a refund must be at least 0.01", "退款金额至少0.01元", code="REFUND_TOO_SMALL")
    if amount_fen > left:
        raise RefundTooLarge(f"at most {yuan(left)} can still be refunded", f"最多还可退{yuan(left)}元",
                             details={"refundable_fen": left})


def check_refund_lines(line_indexes: list[int] | None, line_count: int) -> list[int] | None:
    """The order's lines a refund names, sorted and each once; refuse an index the order does not have."""
    if line_indexes is None:
        return None
    lines = sorted(set(line_indexes))
    if not lines or lines[0] < 0 or lines[-1] >= line_count:
        raise InvalidRequest("no such line", "退款菜品有误", code="INVALID_LINES",
                             details={"line_indexes": line_indexes, "lines": line_count})
    return lines


def refund_no(order_id: str, n: int) -> str:
    """out_refund_no: unique per merchant, 1-64 of [0-9A-Za-z_-|*@]."""
    return f"{order_id}R{n}"
