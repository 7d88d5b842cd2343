"""Ingredient stock use cases: deduct on payment, give back on cancel/refund before cooking, restock,
stock-take, threshold alerts, sold-out flags, and the store's decision when stock cannot cover an order.

Consumers get events at least once and in any order, so every step is idempotent per order: the
deduction marker makes a replay deduct nothing, the release sets ``released_at`` once, an alert is an
item that exists once, a stock issue is put once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

from diancan.adapters.stock_table import DeductResult
from diancan.domain.clock import iso, utcnow
from diancan.domain.errors import Conflict, InvalidRequest, NotFound, UpstreamUnavailable
from diancan.domain.events import OrderCancelled, OrderEvent, OrderPaid, OrderRefunded
from diancan.domain.order import Order
from diancan.domain.stock import (
    AlertChange,
    Ingredient,
    IssueStatus,
    LedgerEntry,
    Movement,
    StockIssue,
    deduction_plan,
    shortages,
    sold_out_changes,
    stock_alert,
    stocktake_delta,
    threshold_change,
    tracked,
)
from diancan.services.ports import MenuRepository, OrderRepository, StockLedger

logger = logging.getLogger(__name__)

STOCK_LOW = "StockLow"
STOCK_ISSUE = "StockIssue"
STOCKTAKE_ATTEMPTS = 3


class RefundRequester(Protocol):
    """Port to the payment side: start a full refund of a paid order (idempotent per order)."""

    def request_full_refund(self, order_id: str, reason: str) -> None: ...


class Alerts(Protocol):
    def publish(self, kind: str, subject: str, detail: dict) -> None: ...


class SoldOutFlags(Protocol):
    """Port to the sold-out log (adapters/sold_out_log.py): set a dish's flag and record the moment for the
    reports, once per real change; answers whether it changed anything."""

    def mark(self, store_id: str, dish_id: str, name: str, sold_out: bool, at: str) -> bool: ...


class StockService:
    def __init__(self, repository: OrderRepository, stock: StockLedger, menu: MenuRepository, alerts: Alerts, *,
                 refunds: RefundRequester | None = None, sold_out_log: SoldOutFlags | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        """Without ``sold_out_log`` the flags are set on the menu alone (no events for the reports)."""
        self._repository = repository
        self._sold_out_log = sold_out_log
        self._stock = stock
        self._menu = menu
        self._alerts = alerts
        self._refunds = refunds
        self._clock = clock

    # ---- events from the bus -------------------------------------------------------------------------

    def handle(self, event: OrderEvent | None) -> None:
        """One typed event from the stock queue (None: a detail-type that is not ours)."""
        if isinstance(event, OrderPaid):
            self.order_paid(event.order_id)
        elif isinstance(event, OrderCancelled):
            self.give_back(event.store_id, event.order_id, reason=f"order cancelled ({event.reason})")
        elif isinstance(event, OrderRefunded) and event.full and not event.food_made:
            self.give_back(event.store_id, event.order_id, reason=f"order refunded ({event.reason})")
        else:
            logger.info("stock ignores event", extra={"event": event and event.name,
                                                      "order_id": event and event.order_id})

    def order_paid(self, order_id: str) -> DeductResult | None:
        """Deduct the order's ingredients once; a shortfall deducts nothing and goes to the store."""
        read = self._repository.order_with_issue(order_id)
        order = read.order
        if read.stock_issue is not None:
            logger.info("order already awaits the store's decision", extra={"order_id": order_id})
            return None
        plan = tracked(deduction_plan(order.lines), self._stock.ingredients(order.store_id))
        if not plan:
            return None
        at = iso(self._clock())
        outcome = self._stock.deduct(order.store_id, order_id, plan, at)
        logger.info("stock deduction", extra={"order_id": order_id, "result": outcome.result.value})
        if outcome.result == DeductResult.SHORT:
            self._to_store_decision(order, plan, outcome.short, at)
        self._after_change(order.store_id, plan, at)
        return outcome.result

    def give_back(self, store_id: str, order_id: str, reason: str) -> dict[str, int]:
        """Return what the order had deducted (nothing if nothing was, or it was already returned)."""
        at = iso(self._clock())
        given = self._stock.release(store_id, order_id, at, reason)
        if given:
            logger.info("stock released", extra={"order_id": order_id, "ingredients": sorted(given)})
            self._after_change(store_id, given, at)
        return given

    def _to_store_decision(self, order: Order, plan: dict[str, int], failed: Iterable[str], at: str) -> None:
        missing = shortages(plan, self._stock.ingredients(order.store_id)) or {i: plan[i] for i in failed}
        issue = StockIssue(order_id=order.order_id, store_id=order.store_id, shortages=missing, opened_at=at)
        if self._stock.open_issue(issue):
            self._alerts.publish(STOCK_ISSUE, f"StockIssue {order.store_id} order {order.order_id}",
                                 issue.model_dump(mode="json"))

    def refresh(self, store_id: str, touched: Iterable[str]) -> None:
        """Re-derive alerts and sold-out flags after a menu change (a recipe edit, a new combo)."""
        self._after_change(store_id, touched, iso(self._clock()))

    def _after_change(self, store_id: str, touched: Iterable[str], at: str) -> None:
        """Thresholds and sold-out flags of the ingredients a change touched, from a fresh read (two queries:
        the menu with the ingredients, the open alerts) — not from what was read before the change, which a
        concurrent deduction may have moved."""
        touched = sorted(touched)
        menu, stock = self._stock.menu_and_ingredients(store_id)
        dishes = menu.dishes
        alerts = self._stock.open_alerts(store_id)
        for ingredient_id in touched:
            ingredient = stock.get(ingredient_id)
            change = None if ingredient is None else threshold_change(ingredient, ingredient_id in alerts)
            if change == AlertChange.RAISE:
                alert = stock_alert(ingredient, dishes, at)
                if self._stock.raise_alert(alert):
                    self._alerts.publish(STOCK_LOW, f"StockLow {store_id} {ingredient_id}", alert.model_dump(mode="json"))
            elif change == AlertChange.CLEAR:
                self._stock.clear_alert(store_id, ingredient_id)
        to_mark, to_clear = sold_out_changes(dishes, stock, touched)
        names = {dish.dish_id: dish.name for dish in dishes}
        for dish_ids, sold_out in ((to_mark, True), (to_clear, False)):
            for dish_id in dish_ids:
                if self._sold_out_log is None:
                    self._menu.set_state(store_id, dish_id, sold_out=sold_out)
                else:
                    self._sold_out_log.mark(store_id, dish_id, names[dish_id], sold_out, at)
        if to_mark or to_clear:
            logger.info("sold-out flags changed", extra={"store_id": store_id, "sold_out": to_mark, "back": to_clear})

    # ---- the console -----------------------------------------------------------------------------------

    def add_ingredient(self, ingredient: Ingredient) -> Ingredient:
        at = iso(self._clock())
        self._stock.add_ingredient(ingredient, at)
        self._after_change(ingredient.store_id, [ingredient.ingredient_id], at)
        return ingredient

    def restock(self, store_id: str, ingredient_id: str, units: int, *, by: str, ref: str | None = None,
                reason: str = "restock") -> Ingredient:
        """Add stock (``ref`` makes a retried request count once); may clear an alert and bring dishes back."""
        if units <= 0:
            raise InvalidRequest("restock a positive quantity", "补货数量必须大于0", code="INVALID_QUANTITY")
        self._stock.ingredient(store_id, ingredient_id)
        at = iso(self._clock())
        self._stock.move(LedgerEntry(store_id=store_id, ingredient_id=ingredient_id, movement=Movement.RESTOCK,
                                     delta=units, at=at, ref=ref or uuid.uuid4().hex, reason=f"{reason} by {by}"))
        self._after_change(store_id, [ingredient_id], at)
        return self._stock.ingredient(store_id, ingredient_id)

    def stock_take(self, store_id: str, ingredient_id: str, counted: int, *, by: str,
                  ref: str | None = None) -> Ingredient:
        """The counted quantity replaces the book quantity; the difference is recorded (negative = loss)."""
        ref = ref or uuid.uuid4().hex
        for _ in range(STOCKTAKE_ATTEMPTS):
            book = self._stock.ingredient(store_id, ingredient_id)
            at = iso(self._clock())
            entry = LedgerEntry(store_id=store_id, ingredient_id=ingredient_id, movement=Movement.STOCKTAKE,
                                delta=stocktake_delta(book, counted), at=at, ref=ref,
                                reason=f"stock-take by {by}: counted {counted}, book {book.quantity}")
            try:
                self._stock.count(entry, counted, book.quantity)
            except Conflict:
                continue  # an order moved the quantity between read and write: count against the new book
            self._after_change(store_id, [ingredient_id], at)
            return self._stock.ingredient(store_id, ingredient_id)
        raise UpstreamUnavailable("stock keeps changing, retry the count", "库存变动频繁，请重新盘点", code="BUSY_RETRY")

    def decide(self, order_id: str, decision: IssueStatus, *, by: str, note: str = "") -> StockIssue:
        """The store's decision on a stock issue: substitute (the order goes on) or a full refund."""
        if decision == IssueStatus.OPEN:
            raise InvalidRequest("decide substitute or refund", "请选择换料或退款", code="INVALID_DECISION")
        issue = self._stock.issue_of(order_id)
        if issue is None:
            raise NotFound("no stock issue for this order", "该订单没有缺料问题", code="STOCK_ISSUE_NOT_FOUND")
        if issue.status != IssueStatus.OPEN:
            if issue.status == decision:
                return issue
            raise Conflict("the store already decided", "门店已处理该订单", code="STOCK_ISSUE_DECIDED",
                           details={"status": issue.status.value})
        if decision == IssueStatus.REFUND_REQUESTED:
            if self._refunds is None:
                raise UpstreamUnavailable("refunds are not wired in", "暂时无法退款", code="REFUNDS_UNAVAILABLE")
            self._refunds.request_full_refund(order_id, reason="stock_shortage")
        decided = issue.model_copy(update={"status": decision, "decided_at": iso(self._clock()),
                                           "decided_by": by, "note": note})
        if not self._stock.decide_issue(decided):
            current = self._stock.issue_of(order_id)
            if current is None or current.status != decision:
                raise Conflict("the store already decided", "门店已处理该订单", code="STOCK_ISSUE_DECIDED")
            return current
        return decided

    def overview(self, store_id: str) -> dict:
        """The console's stock page: ingredients (``on_hand`` in base units, ``low``), open alerts and issues."""
        ingredients = [{**i.model_dump(mode="json"), "on_hand": i.quantity, "low": i.below_threshold}
                       for i in self._stock.ingredients(store_id).values()]
        return {"ingredients": ingredients, "alerts": self.open_alerts(store_id), "issues": self.open_issues(store_id)}

    def open_alerts(self, store_id: str) -> list[dict]:
        return [a.model_dump(mode="json") for a in self._stock.open_alerts(store_id).values()]

    def open_issues(self, store_id: str) -> list[dict]:
        return [i.model_dump(mode="json") for i in self._stock.open_issues(store_id)]

    def ledger(self, store_id: str, ingredient_id: str) -> list[LedgerEntry]:
        return self._stock.ledger(store_id, ingredient_id)
