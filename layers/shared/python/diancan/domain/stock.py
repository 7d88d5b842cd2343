"""Ingredient stock: what an order consumes, when a threshold alert is due, which dishes can no longer
be made, and the ledger that explains every quantity.

Quantities are integers of a base unit (g, ml or pieces); an ingredient is counted and costed in its
display unit (kg, litre, piece). The ledger of an ingredient always sums to its current quantity: the
first entry is the opening balance and every later change is one more entry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum

from pydantic import BaseModel, Field

from diancan.domain.cart import OrderLine
from diancan.domain.errors import InvalidRequest
from diancan.domain.menu import Dish
from diancan.domain.money import Fen


class Unit(StrEnum):
    KG = "kg"        # counted in g
    LITRE = "l"      # counted in ml
    PIECE = "piece"  # counted in pieces


BASE_UNITS_PER = {Unit.KG: 1000, Unit.LITRE: 1000, Unit.PIECE: 1}


class Ingredient(BaseModel):
    ingredient_id: str = Field(min_length=1, max_length=64)
    store_id: str
    name: str
    unit: Unit
    quantity: int = Field(ge=0, description="base units (g, ml, pieces) in stock")
    threshold: int = Field(0, ge=0, description="base units below which the store is alerted")
    cost_fen_per_unit: Fen = Field(0, ge=0, description="cost of one kg, litre or piece (reports)")

    @property
    def below_threshold(self) -> bool:
        return self.quantity < self.threshold

    def value_fen(self, base_units: int) -> Fen:
        """Cost of ``base_units`` (negative for a loss), rounded half away from zero to whole fen."""
        per = BASE_UNITS_PER[self.unit]
        magnitude = (abs(base_units) * self.cost_fen_per_unit * 2 + per) // (2 * per)
        return magnitude if base_units >= 0 else -magnitude


class Movement(StrEnum):
    OPENING = "opening"
    DEDUCT = "deduct"        # an order was paid
    RELEASE = "release"      # a paid order was cancelled or refunded before the food was made
    RESTOCK = "restock"
    STOCKTAKE = "stocktake"  # counted quantity replaced the book quantity (negative = loss)


class LedgerEntry(BaseModel):
    """One movement of one ingredient. ``ref`` makes it unique and its write idempotent."""

    store_id: str
    ingredient_id: str
    movement: Movement
    delta: int
    at: str
    ref: str = Field(min_length=1, max_length=80)
    reason: str = ""
    order_id: str | None = None


def deduction_plan(lines: Iterable[OrderLine]) -> dict[str, int]:
    """Base units of each ingredient an order consumes: every line's one-portion recipe × its qty."""
    plan: Counter[str] = Counter()
    for line in lines:
        for ingredient_id, units in line.recipe.items():
            plan[ingredient_id] += units * line.qty
    return {ingredient_id: units for ingredient_id, units in sorted(plan.items()) if units > 0}


def tracked(plan: Mapping[str, int], stock: Mapping[str, Ingredient]) -> dict[str, int]:
    """The part of a plan the store keeps stock of (an untracked ingredient is never short)."""
    return {ingredient_id: units for ingredient_id, units in plan.items() if ingredient_id in stock}


def shortages(plan: Mapping[str, int], stock: Mapping[str, Ingredient]) -> dict[str, int]:
    """Base units missing per tracked ingredient for the plan to be covered (empty: it is covered)."""
    return {i: units - stock[i].quantity for i, units in plan.items() if i in stock and units > stock[i].quantity}


class AlertChange(StrEnum):
    RAISE = "raise"
    CLEAR = "clear"


def threshold_change(ingredient: Ingredient, alert_open: bool) -> AlertChange | None:
    """Raise once when stock is below the threshold, clear once it is back at or above it.

    The open alert is the memory of the crossing: it is raised only when stock went from at-or-above
    the threshold (no alert open) to below it, so a later order that takes stock further down raises
    nothing, however concurrent orders interleave their reads.
    """
    if ingredient.below_threshold and not alert_open:
        return AlertChange.RAISE
    if not ingredient.below_threshold and alert_open:
        return AlertChange.CLEAR
    return None


def makeable(dish: Dish, stock: Mapping[str, Ingredient]) -> bool:
    """One portion of the dish's own recipe can be made from the tracked stock left."""
    return all(ingredient_id not in stock or stock[ingredient_id].quantity >= units
               for ingredient_id, units in dish.recipe.items())


def sold_out_changes(dishes: Iterable[Dish], stock: Mapping[str, Ingredient],
                     touched: Iterable[str]) -> tuple[list[str], list[str]]:
    """Dish ids to mark sold out and to bring back, among dishes using a touched ingredient."""
    touched = set(touched)
    to_mark, to_clear = [], []
    for dish in dishes:
        if not touched & dish.recipe.keys():
            continue
        can = makeable(dish, stock)
        if not can and not dish.sold_out:
            to_mark.append(dish.dish_id)
        elif can and dish.sold_out:
            to_clear.append(dish.dish_id)
    return sorted(to_mark), sorted(to_clear)


def dishes_using(ingredient_id: str, dishes: Iterable[Dish]) -> list[str]:
    return sorted(d.dish_id for d in dishes if ingredient_id in d.recipe)


def stocktake_delta(ingredient: Ingredient, counted: int) -> int:
    """Counted minus book quantity: negative is a loss, positive a gain found at the count."""
    if counted < 0:
        raise InvalidRequest("a counted quantity cannot be negative", "盘点数量不能为负", code="INVALID_COUNT")
    return counted - ingredient.quantity


def ledger_balance(entries: Iterable[LedgerEntry]) -> int:
    return sum(entry.delta for entry in entries)


def ledger_explains(ingredient: Ingredient, entries: Iterable[LedgerEntry]) -> bool:
    """The invariant: the ledger of an ingredient sums to its current quantity."""
    return ledger_balance(entries) == ingredient.quantity


class IssueStatus(StrEnum):
    OPEN = "open"                          # waiting for the store: substitute or refund
    SUBSTITUTED = "substituted"            # the store makes the order with a substitute
    REFUND_REQUESTED = "refund_requested"  # the store refunds the whole order


class StockIssue(BaseModel):
    """A paid order the stock could not cover: nothing was deducted and the store must decide."""

    order_id: str
    store_id: str
    status: IssueStatus = IssueStatus.OPEN
    shortages: dict[str, int] = Field(description="ingredient id → base units missing")
    opened_at: str
    decided_at: str | None = None
    decided_by: str | None = None
    note: str = ""

    def guest_notice(self) -> dict:
        """What the guest's order detail says about it."""
        zh, en = {
            IssueStatus.OPEN: ("部分食材不足，门店正在为您处理（换料或退款）", "An ingredient ran short; the store is "
                               "deciding to substitute or refund"),
            IssueStatus.SUBSTITUTED: ("部分食材已由门店替换", "The store substituted an ingredient"),
            IssueStatus.REFUND_REQUESTED: ("食材不足，订单将全额退款", "An ingredient ran short; the order is being "
                                           "fully refunded"),
        }[self.status]
        return {"status": self.status.value, "message": zh, "message_en": en}


class StockAlert(BaseModel):
    """An open StockLow alert: what the manager is told and the console lists."""

    store_id: str
    ingredient_id: str
    name: str
    unit: Unit
    quantity: int
    threshold: int
    dishes_affected: list[str]
    raised_at: str


def stock_alert(ingredient: Ingredient, dishes: Iterable[Dish], at: str) -> StockAlert:
    return StockAlert(store_id=ingredient.store_id, ingredient_id=ingredient.ingredient_id, name=ingredient.name,
                      unit=ingredient.unit, quantity=ingredient.quantity, threshold=ingredient.threshold,
                      dishes_affected=dishes_using(ingredient.ingredient_id, dishes), raised_at=at)
