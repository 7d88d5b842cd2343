"""Menu operations for the console: new dishes and their details, categories, shelf, price, daily portions
(and their morning reset), combos, recipes, restock and stock-take. Each change is one write the next menu read sees.

A price change applies to new orders only: an order keeps the priced snapshot it was placed with, and
place_order's transaction checks the price it quoted, so an order quoted before the change is refused
with MENU_CHANGED rather than charged a price the guest never saw.
"""

from __future__ import annotations

import logging

from diancan.domain.combo import combo_recipe, combos_using, make_combo
from diancan.domain.errors import InvalidRequest, NotFound
from diancan.domain.menu import Category, Dish
from diancan.domain.money import Fen
from diancan.domain.stock import Ingredient
from diancan.services.ports import MenuRepository, OrderRepository
from diancan.services.stock import StockService

logger = logging.getLogger(__name__)
DETAILS = {"category_id", "name", "name_en", "description", "description_en", "images", "tags", "nutrition",
           "allergens", "station_id", "packing_fee_fen", "prep_minutes"}


def _check_recipe(recipe: dict[str, int]) -> None:
    if any(units < 0 for units in recipe.values()):
        raise InvalidRequest("recipe quantities cannot be negative", "配方用量不能为负", code="INVALID_RECIPE")


class MenuAdmin:
    def __init__(self, repository: OrderRepository, menu: MenuRepository, stock: StockService) -> None:
        self._repository = repository
        self._menu = menu
        self._stock = stock

    def set_on_shelf(self, store_id: str, dish_id: str, on_shelf: bool) -> Dish:
        self._menu.set_state(store_id, dish_id, on_shelf=on_shelf)
        return self._repository.get_dish(store_id, dish_id)

    def set_price(self, store_id: str, dish_id: str, price_fen: Fen) -> Dish:
        if price_fen < 0:
            raise InvalidRequest("a price cannot be negative", "价格不能为负", code="INVALID_PRICE")
        self._menu.set_state(store_id, dish_id, price_fen=price_fen)
        return self._repository.get_dish(store_id, dish_id)

    def set_daily_portions(self, store_id: str, dish_id: str, daily: int | None) -> Dish:
        """A daily limit (None: unlimited); today's portions left start again from it."""
        if daily is not None and daily < 0:
            raise InvalidRequest("portions cannot be negative", "份数不能为负", code="INVALID_PORTIONS")
        self._menu.set_state(store_id, dish_id, daily_portions=daily, portions_left=daily)
        return self._repository.get_dish(store_id, dish_id)

    def set_portions_left(self, store_id: str, dish_id: str, left: int) -> Dish:
        """Today's portions left, now (a count after a mistake); the daily limit stays."""
        if left < 0:
            raise InvalidRequest("portions cannot be negative", "份数不能为负", code="INVALID_PORTIONS")
        self._menu.set_state(store_id, dish_id, portions_left=left)
        return self._repository.get_dish(store_id, dish_id)

    def create_dish(self, dish: Dish) -> Dish:
        """A new dish (combos: define_combo); today's portions start at its daily limit. Without a station its
        tickets go to its category's station (printing.route)."""
        if dish.combo_parts or dish.recipe:
            raise InvalidRequest("combo parts and recipes have their own pages", "套餐与配方请在各自页面设置",
                                 code="INVALID_DISH")
        self._menu.create(dish)
        return self._repository.get_dish(dish.store_id, dish.dish_id)

    def save_dish_details(self, store_id: str, dish: Dish) -> Dish:
        """Name, category, description, pictures, tags, allergens, station, packing fee, preparation time, daily
        limit and spec groups. Never touches what orders change concurrently (price, portions left, sold out, counters), the
        dish's recipe or combo parts, nor the recipe of an option that keeps its id. A daily limit newly set
        starts today's portions at it; a limit removed makes today unlimited; a changed limit applies tomorrow."""
        current = self._repository.get_dish(store_id, dish.dish_id)

        def change(doc: dict) -> dict:
            recipes = {o["option_id"]: o.get("recipe", {}) for g in doc.get("option_groups", []) for o in g["options"]}
            groups = [g.model_dump(mode="json") for g in dish.option_groups]
            for option in (o for g in groups for o in g["options"]):
                option["recipe"] = recipes.get(option["option_id"], {})
            return {**doc, **dish.model_dump(mode="json", include=DETAILS), "option_groups": groups}

        self._menu.edit_doc(store_id, dish.dish_id, change)
        if dish.daily_portions != current.daily_portions:
            starts_now = dish.daily_portions is None or current.daily_portions is None
            today = {"portions_left": dish.daily_portions} if starts_now else {}
            self._menu.set_state(store_id, dish.dish_id, daily_portions=dish.daily_portions, **today)
        return self._repository.get_dish(store_id, dish.dish_id)

    def save_category(self, category: Category, *, create: bool) -> Category:
        """Create a category, or rename it, move it (``sort``) or change its default station."""
        existing = self._menu.category(category.store_id, category.category_id)
        if create and existing is not None:
            raise InvalidRequest("a category with that id exists", "该分类编号已存在", code="CATEGORY_EXISTS")
        if not create and existing is None:
            raise NotFound("no such category", "分类不存在", code="CATEGORY_NOT_FOUND")
        self._menu.save_category(category, existing)
        return category

    def reset_daily_portions(self, store_id: str) -> list[str]:
        """Each morning: every limited dish starts the day with its daily portions (one update each)."""
        reset = []
        for dish in self._repository.load_menu(store_id).dishes:
            if dish.daily_portions is not None and dish.portions_left != dish.daily_portions:
                self._menu.set_state(store_id, dish.dish_id, portions_left=dish.daily_portions)
                reset.append(dish.dish_id)
        logger.info("daily portions reset", extra={"store_id": store_id, "dishes": reset})
        return reset

    def reset_all_stores(self) -> dict[str, list[str]]:
        return {store.store_id: self.reset_daily_portions(store.store_id) for store in self._repository.list_stores()}

    def define_combo(self, store_id: str, combo_id: str, *, name: str, category_id: str, price_fen: Fen,
                     parts: dict[str, int]) -> Dish:
        """A set meal at a set price whose recipe is its parts' recipes (written as a dish of the menu)."""
        dishes = {d.dish_id: d for d in self._repository.load_menu(store_id).dishes}
        existing = dishes.get(combo_id)
        if existing is not None and not existing.combo_parts:
            raise InvalidRequest("that id is a dish, not a combo", "该编号已被菜品使用", code="INVALID_COMBO")
        combo = make_combo(combo_id=combo_id, store_id=store_id, category_id=category_id, name=name,
                           price_fen=price_fen, parts=parts, dishes=dishes)
        self._repository.put_dish(combo)
        self._stock.refresh(store_id, combo.recipe)
        return self._repository.get_dish(store_id, combo_id)

    def edit_recipe(self, store_id: str, dish_id: str, recipe: dict[str, int], option_id: str | None = None) -> Dish:
        """A dish's (or one of its options') recipe for one portion; combos made of the dish follow."""
        _check_recipe(recipe)
        clean = {i: units for i, units in sorted(recipe.items()) if units > 0}

        def change(doc: dict) -> dict:
            if option_id is None:
                doc["recipe"] = clean
                return doc
            for group in doc.get("option_groups", []):
                for option in group["options"]:
                    if option["option_id"] == option_id:
                        option["recipe"] = clean
                        return doc
            raise NotFound("no such option", "没有此规格选项", code="OPTION_NOT_FOUND", details={"option_id": option_id})

        self._menu.edit_doc(store_id, dish_id, change)
        dishes = {d.dish_id: d for d in self._repository.load_menu(store_id).dishes}
        for combo in combos_using(dish_id, dishes):
            new_recipe = combo_recipe(combo.combo_parts, dishes)
            self._menu.edit_doc(store_id, combo.dish_id, lambda doc, r=new_recipe: {**doc, "recipe": r})
        self._stock.refresh(store_id, {*clean, *dishes[dish_id].recipe})
        return self._repository.get_dish(store_id, dish_id)

    def add_ingredient(self, ingredient: Ingredient) -> Ingredient:
        return self._stock.add_ingredient(ingredient)

    def restock(self, store_id: str, ingredient_id: str, units: int, *, by: str, ref: str | None = None) -> Ingredient:
        return self._stock.restock(store_id, ingredient_id, units, by=by, ref=ref)

    def stock_take(self, store_id: str, ingredient_id: str, counted: int, *, by: str,
                   ref: str | None = None) -> Ingredient:
        return self._stock.stock_take(store_id, ingredient_id, counted, by=by, ref=ref)
