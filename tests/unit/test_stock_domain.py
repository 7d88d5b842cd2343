"""Ingredient stock rules: deduction plans, thresholds, sold-out, stock-take and the ledger invariant."""

from __future__ import annotations

import pytest

from diancan.domain.cart import OrderLine
from diancan.domain.combo import combo_recipe, make_combo
from diancan.domain.errors import InvalidRequest
from diancan.domain.menu import Dish, Option, OptionGroup
from diancan.domain.stock import (
    AlertChange,
    Ingredient,
    IssueStatus,
    LedgerEntry,
    Movement,
    StockIssue,
    Unit,
    deduction_plan,
    ledger_explains,
    shortages,
    sold_out_changes,
    stocktake_delta,
    threshold_change,
    tracked,
)

pytestmark = pytest.mark.unit


def line(dish_id: str, qty: int, recipe: dict[str, int]) -> OrderLine:
    return OrderLine(dish_id=dish_id, name=dish_id, category_id="c", qty=qty, base_price_fen=100,
                     unit_price_fen=100, line_total_fen=100 * qty, recipe=recipe)


def ingredient(iid: str = "crab", quantity: int = 100, threshold: int = 50, **more) -> Ingredient:
    return Ingredient(ingredient_id=iid, store_id="s", name=iid, unit=Unit.KG, quantity=quantity,
                      threshold=threshold, **more)


def dish(dish_id: str, recipe: dict[str, int], **more) -> Dish:
    return Dish(dish_id=dish_id, store_id="s", category_id="c", name=dish_id, price_fen=100, recipe=recipe, **more)


def test_a_plan_sums_every_line_recipe_times_its_quantity():
    plan = deduction_plan([line("a", 2, {"crab": 40, "pork": 120}), line("b", 3, {"pork": 10, "salt": 0})])
    assert plan == {"crab": 80, "pork": 270}


def test_untracked_ingredients_are_left_out_and_never_short():
    stock = {"crab": ingredient(quantity=50)}
    plan = tracked({"crab": 80, "water": 10_000}, stock)
    assert plan == {"crab": 80}
    assert shortages(plan, stock) == {"crab": 30}
    assert shortages({"crab": 50}, stock) == {}


@pytest.mark.parametrize(("quantity", "alert_open", "change"), [
    (49, False, AlertChange.RAISE),   # crossed below: raise
    (10, True, None),                 # further down: already raised, nothing again
    (50, True, AlertChange.CLEAR),    # back at the threshold: clear
    (80, False, None),                # above, nothing open
])
def test_the_threshold_alert_is_raised_once_per_crossing_and_cleared_on_return(quantity, alert_open, change):
    assert threshold_change(ingredient(quantity=quantity, threshold=50), alert_open) == change


def test_dishes_that_cannot_be_made_are_sold_out_and_come_back_after_restock():
    dishes = [dish("xlb", {"crab": 40, "pork": 120}), dish("tofu", {"tofu": 300}),
              dish("crab-soup", {"crab": 50}, sold_out=True)]
    empty = {"crab": ingredient(quantity=30), "pork": ingredient("pork", 10_000)}
    assert sold_out_changes(dishes, empty, ["crab"]) == (["xlb"], [])
    restocked = {"crab": ingredient(quantity=400), "pork": ingredient("pork", 10_000)}
    flagged = [d.model_copy(update={"sold_out": d.dish_id != "tofu"}) for d in dishes]
    assert sold_out_changes(flagged, restocked, ["crab"]) == ([], ["crab-soup", "xlb"])


def test_only_dishes_using_a_touched_ingredient_change():
    dishes = [dish("tofu", {"tofu": 300})]
    assert sold_out_changes(dishes, {"tofu": ingredient("tofu", 0)}, ["crab"]) == ([], [])


def test_a_stock_take_records_the_difference_as_loss_and_refuses_negative_counts():
    assert stocktake_delta(ingredient(quantity=100), 92) == -8
    assert stocktake_delta(ingredient(quantity=100), 105) == 5
    with pytest.raises(InvalidRequest):
        stocktake_delta(ingredient(), -1)


def test_the_ledger_explains_the_quantity():
    def entry(movement: Movement, delta: int) -> LedgerEntry:
        return LedgerEntry(store_id="s", ingredient_id="crab", movement=movement, delta=delta, at="t", ref="r")

    entries = [entry(Movement.OPENING, 120), entry(Movement.DEDUCT, -40), entry(Movement.RELEASE, 40),
               entry(Movement.DEDUCT, -40), entry(Movement.STOCKTAKE, -5), entry(Movement.RESTOCK, 100)]
    assert ledger_explains(ingredient(quantity=175), entries)
    assert not ledger_explains(ingredient(quantity=176), entries)


def test_cost_is_per_display_unit_rounded_to_whole_fen():
    crab = ingredient(cost_fen_per_unit=32_000)  # 320.00 a kg
    assert crab.value_fen(40) == 1280
    assert crab.value_fen(-5) == -160
    egg = Ingredient(ingredient_id="egg", store_id="s", name="egg", unit=Unit.PIECE, quantity=1, cost_fen_per_unit=90)
    assert egg.value_fen(3) == 270


def test_a_combo_consumes_every_part_recipe():
    dishes = {"xlb": dish("xlb", {"crab": 40, "pork": 120}, packing_fee_fen=50), "rice": dish("rice", {"rice": 150})}
    combo = make_combo(combo_id="set-a", store_id="s", category_id="combo", name="A", price_fen=4500,
                       parts={"xlb": 1, "rice": 2}, dishes=dishes)
    assert combo.recipe == combo_recipe({"xlb": 1, "rice": 2}, dishes) == {"crab": 40, "pork": 120, "rice": 300}
    assert combo.combo_parts == {"xlb": 1, "rice": 2}
    assert combo.packing_fee_fen == 50


def test_a_combo_refuses_unknown_parts_and_parts_that_need_a_choice():
    spicy = dish("spicy", {}, option_groups=[OptionGroup(group_id="g", name="辣度", required=True,
                                                          options=[Option(option_id="o", name="o")])])
    for parts in ({"nope": 1}, {"spicy": 1}, {}):
        with pytest.raises(InvalidRequest):
            make_combo(combo_id="c", store_id="s", category_id="combo", name="c", price_fen=1, parts=parts,
                       dishes={"spicy": spicy})


def test_the_guest_is_told_what_the_store_decided():
    issue = StockIssue(order_id="o", store_id="s", shortages={"crab": 40}, opened_at="t")
    assert issue.guest_notice()["status"] == "open"
    refunded = issue.model_copy(update={"status": IssueStatus.REFUND_REQUESTED}).guest_notice()
    assert "退款" in refunded["message"] and refunded["message_en"]
