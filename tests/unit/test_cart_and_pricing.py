"""Cart validation against the menu and server-side pricing, in integer fen."""

from __future__ import annotations

import pytest

from diancan.domain.cart import (
    CartItem,
    DishNotFound,
    DishUnavailable,
    InsufficientPortions,
    InvalidOption,
    build_lines,
    portions_needed,
)
from diancan.domain.errors import InvalidRequest
from diancan.domain.money import percent_of, yuan
from diancan.domain.pricing import Discount, price_order
from local.demo_data import menu_of, stores

pytestmark = pytest.mark.unit


@pytest.fixture
def dishes():
    return {d.dish_id: d for d in menu_of("sh-jingan")[1]}


@pytest.fixture
def store():
    return stores()[0]


def item(dish_id: str, qty: int = 1, *options: str) -> CartItem:
    return CartItem(dish_id=dish_id, qty=qty, options=list(options))


def test_a_line_costs_the_dish_plus_its_option_surcharges(dishes):
    [line] = build_lines(dishes, [item("d-milktea", 2, "size-large", "sugar-half", "topping-pearl",
                                       "topping-pudding")])
    assert line.unit_price_fen == 1500 + 300 + 200 + 300
    assert line.line_total_fen == 2 * 2300
    assert [o.name for o in line.options] == ["大杯", "半糖", "珍珠", "布丁"]


def test_option_recipes_add_to_the_dish_recipe(dishes):
    [line] = build_lines(dishes, [item("d-beef-noodle", 1, "portion-large", "extra-egg", "spicy-none")])
    assert line.recipe == {"noodle": 300, "beef": 100, "egg": 1}


def test_required_groups_must_be_chosen(dishes):
    with pytest.raises(InvalidOption) as refused:
        build_lines(dishes, [item("d-milktea", 1, "size-large")])
    assert refused.value.code == "OPTION_REQUIRED"


def test_single_choice_groups_take_one_option(dishes):
    with pytest.raises(InvalidOption) as refused:
        build_lines(dishes, [item("d-milktea", 1, "size-large", "size-medium", "sugar-none")])
    assert refused.value.code == "TOO_MANY_OPTIONS"


def test_multi_groups_respect_their_maximum(dishes):
    build_lines(dishes, [item("d-milktea", 1, "size-large", "sugar-none", "topping-pearl", "topping-pudding",
                              "topping-coconut")])
    dish = dishes["d-milktea"]
    dish.option_groups[2].max_select = 2
    with pytest.raises(InvalidOption):
        build_lines(dishes, [item("d-milktea", 1, "size-large", "sugar-none", "topping-pearl", "topping-pudding",
                                  "topping-coconut")])


def test_options_of_another_dish_and_repeated_options_are_refused(dishes):
    with pytest.raises(InvalidOption):
        build_lines(dishes, [item("d-rice", 1, "size-large")])
    with pytest.raises(InvalidOption):
        build_lines(dishes, [item("d-gongbao", 1, "spicy-mild", "spicy-mild")])


def test_unknown_and_unavailable_dishes_are_refused(dishes):
    with pytest.raises(DishNotFound):
        build_lines(dishes, [item("d-unicorn")])
    dishes["d-rice"].on_shelf = False
    with pytest.raises(DishUnavailable):
        build_lines(dishes, [item("d-rice")])
    dishes["d-cola"].sold_out = True
    with pytest.raises(DishUnavailable):
        build_lines(dishes, [item("d-cola")])


def test_portions_are_checked_over_all_lines_of_the_same_dish(dishes):
    dishes["d-hongshao"].portions_left = 3
    build_lines(dishes, [item("d-hongshao", 2), item("d-hongshao", 1)])
    with pytest.raises(InsufficientPortions) as refused:
        build_lines(dishes, [item("d-hongshao", 2), item("d-hongshao", 2)])
    assert refused.value.details == {"dish_id": "d-hongshao", "portions_left": 3}


def test_only_limited_dishes_are_reserved(dishes):
    lines = build_lines(dishes, [item("d-hongshao", 2), item("d-rice", 3), item("d-hongshao", 1)])
    assert portions_needed(lines, dishes) == {"d-hongshao": 3}


def test_an_empty_cart_is_refused(dishes):
    with pytest.raises(InvalidRequest):
        build_lines(dishes, [])


def test_dine_in_pays_no_packing_fee_and_takeout_does(dishes, store):
    lines = build_lines(dishes, [item("d-gongbao", 2, "spicy-mild"), item("d-cola")])
    dine_in = price_order(lines, mode="dine_in", store=store)
    takeout = price_order(lines, mode="takeout", store=store)
    assert dine_in.total_fen == 2 * 3800 + 500
    assert takeout.packing_fee_fen == store.packing_fee_fen + 2 * 100
    assert takeout.total_fen == dine_in.total_fen + takeout.packing_fee_fen


def test_delivery_fee_counts_only_for_delivery(dishes, store):
    lines = build_lines(dishes, [item("d-cola")])
    assert price_order(lines, mode="takeout", store=store, delivery_fee_fen=600).delivery_fee_fen == 0
    delivery = price_order(lines, mode="delivery", store=store, delivery_fee_fen=600)
    assert delivery.total_fen == 500 + store.packing_fee_fen + 600


def test_discounts_never_take_items_below_zero_and_never_touch_fees(dishes, store):
    lines = build_lines(dishes, [item("d-cola")])
    quote = price_order(lines, mode="takeout", store=store, discounts=[
        Discount(kind="coupon", label="券", amount_fen=300), Discount(kind="full_reduction", label="减", amount_fen=900)])
    assert quote.discount_fen == 500
    assert [d.amount_fen for d in quote.discounts] == [300, 200]
    assert quote.total_fen == store.packing_fee_fen


def test_money_formats_and_rounds_half_up():
    assert yuan(123456) == "1234.56"
    assert yuan(-5) == "-0.05"
    assert percent_of(1005, 10) == 101  # 100.5 rounds up
    assert percent_of(1004, 10) == 100
    assert percent_of(999, 12.5) == 125  # 124.875 → 125


def combo(dishes, parts: dict[str, int]):
    from diancan.domain.combo import make_combo

    set_meal = make_combo(combo_id="c-set", store_id="sh-jingan", category_id="hot", name="红烧肉套餐",
                          price_fen=6500, parts=parts, dishes=dishes)
    dishes[set_meal.dish_id] = set_meal
    return set_meal


def test_a_combo_reserves_the_portions_of_its_parts(dishes):
    combo(dishes, {"d-hongshao": 1, "d-rice": 2})
    lines = build_lines(dishes, [item("c-set", 2), item("d-hongshao", 1)])
    assert lines[0].unit_price_fen == 6500
    assert portions_needed(lines, dishes) == {"d-hongshao": 3}  # rice has no daily limit


def test_a_combo_is_refused_when_a_part_is_sold_out_or_short(dishes):
    combo(dishes, {"d-hongshao": 1, "d-rice": 2})
    dishes["d-hongshao"].portions_left = 2
    with pytest.raises(InsufficientPortions):
        build_lines(dishes, [item("c-set", 3)])
    dishes["d-rice"].sold_out = True
    with pytest.raises(DishUnavailable):
        build_lines(dishes, [item("c-set", 1)])
