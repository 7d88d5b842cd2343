"""The few facts a report needs from each order, refund, coupon use, review and incident.

Orders are projected to an ``OrderFact`` as they stream past (one at a time), so a report never holds
the orders themselves: memory is bounded by the number of dishes, hours and guests, not of orders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from diancan.domain.clock import business_day, local, parse_iso
from diancan.domain.money import Fen
from diancan.domain.order import Order
from diancan.domain.order_status import OrderStatus
from diancan.domain.stock import Ingredient

UNPAID = frozenset({OrderStatus.PENDING_PAYMENT})


@dataclass(frozen=True)
class LineFact:
    dish_id: str
    name: str
    qty: int
    revenue_fen: Fen  # the line total (before order-level discounts)
    cost_fen: Fen  # recipe units × ingredient cost, for the whole line


@dataclass(frozen=True)
class OrderFact:
    order_id: str
    store_id: str
    openid: str
    mode: str
    day: date
    hour: int
    weekday: int  # 0 = Monday
    paid: bool
    gross_fen: Fen  # items + packing + delivery fees, before discounts
    discount_fen: Fen
    discounts: tuple[tuple[str, str | None, Fen], ...]  # (kind, ref, amount)
    lines: tuple[LineFact, ...]
    delivery_minutes: float | None = None
    flags: frozenset[str] = frozenset()
    channel: str = "miniprogram"  # miniprogram, table or counter (domain.order.Channel)

    @property
    def paid_fen(self) -> Fen:
        return self.gross_fen - self.discount_fen


@dataclass(frozen=True)
class RefundFact:
    """A refund that happened (a refund voucher): counted on the day it happened, whatever the order's day."""

    store_id: str
    order_id: str
    amount_fen: Fen
    day: date
    reason: str = ""


@dataclass(frozen=True)
class CouponUse:
    store_id: str
    coupon_id: str
    template_id: str
    order_id: str


@dataclass(frozen=True)
class CouponIssue:
    """A coupon template of the store or chain with how many were issued (claimed) over its life."""

    template_id: str
    label: str
    issued: int


@dataclass(frozen=True)
class Review:
    """A guest's review of one order: stars per dish and one text, on the day it was written."""

    store_id: str
    order_id: str
    stars: Mapping[str, int]  # dish id → 1..5
    text: str
    day: date

    @property
    def mean_stars(self) -> float:
        """What decides whether the text is a positive or a negative review."""
        return sum(self.stars.values()) / len(self.stars) if self.stars else 0.0


@dataclass(frozen=True)
class Incident:
    """An operations event: ``print_failure`` or ``sold_out`` (with what it concerned)."""

    store_id: str
    kind: str
    subject: str
    day: date


@dataclass(frozen=True)
class Guest:
    """What the member records say of a guest: since when we know them and their points balance."""

    openid: str
    first_seen: date | None
    points: int = 0


@dataclass
class CostBook:
    """Ingredient costs per store; a line's cost is its recipe (one portion) × qty, costed per ingredient."""

    ingredients: Mapping[str, Mapping[str, Ingredient]] = field(default_factory=dict)

    def line_cost(self, store_id: str, recipe: Mapping[str, int], qty: int) -> Fen:
        stock = self.ingredients.get(store_id, {})
        return sum(stock[iid].value_fen(units * qty) for iid, units in recipe.items() if iid in stock)


def order_fact(order: Order, costs: CostBook, tz: str) -> OrderFact:
    """Project an order. Its day and hour are local to ``tz`` at creation; ``paid`` means money came in and
    was not a late payment on an order that was cancelled meanwhile."""
    created = parse_iso(order.created_at)
    moment = local(created, tz)
    paid = order.paid_at is not None and order.status not in UNPAID and order.status != OrderStatus.CANCELLED
    return OrderFact(
        order_id=order.order_id, store_id=order.store_id, openid=order.openid, mode=order.mode,
        day=business_day(created, tz), hour=moment.hour, weekday=moment.weekday(), paid=paid,
        gross_fen=order.total_fen + order.discount_fen, discount_fen=order.discount_fen,
        discounts=tuple((d.kind, d.ref, d.amount_fen) for d in order.discounts),
        lines=tuple(LineFact(line.dish_id, line.name, line.qty, line.line_total_fen,
                             costs.line_cost(order.store_id, line.recipe, line.qty)) for line in order.lines),
        delivery_minutes=_delivery_minutes(order, created), flags=frozenset(order.flags),
        channel=str(order.channel or "miniprogram"),
    )


def _delivery_minutes(order: Order, created: datetime) -> float | None:
    """Order placed → delivered (the COMPLETED step of a delivery order), in minutes."""
    if order.mode != "delivery":
        return None
    done = next((change.at for change in order.history if change.status == OrderStatus.COMPLETED), None)
    return None if done is None else round((parse_iso(done) - created).total_seconds() / 60, 1)
