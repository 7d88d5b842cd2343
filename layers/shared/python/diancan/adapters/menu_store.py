"""Menu operations on dish items: single-field updates that never overwrite the counters orders change
concurrently (portions, sold counts), and edits of the descriptive document under an optimistic check."""

from __future__ import annotations

import copy
from collections.abc import Callable

from pynamodb.exceptions import UpdateError

from diancan.adapters import keys
from diancan.adapters.records import DishRecord
from diancan.domain.errors import Conflict, NotFound

STATE_FIELDS = ("price_fen", "on_shelf", "sold_out", "portions_left", "daily_portions")


class MenuStore:
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

    def _update(self, store_id: str, dish_id: str, actions: list, condition) -> None:
        try:
            DishRecord(keys.store(store_id), keys.dish(dish_id)).update(actions=actions, condition=condition)
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            if "doc" in str(condition):
                raise Conflict("the dish changed meanwhile", "菜品已被修改，请刷新后重试", code="DISH_CHANGED") from None
            raise NotFound("no such dish", "菜品不存在", code="DISH_NOT_FOUND") from None
