"""A cashier's shift (班次) and its handover (交班): what the cashier took, gave back and voided, and whether the
cash drawer holds what it should.

The shift remembers the store's voucher chain position when it opened and when it closed, so its money is the
chain's vouchers between the two (the source of truth for money), those the cashier took at the counter
(``counter:<method>`` vouchers with the cashier as payer). Refunds and voids come from the audit trail of the
cashier's console actions in the same period. Expected cash = float + cash takings − cash refunds; the
difference is counted − expected (negative: a shortage). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from pydantic import BaseModel, Field

from diancan.domain.errors import Conflict, Forbidden, NotFound
from diancan.domain.money import Fen
from diancan.domain.payments import Voucher
from diancan.domain.staff import Action, Role, Staff, authorize

COUNTER_PREFIX = "counter:"
CASH = "cash"
WECHATPAY = "wechatpay"
REFUND_ACTIONS = frozenset({"order.refund", "order.reject"})
VOID_ACTIONS = frozenset({"order.reject", "order.cancel", "order.void"})
MAX_FLOAT_FEN = 10_000_00  # 10,000 yuan: more is a typo, not a float
MAX_COUNTED_FEN = 1_000_000_00


class ShiftStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ShiftRefund(BaseModel):
    """A refund the cashier made in the shift (from the audit trail: any method, the guest's money back)."""

    order_id: str
    amount_fen: Fen
    at: str


class ShiftVoid(BaseModel):
    """An order the cashier rejected or cancelled in the shift."""

    order_id: str
    at: str


class StaffMove(BaseModel):
    """One audited console action of the cashier, as the handover reads it."""

    action: str
    target: str
    at: str
    amount_fen: Fen | None = None


class Handover(BaseModel):
    """The handover sheet of a closed shift, computed once at closing and kept with the shift."""

    orders: list[str] = Field(description="orders the cashier took money for, refunded or voided, in order")
    takings_fen: dict[str, Fen] = Field(description="method (cash, card, other) → what the cashier took")
    takings_total_fen: Fen
    refunds: list[ShiftRefund]
    refunds_fen: Fen
    cash_refunds_fen: Fen = Field(description="refunds paid out of the drawer (counter:cash refund vouchers)")
    voids: list[ShiftVoid]
    float_fen: Fen
    expected_cash_fen: Fen
    counted_cash_fen: Fen
    difference_fen: Fen = Field(description="counted − expected: negative is a shortage, positive an overage")
    vouchers: int = Field(description="the cashier's vouchers in the shift's stretch of the chain")


class Shift(BaseModel):
    """One shift of one cashier in one store (``staff_id`` is the cashier, ``opened_by``/``closed_by`` who acted)."""

    store_id: str
    shift_id: str
    staff_id: str
    staff_name: str = ""
    status: ShiftStatus = ShiftStatus.OPEN
    float_fen: Fen = Field(ge=0, le=MAX_FLOAT_FEN)
    opened_at: str
    opened_by: str
    opened_seq: int = Field(ge=0, description="the store's voucher chain seq when the shift opened")
    closed_at: str | None = None
    closed_by: str | None = None
    closed_seq: int | None = None
    handover: Handover | None = None
    printed_at: str | None = None
    print_error: str = ""

    @property
    def is_open(self) -> bool:
        return self.status is ShiftStatus.OPEN


class ShiftAlreadyOpen(Conflict):
    code, message_zh, message_en = "SHIFT_ALREADY_OPEN", "该收银员已有未交班的班次", "This cashier already has an open shift"


class ShiftNotFound(NotFound):
    code, message_zh, message_en = "SHIFT_NOT_FOUND", "班次不存在", "No such shift"


def shift_id_for(opened_at_iso: str, token: str) -> str:
    """Sortable by opening time (``20261205T081500Z-ab12``): the store's shifts list newest first by key."""
    digits = "".join(ch for ch in opened_at_iso if ch.isdigit())[:14]
    return f"{digits[:8]}T{digits[8:14]}Z-{token}"


def authorize_shift(staff: Staff, store_id: str, cashier_id: str) -> None:
    """A cashier opens and closes their own shift; a manager (or the owner) any shift of their store."""
    authorize(staff, Action.SHIFTS_OWN, store_id)
    if cashier_id != staff.staff_id and not staff.can(Action.SHIFTS_ANY, store_id):
        raise Forbidden("a cashier hands over only their own shift", "收银员只能操作自己的班次",
                        code="SHIFT_NOT_YOURS", details={"store_id": store_id})


def sees_every_shift(staff: Staff, store_id: str) -> bool:
    return staff.role is not Role.CASHIER and staff.can(Action.SHIFTS_ANY, store_id)


def handover(shift: Shift, vouchers: Iterable[Voucher], moves: Sequence[StaffMove], counted_fen: Fen) -> Handover:
    """The sheet: ``vouchers`` are the store's chain between the shift's opening and closing seq, ``moves`` the
    cashier's audited actions in the period. Only the cashier's counter vouchers are their takings."""
    takings: dict[str, Fen] = {}
    cash_refunds = 0
    orders: list[str] = []
    mine = 0
    for voucher in vouchers:
        if voucher.payer != shift.staff_id or not voucher.method.startswith(COUNTER_PREFIX):
            continue
        mine += 1
        method = voucher.method.removeprefix(COUNTER_PREFIX)
        if voucher.kind == "payment":
            takings[method] = takings.get(method, 0) + voucher.amount_fen
        elif method == CASH:
            cash_refunds += voucher.amount_fen
        orders.append(voucher.order_id)
    refunds = [ShiftRefund(order_id=m.target, amount_fen=m.amount_fen or 0, at=m.at)
               for m in moves if m.action in REFUND_ACTIONS and m.amount_fen]
    voids = [ShiftVoid(order_id=m.target, at=m.at) for m in moves if m.action in VOID_ACTIONS]
    orders += [r.order_id for r in refunds] + [v.order_id for v in voids]
    expected = shift.float_fen + takings.get(CASH, 0) - cash_refunds
    return Handover(orders=list(dict.fromkeys(orders)), takings_fen=dict(sorted(takings.items())),
                    takings_total_fen=sum(takings.values()), refunds=refunds,
                    refunds_fen=sum(r.amount_fen for r in refunds), cash_refunds_fen=cash_refunds, voids=voids,
                    float_fen=shift.float_fen, expected_cash_fen=expected, counted_cash_fen=counted_fen,
                    difference_fen=counted_fen - expected, vouchers=mine)
