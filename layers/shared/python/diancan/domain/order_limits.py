"""How much one order may hold: the store's limits per line and per order (``Store.settings["limits"]``,
edited on the console's settings page). They stop a mistyped 100 or a scripted bulk order before any
portion is reserved: quote, place and every table round check them, with the limit in the refusal."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, Field, ValidationError

from diancan.domain.cart import MAX_LINES, MAX_QTY_PER_LINE, CartItem
from diancan.domain.errors import Unprocessable
from diancan.domain.menu import Store

DEFAULT_MAX_LINE_QTY = 50
DEFAULT_MAX_ORDER_QTY = 200


class LineQtyTooHigh(Unprocessable):
    code, message_zh, message_en = "LINE_QTY_TOO_HIGH", "单个菜品数量超过本店上限", "Too many of one dish for this store"


class OrderQtyTooHigh(Unprocessable):
    code, message_zh, message_en = "ORDER_QTY_TOO_HIGH", "本单菜品总数超过本店上限", "Too many dishes in one order for this store"


class OrderLimits(BaseModel):
    max_line_qty: int = Field(DEFAULT_MAX_LINE_QTY, ge=1, le=MAX_QTY_PER_LINE,
                              description="most portions of one dish (with the same options) in one order")
    max_order_qty: int = Field(DEFAULT_MAX_ORDER_QTY, ge=1, le=MAX_QTY_PER_LINE * MAX_LINES,
                               description="most portions in one order (or one table round)")

    @classmethod
    def of(cls, store: Store) -> OrderLimits:
        """The store's limits; the defaults where it set none (or a stored value no longer passes)."""
        try:
            return cls.model_validate(store.settings.get("limits") or {})
        except ValidationError:
            return cls()

    def check(self, items: Sequence[CartItem]) -> None:
        """Refuse ``items`` past a limit (422, the limit in ``details``). Lines of the same dish and options
        count together, so a split line is no way around the line limit."""
        lines = Counter[tuple[str, tuple[str, ...]]]()
        for item in items:
            lines[(item.dish_id, tuple(sorted(item.options)))] += item.qty
        for (dish_id, _), qty in lines.items():
            if qty > self.max_line_qty:
                raise LineQtyTooHigh(f"at most {self.max_line_qty} of one dish per order",
                                     f"每个菜品最多点{self.max_line_qty}份",
                                     details={"dish_id": dish_id, "qty": qty, "limit": self.max_line_qty})
        total = sum(lines.values())
        if total > self.max_order_qty:
            raise OrderQtyTooHigh(f"at most {self.max_order_qty} dishes per order",
                                  f"每单最多点{self.max_order_qty}份",
                                  details={"qty": total, "limit": self.max_order_qty})
