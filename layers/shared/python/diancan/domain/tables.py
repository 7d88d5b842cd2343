"""Dine-in table service rules: the table session, its shared cart, rounds (加菜) and the table bill.

A session is opened by the first scan of a table and joined by everyone who scans it while it is open.
Its cart is shared: every line says who added it; every change bumps the session's ``version``, so a
client can ask "anything new since v" and a round can only be submitted from the cart its sender saw.

How a round is settled (the store setting ``table_payment``):

* ``pay_first``: a guest's round becomes its own order (dine-in, with the table number), paid by the guest
  who sends it and printed on payment like any order;
* ``pay_after``: rounds go to the kitchen at once and accumulate on the table's *tab*: one order (the bill)
  created by the first round, its lines appended by later rounds, portions reserved per round. Offers are
  priced once over all of the tab's lines at checkout, and one guest (or the counter) pays the whole tab.

Rounds that staff send for guests always go to the tab, whatever the setting (guests without phones pay
at the counter).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from diancan.domain.cart import CartItem, OrderLine
from diancan.domain.errors import Conflict, Forbidden, InvalidRequest, Unprocessable
from diancan.domain.membership import StoreOffers
from diancan.domain.menu import Store
from diancan.domain.order import STAFF_PREFIX
from diancan.domain.pricing import Quote, discount_limit, price_order
from diancan.domain.promotions import Setting, Shopper, best_plan

MAX_CART_LINES = 40  # a round's transaction: lines deleted + round + session + tab + dishes stays under 100 items
TAB_FLAG = "TABLE_TAB"  # order flag of a table's tab (pay-after bill)


class SettleMode(StrEnum):
    PAY_FIRST = "pay_first"
    PAY_AFTER = "pay_after"


class SessionStatus(StrEnum):
    OPEN = "open"
    SETTLING = "settling"  # checkout started: the tab's total is fixed, no new rounds
    CLOSED = "closed"


class CallKind(StrEnum):
    WAITER = "waiter"
    BILL = "bill"


class CounterMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    OTHER = "other"


def settle_mode(store: Store) -> SettleMode:
    """The store's ``table_payment`` setting; an unknown value falls back to paying first (never free food)."""
    try:
        return SettleMode(store.settings.get("table_payment", SettleMode.PAY_FIRST))
    except ValueError:
        return SettleMode.PAY_FIRST


class CartLine(BaseModel):
    line_id: str
    dish_id: str
    qty: int = Field(ge=1, le=99)
    options: list[str] = Field(default_factory=list)
    added_by: str = Field(description="openid of the guest, or staff:<id>")
    added_by_name: str
    added_at: str

    def view(self, viewer: str) -> dict:
        """What a guest sees: who added the line by name, never another guest's openid."""
        return {"line_id": self.line_id, "dish_id": self.dish_id, "qty": self.qty, "options": self.options,
                "added_by": self.added_by_name, "mine": self.added_by == viewer, "added_at": self.added_at}


class Round(BaseModel):
    round_no: int = Field(ge=1)
    lines: list[OrderLine]
    by: str
    at: str
    order_id: str = Field(description="the round's own order (pay first) or the table's tab")
    on_tab: bool
    line_indexes: list[int] = Field(description="indexes of this round's lines in the order's lines")

    @property
    def items_fen(self) -> int:
        return sum(line.line_total_fen for line in self.lines)


class TableSession(BaseModel):
    session_id: str
    store_id: str
    table_no: str
    status: SessionStatus = SessionStatus.OPEN
    mode: SettleMode
    version: int = 0
    round_count: int = 0
    guests: dict[str, str] = Field(default_factory=dict, description="openid (or staff:<id>) → display name")
    opened_by: str
    opened_at: str
    tab_order_id: str | None = None
    closed_at: str | None = None

    def check_member(self, who: str) -> None:
        if who not in self.guests and not who.startswith(STAFF_PREFIX):
            raise Forbidden("scan the table's code to join its order", "请先扫描桌码加入本桌", code="NOT_AT_TABLE")

    def check_open(self) -> None:
        if self.status == SessionStatus.CLOSED:
            raise Conflict("this table's session is closed; scan again", "本桌已结束，请重新扫码", code="TABLE_CLOSED")
        if self.status == SessionStatus.SETTLING:
            raise Conflict("the bill is being paid; ask the staff to add dishes", "本桌正在结账，如需加菜请联系店员",
                           code="TABLE_SETTLING")

    def round_goes_to_tab(self, by: str) -> bool:
        return self.mode == SettleMode.PAY_AFTER or by.startswith(STAFF_PREFIX)

    def view(self, viewer: str) -> dict:
        return {"session_id": self.session_id, "store_id": self.store_id, "table_no": self.table_no,
                "status": self.status.value, "mode": self.mode.value, "version": self.version,
                "round_count": self.round_count, "guests": sorted(self.guests.values()),
                "tab_order_id": self.tab_order_id, "you": self.guests.get(viewer, viewer)}


def display_name(nickname: str | None, who: str) -> str:
    """The name a guest's lines show: theirs, else "客人" and a short tag that does not reveal the openid."""
    name = (nickname or "").strip()[:16]
    return name or f"客人{hashlib.sha256(who.encode()).hexdigest()[:4].upper()}"


def round_items(lines: Sequence[CartLine]) -> list[CartItem]:
    """The cart as order items: lines of the same dish and options (in any order) merged."""
    if not lines:
        raise InvalidRequest("the table's cart is empty", "购物车是空的", code="EMPTY_CART")
    merged: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for line in lines:
        merged[(line.dish_id, tuple(sorted(line.options)))] += line.qty
    return [CartItem(dish_id=dish_id, qty=min(qty, 99), options=list(options))
            for (dish_id, options), qty in merged.items()]


def check_cart_room(line_count: int) -> None:
    if line_count >= MAX_CART_LINES:
        raise Unprocessable(f"at most {MAX_CART_LINES} lines per round", f"每轮最多{MAX_CART_LINES}个菜品",
                            code="TOO_MANY_LINES")


def tab_after_round(tab_lines: Sequence[OrderLine], new_lines: Sequence[OrderLine],
                    reserved: dict[str, int], new_reserved: dict[str, int]) -> tuple[dict, list[int]]:
    """The tab's changed fields after a round (all lines, undiscounted totals, reservations) and the
    indexes of the round's lines in it (what the kitchen prints)."""
    lines = [*tab_lines, *new_lines]
    items = sum(line.line_total_fen for line in lines)
    merged = Counter(reserved)
    merged.update(new_reserved)
    changes = {"lines": [line.model_dump(mode="json") for line in lines], "items_fen": items, "total_fen": items,
               "discounts": [], "discount_fen": 0, "reserved": dict(merged)}
    return changes, list(range(len(tab_lines), len(lines)))


def price_bill(lines: Sequence[OrderLine], store: Store, now: datetime, shopper: Shopper | None = None, *,
               coupon_id: str | None = None, use_points: int = 0) -> Quote:
    """The table's bill: every round's lines priced together, the store's offers and the paying guest's own
    (a chosen coupon, points, member level) applied once to the whole."""
    offers = StoreOffers.of(store.settings)
    plan = best_plan(lines, Setting(store.store_id, now, store.timezone), shopper or Shopper(),
                     full_reductions=offers.full_reductions, points=offers.points, coupon_id=coupon_id,
                     use_points=use_points, limit_fen=discount_limit(list(lines), "dine_in", store))
    return price_order(list(lines), mode="dine_in", store=store, discounts=plan.discounts)


def is_unpaid(tab_status: str | None, round_order_statuses: Sequence[str]) -> bool:
    """A table owes money while its tab or any of its own round orders still awaits payment."""
    return tab_status == "PENDING_PAYMENT" or "PENDING_PAYMENT" in round_order_statuses
