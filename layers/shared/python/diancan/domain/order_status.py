"""The order state machine (DESIGN.md §4) as data: every allowed move, and nothing else.

A transition is named by an action. ``decide`` turns an action into a ``StatusMove`` (the statuses it may
start from, the status it leads to, the history entry); one adapter (adapters.order_writer) applies a move
as a conditional update on the current status, so a refused or replayed action never changes an order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from diancan.domain.errors import Conflict


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    SCHEDULED = "SCHEDULED"  # a pre-order, paid, waiting for its release to the kitchen
    PAID = "PAID"
    PREPARING = "PREPARING"
    READY = "READY"
    DELIVERING = "DELIVERING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    REFUNDING = "REFUNDING"
    REFUNDED = "REFUNDED"


class OrderAction(StrEnum):
    PAY = "pay"                  # WeChat Pay confirmed (notify or query) or paid at the counter
    PAY_AHEAD = "pay_ahead"      # the same for a pre-order not yet due in the kitchen: it waits, scheduled
    RELEASE = "release"          # a scheduled pre-order is due (pickup time minus the lead time): to the kitchen
    CANCEL = "cancel"            # guest or staff cancels an unpaid order
    EXPIRE = "expire"            # unpaid past its expiry (sweeper)
    START = "start"              # tickets printed / staff accepted: the kitchen is on it
    MARK_READY = "mark_ready"    # food ready (number called, or packed for the rider)
    PICK_UP = "pick_up"          # the rider picked the food up
    COMPLETE = "complete"        # served / collected / delivered
    REFUND = "refund"            # a full refund was requested
    REFUND_DONE = "refund_done"  # WeChat Pay confirmed the refund


@dataclass(frozen=True)
class TransitionResult:
    """What a conditional status change did: the status the order is in now, and whether this call moved it."""

    order_id: str
    status: OrderStatus
    applied: bool  # False when the order was already in the target status (a replay)


class StatusChange(BaseModel):
    """One entry of an order's status history."""

    status: OrderStatus
    at: str
    by: str = "system"
    note: str = ""


S, A = OrderStatus, OrderAction
TERMINAL = frozenset({S.COMPLETED, S.CANCELLED, S.REFUNDED})
_PAID = (S.SCHEDULED, S.PAID, S.PREPARING, S.READY, S.DELIVERING, S.COMPLETED)
PAID_STATUSES = frozenset(_PAID)
"""Paid and no refund of the whole order under way: what stock, reports and the guest's history count as
sold, and where a full refund (``REFUND``) may start."""
REFUNDABLE = PAID_STATUSES | {S.REFUNDING}
"""Money may still be given back: a partial refund is also allowed while a full one is under way."""

_COMMON: dict[tuple[OrderStatus, OrderAction], OrderStatus] = {
    (S.PENDING_PAYMENT, A.PAY): S.PAID,
    (S.PENDING_PAYMENT, A.PAY_AHEAD): S.SCHEDULED,
    (S.SCHEDULED, A.RELEASE): S.PAID,  # from here on the order's life is the same as any paid order's
    (S.PENDING_PAYMENT, A.CANCEL): S.CANCELLED,
    (S.PENDING_PAYMENT, A.EXPIRE): S.CANCELLED,
    (S.PAID, A.START): S.PREPARING,
    (S.REFUNDING, A.REFUND_DONE): S.REFUNDED,
    **{(status, A.REFUND): S.REFUNDING for status in _PAID},
}

TRANSITIONS: dict[str, dict[tuple[OrderStatus, OrderAction], OrderStatus]] = {
    "dine_in": {**_COMMON, (S.PREPARING, A.MARK_READY): S.READY, (S.READY, A.COMPLETE): S.COMPLETED},
    "takeout": {**_COMMON, (S.PREPARING, A.MARK_READY): S.READY, (S.READY, A.COMPLETE): S.COMPLETED},
    "delivery": {
        **_COMMON,
        (S.PREPARING, A.MARK_READY): S.READY,  # packed, waiting for the rider
        (S.PAID, A.PICK_UP): S.DELIVERING,  # the rider can be faster than the ticket confirmation
        (S.PREPARING, A.PICK_UP): S.DELIVERING,
        (S.READY, A.PICK_UP): S.DELIVERING,
        (S.DELIVERING, A.COMPLETE): S.COMPLETED,
    },
}


class TransitionRefused(Conflict):
    code = "TRANSITION_REFUSED"
    message_zh = "订单当前状态不允许此操作"
    message_en = "The order's current status does not allow this"


def next_status(mode: str, current: OrderStatus | str, action: OrderAction | str) -> OrderStatus:
    """The status after ``action``, or ``TransitionRefused`` when the machine does not allow it."""
    table = TRANSITIONS.get(mode)
    if table is None:
        raise ValueError(f"unknown dining mode {mode!r}")
    try:
        return table[(OrderStatus(current), OrderAction(action))]
    except (KeyError, ValueError):
        raise TransitionRefused(
            f"cannot {action} an order that is {current}",
            details={"status": str(current), "action": str(action)},
        ) from None


def sources_of(mode: str | None, action: OrderAction) -> list[OrderStatus]:
    """Every status from which ``action`` is allowed in ``mode`` (for conditional updates).

    An action that is never allowed in ``mode`` (a rider's pick-up of a dine-in order) is refused here,
    so no caller builds a condition from an empty list."""
    table = _COMMON if mode is None else TRANSITIONS[mode]
    sources = [status for (status, act) in table if act == action]
    if not sources:
        raise TransitionRefused(f"a {mode} order never allows {action}",
                                details={"mode": mode, "action": str(action)})
    return sources


@dataclass(frozen=True)
class StatusMove:
    """A status change the machine allows: from any of ``sources`` to ``target``, recorded as ``change``."""

    action: OrderAction
    sources: tuple[OrderStatus, ...]
    target: OrderStatus
    change: StatusChange

    def entry(self) -> dict:
        """The history entry as stored."""
        return self.change.model_dump(mode="json")


def decide(mode: str | None, action: OrderAction, *, at: str, by: str = "system", note: str = "") -> StatusMove:
    """The move ``action`` makes in ``mode`` (None: an action every mode shares, such as PAY or REFUND_DONE,
    for writers that do not know the mode). Refused (``TransitionRefused``) when the mode never allows it."""
    sources = sources_of(mode, action)
    table = _COMMON if mode is None else TRANSITIONS[mode]
    targets = {table[(source, action)] for source in sources}
    if len(targets) != 1:
        raise ValueError(f"{action} leads to several statuses in {mode}: {sorted(targets)}")
    target = targets.pop()
    return StatusMove(action, tuple(sources), target, StatusChange(status=target, at=at, by=by, note=note))
