"""Menu operations on dish items: single-field updates that never overwrite the counters orders change
concurrently (portions, sold counts), edits of the descriptive document under an optimistic check, new dishes,
and categories (a category keeps the SK it was created with; its sort, which ``load_menu`` orders by, is in the doc)."""

from __future__ import annotations

import copy
from collections.abc import Callable

from pynamodb.exceptions import PutError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import CategoryRecord, DishRecord
from diancan.domain.errors import Conflict, InvalidRequest, NotFound
from diancan.domain.menu import Category, Dish

STATE_FIELDS = ("price_fen", "on_shelf", "sold_out", "portions_left", "daily_portions")
COUNTERS = {"sold_count", "rating_sum", "rating_count"}


class MenuTable:
    def set_state(self, store_id: str, dish_id: str, **fields) -> None:
        """M1: set (None: remove) top-level dish fields in one UpdateItem, only if the dish exists."""
        unknown = set(fields) - set(STATE_FIELDS)
        if unknown:
            raise ValueError(f"not dish state fields: {sorted(unknown)}")
        actions = [getattr(DishRecord, name).remove() if value is None else getattr(DishRecord, name).set(value)
                   for name, value in fields.items()]
        self._update(store_id, dish_id, actions, DishRecord.PK.exists())

    def edit_doc(self, store_id: str, dish_id: str, change: Callable[[dict], dict]) -> None:
        """M2: rewrite the dish's document (name, recipe, options, combo parts) read-modify-write, on the
        condition that the stored document is still the one read (a concurrent edit is a Conflict)."""
        try:
            record = DishRecord.get(keys.store(store_id), keys.dish(dish_id), consistent_read=True)
        except DishRecord.DoesNotExist:
            raise NotFound("no such dish", "菜品不存在", code="DISH_NOT_FOUND") from None
        new_doc = change(copy.deepcopy(record.doc))
        self._update(store_id, dish_id, [DishRecord.doc.set(new_doc)], DishRecord.doc == record.doc)

    def create(self, dish: Dish) -> None:
        """M3: a new dish with its state at the top level, only if the id is free (else DISH_EXISTS)."""
        record = DishRecord(keys.store(dish.store_id), keys.dish(dish.dish_id), price_fen=dish.price_fen,
                            on_shelf=dish.on_shelf, sold_out=False, portions_left=dish.daily_portions,
                            daily_portions=dish.daily_portions,
                            doc=dish.model_dump(mode="json", exclude={*STATE_FIELDS, *COUNTERS}))
        try:
            record.save(condition=DishRecord.SK.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise InvalidRequest("a dish with that id exists", "该菜品编号已存在", code="DISH_EXISTS") from None

    def category(self, store_id: str, category_id: str) -> CategoryRecord | None:
        """M4: a category by id: one query of the store's category range (a menu has a few dozen at most)."""
        found = CategoryRecord.query(keys.store(store_id), CategoryRecord.SK.startswith("CATEGORY#"),
                                     consistent_read=True)
        return next((r for r in found if r.doc.get("category_id") == category_id), None)

    def save_category(self, category: Category, existing: CategoryRecord | None) -> None:
        """M5: a new category (SK from its sort, only if free) or a change of ``existing``'s doc in place,
        on the condition that it is still the doc read (a concurrent edit is a Conflict)."""
        doc = category.model_dump(mode="json")
        try:
            if existing is None:
                CategoryRecord(keys.store(category.store_id), keys.category(category.sort, category.category_id),
                               doc=doc).save(condition=CategoryRecord.SK.does_not_exist())
            else:
                existing.update(actions=[CategoryRecord.doc.set(doc)], condition=CategoryRecord.doc == existing.doc)
        except (PutError, UpdateError) as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise Conflict("the category changed meanwhile", "分类已被修改，请刷新后重试",
                           code="CATEGORY_CHANGED") from None

    def _update(self, store_id: str, dish_id: str, actions: list, condition) -> None:
        try:
            DishRecord(keys.store(store_id), keys.dish(dish_id)).update(actions=actions, condition=condition)
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            if "doc" in str(condition):
                raise Conflict("the dish changed meanwhile", "菜品已被修改，请刷新后重试", code="DISH_CHANGED") from None
            raise NotFound("no such dish", "菜品不存在", code="DISH_NOT_FOUND") from None
