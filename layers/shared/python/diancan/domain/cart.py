"""Turning what a guest asked for into priced order lines, checked against the store's own menu.

Client prices never enter here: a line's price comes from the dish and the options the menu defines.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from pydantic import BaseModel, Field

from diancan.domain.errors import InvalidRequest, NotFound, Unprocessable
from diancan.domain.menu import Dish
from diancan.domain.money import Fen

MAX_QTY_PER_LINE = 99
MAX_LINES = 50


class CartItem(BaseModel):
    dish_id: str = Field(min_length=1, max_length=64)
    qty: int = Field(ge=1, le=MAX_QTY_PER_LINE)
    options: list[str] = Field(default_factory=list, max_length=20)


class ChosenOption(BaseModel):
    group_id: str
    option_id: str
    name: str
    price_fen: Fen


class OrderLine(BaseModel):
    """One line of an order: a price snapshot that later menu changes never alter."""

    dish_id: str
    name: str
    category_id: str
    station_id: str | None = None
    qty: int
    base_price_fen: Fen
    options: list[ChosenOption] = Field(default_factory=list)
    unit_price_fen: Fen
    line_total_fen: Fen
    packing_fee_fen: Fen = 0
    recipe: dict[str, int] = Field(default_factory=dict, description="ingredient units for ONE portion")

    @property
    def option_key(self) -> tuple[str, ...]:
        return tuple(sorted(o.option_id for o in self.options))


class DishUnavailable(Unprocessable):
    code, message_zh, message_en = "DISH_UNAVAILABLE", "菜品已下架或售罄", "This dish is off the menu or sold out"


class InsufficientPortions(Unprocessable):
    code, message_zh, message_en = "INSUFFICIENT_PORTIONS", "菜品份数不足", "Not enough portions left"


class InvalidOption(InvalidRequest):
    code, message_zh, message_en = "INVALID_OPTION", "规格选项有误", "Invalid spec option"


class DishNotFound(NotFound):
    status, code, message_zh, message_en = 422, "DISH_NOT_FOUND", "菜品不存在", "No such dish"


def _choose_options(dish: Dish, option_ids: list[str]) -> list[ChosenOption]:
    if len(set(option_ids)) != len(option_ids):
        raise InvalidOption(f"option repeated for {dish.name}", "同一选项重复", details={"dish_id": dish.dish_id})
    chosen: list[ChosenOption] = []
    per_group: Counter[str] = Counter()
    for option_id in option_ids:
        found = dish.group_of(option_id)
        if found is None:
            raise InvalidOption(f"{option_id!r} is not an option of {dish.name}", f"{dish.name} 没有此选项",
                                details={"dish_id": dish.dish_id, "option_id": option_id})
        group, option = found
        per_group[group.group_id] += 1
        chosen.append(ChosenOption(group_id=group.group_id, option_id=option.option_id, name=option.name,
                                   price_fen=option.price_fen))
    for group in dish.option_groups:
        count = per_group[group.group_id]
        limit = (group.max_select or len(group.options)) if group.multi else 1
        if group.required and count == 0:
            raise InvalidOption(f"choose a {group.name} for {dish.name}", f"请为{dish.name}选择{group.name}",
                                code="OPTION_REQUIRED", details={"dish_id": dish.dish_id, "group_id": group.group_id})
        if count > limit:
            raise InvalidOption(f"at most {limit} {group.name} for {dish.name}", f"{group.name}最多选{limit}项",
                                code="TOO_MANY_OPTIONS", details={"dish_id": dish.dish_id, "group_id": group.group_id})
    return chosen


def build_lines(dishes: Mapping[str, Dish], items: list[CartItem]) -> list[OrderLine]:
    """Validate every item against the menu and return priced lines (portions checked per dish in total)."""
    if not items:
        raise InvalidRequest("the cart is empty", "购物车是空的", code="EMPTY_CART")
    if len(items) > MAX_LINES:
        raise InvalidRequest(f"at most {MAX_LINES} lines per order", f"每单最多{MAX_LINES}行", code="TOO_MANY_LINES")
    lines: list[OrderLine] = []
    wanted: Counter[str] = Counter()
    for item in items:
        dish = dishes.get(item.dish_id)
        if dish is None:
            raise DishNotFound(details={"dish_id": item.dish_id})
        if not dish.available:
            raise DishUnavailable(f"{dish.name} is not available", f"{dish.name}已售罄或下架",
                                  details={"dish_id": dish.dish_id})
        options = _choose_options(dish, item.options)
        unit = dish.price_fen + sum(o.price_fen for o in options)
        recipe = dict(dish.recipe)
        for chosen in options:
            option = dish.group_of(chosen.option_id)[1]
            for ingredient, units in option.recipe.items():
                recipe[ingredient] = recipe.get(ingredient, 0) + units
        wanted[dish.dish_id] += item.qty
        for part_id, per_combo in dish.combo_parts.items():  # a combo sells its parts' portions too
            part = dishes.get(part_id)
            if part is None or not part.available:
                raise DishUnavailable(f"{dish.name} is not available", f"{dish.name}暂不可售",
                                      details={"dish_id": dish.dish_id, "part": part_id})
            wanted[part_id] += per_combo * item.qty
        lines.append(OrderLine(
            dish_id=dish.dish_id, name=dish.name, category_id=dish.category_id, station_id=dish.station_id,
            qty=item.qty, base_price_fen=dish.price_fen, options=options, unit_price_fen=unit,
            line_total_fen=unit * item.qty, packing_fee_fen=dish.packing_fee_fen * item.qty, recipe=recipe,
        ))
    for dish_id, qty in wanted.items():
        left = dishes[dish_id].portions_left
        if left is not None and qty > left:
            raise InsufficientPortions(f"only {left} left of {dishes[dish_id].name}",
                                       f"{dishes[dish_id].name}仅剩{left}份",
                                       details={"dish_id": dish_id, "portions_left": left})
    return lines


def portions_needed(lines: list[OrderLine], dishes: Mapping[str, Dish]) -> dict[str, int]:
    """Portions to reserve per dish with a daily limit (unlimited dishes reserve nothing); a combo reserves
    its own portions and those of its parts."""
    needed: Counter[str] = Counter()
    for line in lines:
        dish = dishes[line.dish_id]
        for dish_id, qty in [(dish.dish_id, line.qty), *((p, n * line.qty) for p, n in dish.combo_parts.items())]:
            if dishes[dish_id].portions_left is not None:
                needed[dish_id] += qty
    return dict(needed)


def combo_parts_missing(dishes: Mapping[str, Dish]) -> set[str]:
    """Parts of the combos in ``dishes`` that were not loaded with them (a second read fetches them)."""
    return {part for dish in dishes.values() for part in dish.combo_parts} - dishes.keys()
