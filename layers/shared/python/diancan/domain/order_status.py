"""The order state machine (DESIGN.md §4) as data: every allowed move, and nothing else.

A transition is named by an action; the repository applies it as a conditional update on the current
status, so a refused or replayed action never changes an order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from diancan.domain.errors import Conflict


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
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


S, A = OrderStatus, OrderAction
TERMINAL = frozenset({S.COMPLETED, S.CANCELLED, S.REFUNDED})
_REFUNDABLE = (S.PAID, S.PREPARING, S.READY, S.DELIVERING, S.COMPLETED)

_COMMON: dict[tuple[OrderStatus, OrderAction], OrderStatus] = {
    (S.PENDING_PAYMENT, A.PAY): S.PAID,
    (S.PENDING_PAYMENT, A.CANCEL): S.CANCELLED,
    (S.PENDING_PAYMENT, A.EXPIRE): S.CANCELLED,
    (S.PAID, A.START): S.PREPARING,
    (S.REFUNDING, A.REFUND_DONE): S.REFUNDED,
    **{(status, A.REFUND): S.REFUNDING for status in _REFUNDABLE},
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


def sources_of(mode: str, action: OrderAction) -> list[OrderStatus]:
    """Every status from which ``action`` is allowed in ``mode`` (for conditional updates).

    An action that is never allowed in ``mode`` (a rider's pick-up of a dine-in order) is refused here,
    so no caller builds a condition from an empty list."""
    sources = [status for (status, act) in TRANSITIONS[mode] if act == action]
    if not sources:
        raise TransitionRefused(f"a {mode} order never allows {action}",
                                details={"mode": mode, "action": str(action)})
    return sources
