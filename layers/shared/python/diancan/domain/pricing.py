"""Server-side pricing: items, fees and discounts add up to the one total the guest is charged.

Rounding: every amount is whole fen; a percentage is rounded half up once, where it is computed
(``money.percent_of``); sums never round. Discounts apply to items only, never to packing or
delivery fees, and never take the items below zero.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from diancan.domain.cart import OrderLine
from diancan.domain.menu import Store
from diancan.domain.money import Fen, yuan


class Discount(BaseModel):
    """One explained discount line, e.g. ``满100减20`` or ``新客券 -10.00``."""

    kind: str = Field(description="full_reduction | coupon | member | points")
    label: str
    amount_fen: Fen = Field(ge=0)
    ref: str | None = Field(None, description="the offer, coupon or points ledger id behind it")
    points: int = Field(0, ge=0, description="points redeemed for this line (kind points)")


class Quote(BaseModel):
    lines: list[OrderLine]
    items_fen: Fen
    packing_fee_fen: Fen = 0
    delivery_fee_fen: Fen = 0
    discounts: list[Discount] = Field(default_factory=list)
    discount_fen: Fen = 0
    total_fen: Fen

    def explain(self) -> list[str]:
        return [f"{d.label} -{yuan(d.amount_fen)}" for d in self.discounts]


MIN_TOTAL_FEN = 1  # WeChat Pay takes no payment of 0: an order costs at least 0.01


def discount_limit(lines: list[OrderLine], mode: str, store: Store, delivery_fee_fen: Fen = 0) -> Fen:
    """The most the offers together may take off these lines so that the order stays payable."""
    items = sum(line.line_total_fen for line in lines)
    fees = packing_fee(lines, mode, store) + (delivery_fee_fen if mode == "delivery" else 0)
    return max(0, items + fees - MIN_TOTAL_FEN)


def packing_fee(lines: list[OrderLine], mode: str, store: Store) -> Fen:
    """Takeout and delivery pay the per-dish packing fees plus the store's per-order fee."""
    if mode == "dine_in":
        return 0
    return store.packing_fee_fen + sum(line.packing_fee_fen for line in lines)


def price_order(lines: list[OrderLine], *, mode: str, store: Store, delivery_fee_fen: Fen = 0,
                discounts: list[Discount] | None = None) -> Quote:
    items = sum(line.line_total_fen for line in lines)
    applied: list[Discount] = []
    room = items
    for discount in discounts or []:
        amount = min(discount.amount_fen, room)
        if amount > 0:
            applied.append(discount.model_copy(update={"amount_fen": amount}))
            room -= amount
    discount_total = items - room
    fees = packing_fee(lines, mode, store) + (delivery_fee_fen if mode == "delivery" else 0)
    return Quote(
        lines=lines, items_fen=items, packing_fee_fen=packing_fee(lines, mode, store),
        delivery_fee_fen=delivery_fee_fen if mode == "delivery" else 0,
        discounts=applied, discount_fen=discount_total, total_fen=items - discount_total + fees,
    )
