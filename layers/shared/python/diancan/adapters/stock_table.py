"""DynamoDB access for ingredient stock: quantities, the ledger, per-order deduction markers, open
StockLow alerts, stock issues awaiting the store and the dishes' sold-out flags.

Every quantity change is one transaction that also writes its ledger entry, so the ledger always sums
to the quantity. An order's deduction is guarded by a marker item written in the same transaction
(``attribute_not_exists``), so a replayed ``OrderPaid`` deducts nothing twice, and by ``quantity >= need``
on every ingredient, so stock never goes negative: a shortfall cancels the whole transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import (
    IngredientRecord,
    LedgerRecord,
    OrderRecord,
    Record,
    StockAlertRecord,
    StockDeductionRecord,
    StockIssueRecord,
    table_connection,
)
from diancan.adapters.repository import Menu, menu_from_records
from diancan.adapters.transactions import ConditionFailed, Transaction, raise_for_cancellation
from diancan.domain.errors import Conflict, NotFound
from diancan.domain.order_status import PAID_STATUSES
from diancan.domain.stock import Ingredient, IssueStatus, LedgerEntry, Movement, StockAlert, StockIssue

logger = logging.getLogger(__name__)

# A chunk writes 2 items per ingredient (update + ledger entry), its marker and the order check: 98 ≤ 100.
INGREDIENTS_PER_TRANSACTION = 48


class DeductResult(StrEnum):
    DEDUCTED = "deducted"
    ALREADY_DEDUCTED = "already_deducted"  # a replay: every chunk's marker was there
    SHORT = "short"                        # some ingredient could not cover it: nothing deducted
    NOT_PAID = "not_paid"                  # the order is no longer paid (refund started): nothing deducted


@dataclass(frozen=True)
class Deduction:
    result: DeductResult
    short: tuple[str, ...] = ()  # the (first) ingredient whose condition failed, when SHORT


class IngredientExists(Conflict):
    code, message_zh, message_en = "INGREDIENT_EXISTS", "食材已存在", "This ingredient already exists"


class IngredientNotFound(NotFound):
    code, message_zh, message_en = "INGREDIENT_NOT_FOUND", "食材不存在", "No such ingredient"


def _ingredient(record: IngredientRecord) -> Ingredient:
    return Ingredient.model_validate({**record.doc, "quantity": int(record.quantity),
                                      "threshold": int(record.threshold or 0)})


def _ledger_record(entry: LedgerEntry) -> LedgerRecord:
    return LedgerRecord(keys.ledger(entry.store_id, entry.ingredient_id),
                        keys.ledger_entry(entry.movement.value, entry.ref), delta=entry.delta,
                        doc=entry.model_dump(mode="json"))


def _failed_label(error: TransactWriteError, tx: Transaction) -> str:
    """The first item whose condition failed (checks, then puts, then updates); conflicts raise retryable."""
    try:
        raise_for_cancellation(error, tx.labels)
    except ConditionFailed as failed:
        return failed.label
    raise AssertionError("raise_for_cancellation always raises")  # pragma: no cover


class StockTable:
    """Stock items of the one table (access patterns S1-S8, see each method)."""

    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection or table_connection()

    # ---- ingredients and the ledger ------------------------------------------------------------------

    def ingredients(self, store_id: str) -> dict[str, Ingredient]:
        """S1: every ingredient of a store: one strongly consistent query, ``INGREDIENT#`` prefix."""
        records = IngredientRecord.query(keys.store(store_id), IngredientRecord.SK.startswith(keys.INGREDIENT_PREFIX),
                                         consistent_read=True)
        return {i.ingredient_id: i for i in map(_ingredient, records)}

    def menu_and_ingredients(self, store_id: str) -> tuple[Menu, dict[str, Ingredient]]:
        """S1b: the menu (recipes, sold-out flags) and every ingredient of a store in one strongly consistent
        range query of its partition, ``#PROFILE`` to ``INGREDIENT#\uffff`` (the fresh read after a change)."""
        records = list(Record.query(keys.store(store_id), Record.SK.between(keys.MENU_FIRST, keys.MENU_AND_STOCK_LAST),
                                    consistent_read=True))
        stock = (_ingredient(r) for r in records if isinstance(r, IngredientRecord))
        return menu_from_records(records), {i.ingredient_id: i for i in stock}

    def ingredient(self, store_id: str, ingredient_id: str) -> Ingredient:
        try:
            return _ingredient(IngredientRecord.get(keys.store(store_id), keys.ingredient(ingredient_id),
                                                    consistent_read=True))
        except IngredientRecord.DoesNotExist:
            raise IngredientNotFound(details={"ingredient_id": ingredient_id}) from None

    def add_ingredient(self, ingredient: Ingredient, at: str) -> None:
        """S2: a new ingredient and its opening ledger entry, one transaction (refused if it exists)."""
        record = IngredientRecord(keys.store(ingredient.store_id), keys.ingredient(ingredient.ingredient_id),
                                  quantity=ingredient.quantity, threshold=ingredient.threshold,
                                  doc=ingredient.model_dump(mode="json", exclude={"quantity", "threshold"}))
        opening = LedgerEntry(store_id=ingredient.store_id, ingredient_id=ingredient.ingredient_id,
                              movement=Movement.OPENING, delta=ingredient.quantity, at=at, ref="opening",
                              reason="opening balance")
        tx = Transaction(self._connection)
        try:
            with tx:
                tx.put("ingredient", record, condition=IngredientRecord.PK.does_not_exist())
                tx.put("ledger", _ledger_record(opening), condition=LedgerRecord.PK.does_not_exist())
        except TransactWriteError as error:
            _failed_label(error, tx)
            raise IngredientExists(details={"ingredient_id": ingredient.ingredient_id}) from None

    def ledger(self, store_id: str, ingredient_id: str) -> list[LedgerEntry]:
        """S3: an ingredient's movements oldest first: one query of ``LEDGER#<sid>#<iid>`` (paged)."""
        entries = [LedgerEntry.model_validate(r.doc)
                   for r in LedgerRecord.query(keys.ledger(store_id, ingredient_id), consistent_read=True)]
        return sorted(entries, key=lambda e: (e.at, e.movement != "opening"))

    def move(self, entry: LedgerEntry) -> bool:
        """S4: add ``entry.delta`` to the quantity and write the entry, one transaction. A restock or
        loss entry is written once per ``ref``: a replay returns False and changes nothing."""
        return self._apply(entry, IngredientRecord.quantity.add(entry.delta), IngredientRecord.PK.exists())

    def count(self, entry: LedgerEntry, counted: int, book: int) -> bool:
        """S4: a stock-take: quantity := counted if it is still ``book``, with the difference as the entry."""
        return self._apply(entry, IngredientRecord.quantity.set(counted), IngredientRecord.quantity == book)

    def _apply(self, entry: LedgerEntry, action, condition) -> bool:
        tx = Transaction(self._connection)
        try:
            with tx:
                tx.put("ledger", _ledger_record(entry), condition=LedgerRecord.PK.does_not_exist())
                tx.update("ingredient", IngredientRecord(keys.store(entry.store_id),
                                                         keys.ingredient(entry.ingredient_id)),
                          [action], condition=condition)
        except TransactWriteError as error:
            if _failed_label(error, tx) == "ledger":
                return False
            raise Conflict("the stock changed meanwhile", "库存已变化，请刷新后重试", code="STOCK_CHANGED") from None
        return True

    # ---- per-order deduction and release -----------------------------------------------------------

    def deduct(self, store_id: str, order_id: str, plan: dict[str, int], at: str) -> Deduction:
        """S5: deduct an order's plan in as few transactions as the 100-item limit allows (one for up to
        48 ingredients). Each transaction checks the order is paid, puts its marker
        ``ORDER#<id>``/``STOCK#DEDUCTED#<nn>`` and decrements with ``quantity >= need``. When a later
        chunk is short, the earlier chunks are released, so a shortfall leaves nothing deducted."""
        items = sorted(plan.items())
        chunks = [dict(items[i:i + INGREDIENTS_PER_TRANSACTION])
                  for i in range(0, len(items), INGREDIENTS_PER_TRANSACTION)]
        applied = False
        for number, chunk in enumerate(chunks):
            outcome = self._deduct_chunk(store_id, order_id, number, chunk, at)
            if outcome.result in (DeductResult.SHORT, DeductResult.NOT_PAID):
                if number:
                    self.release(store_id, order_id, at, reason="shortfall in a later chunk")
                return outcome
            applied |= outcome.result == DeductResult.DEDUCTED
        return Deduction(DeductResult.DEDUCTED if applied else DeductResult.ALREADY_DEDUCTED)

    def _deduct_chunk(self, store_id: str, order_id: str, number: int, chunk: dict[str, int], at: str) -> Deduction:
        tx = Transaction(self._connection)
        try:
            with tx:
                tx.check("order", OrderRecord(keys.order(order_id), keys.ORDER),
                         OrderRecord.status.is_in(*sorted(s.value for s in PAID_STATUSES)))
                tx.put("marker", StockDeductionRecord(keys.order(order_id), keys.stock_deducted(number), plan=chunk,
                                                      at=at), condition=StockDeductionRecord.PK.does_not_exist())
                for ingredient_id, units in chunk.items():
                    entry = LedgerEntry(store_id=store_id, ingredient_id=ingredient_id, movement=Movement.DEDUCT,
                                        delta=-units, at=at, ref=f"{order_id}-{number}", order_id=order_id,
                                        reason="order paid")
                    tx.put(f"ledger:{ingredient_id}", _ledger_record(entry))
                for ingredient_id, units in chunk.items():
                    tx.update(f"ingredient:{ingredient_id}",
                              IngredientRecord(keys.store(store_id), keys.ingredient(ingredient_id)),
                              [IngredientRecord.quantity.add(-units)], condition=IngredientRecord.quantity >= units)
        except TransactWriteError as error:
            failed = _failed_label(error, tx)
            if failed == "marker":
                return Deduction(DeductResult.ALREADY_DEDUCTED)
            if failed == "order":
                return Deduction(DeductResult.NOT_PAID)
            return Deduction(DeductResult.SHORT, (failed.split(":", 1)[1],))
        return Deduction(DeductResult.DEDUCTED)

    def release(self, store_id: str, order_id: str, at: str, reason: str) -> dict[str, int]:
        """S6: give back what an order's markers say was deducted and is not yet released (query
        ``ORDER#<id>`` ``STOCK#DEDUCTED#``; one transaction per marker, each setting ``released_at`` once).
        Returns what this call gave back: nothing when nothing was deducted or it was already released."""
        given: dict[str, int] = {}
        markers = StockDeductionRecord.query(keys.order(order_id),
                                             StockDeductionRecord.SK.startswith(keys.STOCK_DEDUCTED_PREFIX),
                                             consistent_read=True)
        for marker in markers:
            if marker.released_at is not None:
                continue
            if self._release_chunk(store_id, order_id, marker, at, reason):
                for ingredient_id, units in marker.plan.items():
                    given[ingredient_id] = given.get(ingredient_id, 0) + units
        return given

    def _release_chunk(self, store_id: str, order_id: str, marker: StockDeductionRecord, at: str, reason: str) -> bool:
        number = marker.SK.rsplit("#", 1)[1]
        tx = Transaction(self._connection)
        try:
            with tx:
                tx.update("marker", StockDeductionRecord(marker.PK, marker.SK),
                          [StockDeductionRecord.released_at.set(at)],
                          condition=StockDeductionRecord.released_at.does_not_exist())
                for ingredient_id, units in sorted(marker.plan.items()):
                    entry = LedgerEntry(store_id=store_id, ingredient_id=ingredient_id, movement=Movement.RELEASE,
                                        delta=units, at=at, ref=f"{order_id}-{number}", order_id=order_id,
                                        reason=reason)
                    tx.put(f"ledger:{ingredient_id}", _ledger_record(entry))
                    tx.update(f"ingredient:{ingredient_id}",
                              IngredientRecord(keys.store(store_id), keys.ingredient(ingredient_id)),
                              [IngredientRecord.quantity.add(units)], condition=IngredientRecord.PK.exists())
        except TransactWriteError as error:
            if _failed_label(error, tx) == "marker":
                return False  # released meanwhile by a concurrent replay
            raise
        return True

    # ---- alerts ---------------------------------------------------------------------------------------

    def open_alerts(self, store_id: str) -> dict[str, StockAlert]:
        """S7: a store's open StockLow alerts (query ``STORE#<sid>`` ``STOCKALERT#``), for the console."""
        records = StockAlertRecord.query(keys.store(store_id), StockAlertRecord.SK.startswith(keys.STOCK_ALERT_PREFIX),
                                         consistent_read=True)
        return {a.ingredient_id: a for a in (StockAlert.model_validate(r.doc) for r in records)}

    def raise_alert(self, alert: StockAlert) -> bool:
        """Open the alert unless one is open (conditional put): True means this caller raised it."""
        try:
            StockAlertRecord(keys.store(alert.store_id), keys.stock_alert(alert.ingredient_id),
                             doc=alert.model_dump(mode="json")).save(condition=StockAlertRecord.PK.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def clear_alert(self, store_id: str, ingredient_id: str) -> bool:
        try:
            StockAlertRecord(keys.store(store_id), keys.stock_alert(ingredient_id)).delete(
                condition=StockAlertRecord.PK.exists())
        except DeleteError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    # ---- stock issues ---------------------------------------------------------------------------------

    def open_issue(self, issue: StockIssue) -> bool:
        """S8: ``ORDER#<id>``/``STOCK_ISSUE``, listed on GSI1 ``STOCKISSUES#<sid>`` while open. Once per order."""
        record = StockIssueRecord(keys.order(issue.order_id), keys.STOCK_ISSUE, store_id=issue.store_id,
                                  status=issue.status.value, doc=issue.model_dump(mode="json"),
                                  GSI1PK=keys.stock_issues(issue.store_id),
                                  GSI1SK=keys.timed(issue.opened_at, issue.order_id))
        try:
            record.save(condition=StockIssueRecord.PK.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def issue_of(self, order_id: str) -> StockIssue | None:
        """S8: the order's stock issue, if any (one GetItem)."""
        try:
            return StockIssue.model_validate(StockIssueRecord.get(keys.order(order_id), keys.STOCK_ISSUE,
                                                                  consistent_read=True).doc)
        except StockIssueRecord.DoesNotExist:
            return None

    def open_issues(self, store_id: str) -> list[StockIssue]:
        """S8: a store's open issues oldest first (GSI1 ``STOCKISSUES#<sid>``, sparse), for the console."""
        return [StockIssue.model_validate(r.doc) for r in StockIssueRecord.gsi1.query(keys.stock_issues(store_id))]

    def decide_issue(self, issue: StockIssue) -> bool:
        """Record the store's decision once (condition: still open) and drop the issue from the open list."""
        try:
            StockIssueRecord(keys.order(issue.order_id), keys.STOCK_ISSUE).update(
                actions=[StockIssueRecord.status.set(issue.status.value),
                         StockIssueRecord.doc.set(issue.model_dump(mode="json")),
                         StockIssueRecord.GSI1PK.remove(), StockIssueRecord.GSI1SK.remove()],
                condition=StockIssueRecord.status == IssueStatus.OPEN.value)
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True
