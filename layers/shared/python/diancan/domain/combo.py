"""Combos (set meals): a dish at a set price made of other dishes, consuming each part's ingredients.

A combo is stored and sold as a dish whose recipe is the sum of its parts' recipes, so quoting, the
order snapshot and ingredient deduction need nothing of their own; ``combo_parts`` says what it is made of.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from diancan.domain.errors import InvalidRequest
from diancan.domain.menu import Dish
from diancan.domain.money import Fen

MAX_PARTS = 10


def combo_recipe(parts: Mapping[str, int], dishes: Mapping[str, Dish]) -> dict[str, int]:
    recipe: Counter[str] = Counter()
    for dish_id, qty in parts.items():
        for ingredient_id, units in dishes[dish_id].recipe.items():
            recipe[ingredient_id] += units * qty
    return dict(sorted(recipe.items()))


def make_combo(*, combo_id: str, store_id: str, category_id: str, name: str, price_fen: Fen,
               parts: Mapping[str, int], dishes: Mapping[str, Dish]) -> Dish:
    """The combo as a dish; parts must be plain dishes of the same store with a positive quantity."""
    if not parts or len(parts) > MAX_PARTS or any(qty < 1 for qty in parts.values()):
        raise InvalidRequest(f"a combo has 1-{MAX_PARTS} parts, each at least once", "套餐组成有误",
                             code="INVALID_COMBO")
    for dish_id in parts:
        part = dishes.get(dish_id)
        if part is None or part.combo_parts or any(g.required for g in part.option_groups):
            raise InvalidRequest(f"{dish_id} cannot be part of a combo", "该菜品不能加入套餐", code="INVALID_COMBO_PART",
                                 details={"dish_id": dish_id})
    return Dish(dish_id=combo_id, store_id=store_id, category_id=category_id, name=name, price_fen=price_fen,
                combo_parts=dict(parts), recipe=combo_recipe(parts, dishes),
                packing_fee_fen=sum(dishes[d].packing_fee_fen * q for d, q in parts.items()),
                description=" + ".join(f"{dishes[d].name}×{q}" for d, q in parts.items()))


def combos_using(dish_id: str, dishes: Mapping[str, Dish]) -> list[Dish]:
    return [d for d in dishes.values() if dish_id in d.combo_parts]
