"""The writes of setting a store up that no other area owns: a new store's profile, tables in bulk, a
table retired, the printers a store registered at its vendor, an ingredient's settings. Every write is
conditional: a new item must not exist, an edited one must.

| item | PK | SK | notes |
| --- | --- | --- | --- |
| printer | ``STORE#<sid>`` | ``PRINTER#<sn>`` | ``doc``: sn, name, added_at (never the printer's key) |
"""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import (
    IngredientRecord,
    PrinterRecord,
    StoreRecord,
    TableRecord,
    table_connection,
)
from diancan.adapters.repository import _store_record, _table_record
from diancan.adapters.transactions import Transaction
from diancan.domain.errors import Conflict, NotFound
from diancan.domain.menu import Store

MAX_TABLES_AT_ONCE = 100  # one TransactWriteItems


def _failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


class SetupTable:
    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection or table_connection()

    def create_store(self, store: Store) -> str:
        """A new store's profile (PutItem, PK must not exist): STORE_EXISTS otherwise. Returns its token."""
        record = _store_record(store)
        try:
            record.save(condition=StoreRecord.PK.does_not_exist())
        except PutError as error:
            if not _failed(error):
                raise
            raise Conflict("a store with this id exists", "门店编号已存在", code="STORE_EXISTS",
                           details={"store_id": store.store_id}) from None
        return record.updated_at

    def add_tables(self, store_id: str, tables: list[tuple[str, int, str]]) -> None:
        """(table_no, seats, area) each, in one transaction: all or none; one that exists is TABLE_EXISTS."""
        tx = Transaction(self._connection)
        try:
            with tx:
                for table_no, seats, area in tables:
                    record = _table_record(store_id, table_no, seats, "")
                    record.doc["area"] = area
                    tx.put(table_no, record, condition=TableRecord.PK.does_not_exist())
        except TransactWriteError as error:
            taken = [label for label, reason in zip(tx.labels, error.cancellation_reasons or [], strict=False)
                     if reason is not None and reason.code == "ConditionalCheckFailed"]
            if not taken:
                raise
            raise Conflict("these tables exist", "桌台已存在：" + "、".join(taken), code="TABLE_EXISTS",
                           details={"tables": taken}) from None

    def set_table(self, store_id: str, table_no: str, changes: dict) -> dict:
        """Change a table's seats, area or active flag (the doc, read then written under its old value)."""
        try:
            record = TableRecord.get(keys.store(store_id), keys.table(table_no), consistent_read=True)
        except TableRecord.DoesNotExist:
            raise NotFound("no such table", "桌台不存在", code="TABLE_NOT_FOUND") from None
        before = dict(record.doc)
        record.doc = {**before, **changes}
        try:
            record.save(condition=TableRecord.doc == before)
        except PutError as error:
            if not _failed(error):
                raise
            raise Conflict("the table changed meanwhile", "桌台刚被修改，请刷新后重试", code="TABLE_CHANGED") from None
        return record.doc

    def printers(self, store_id: str) -> list[dict]:
        return [r.doc for r in PrinterRecord.query(keys.store(store_id), PrinterRecord.SK.startswith(keys.printer("")))]

    def add_printer(self, store_id: str, doc: dict) -> None:
        try:
            PrinterRecord(keys.store(store_id), keys.printer(doc["sn"]), doc=doc).save(
                condition=PrinterRecord.PK.does_not_exist())
        except PutError as error:
            if not _failed(error):
                raise
            raise Conflict("this printer is already added", "该打印机已添加", code="PRINTER_EXISTS") from None

    def remove_printer(self, store_id: str, sn: str) -> None:
        PrinterRecord(keys.store(store_id), keys.printer(sn)).delete()

    def set_ingredient(self, store_id: str, ingredient_id: str, doc_changes: dict, threshold: int | None) -> None:
        """An ingredient's name and cost (its doc) and its threshold, under the doc read; never its quantity
        (restocks and stock-takes move that, with their ledger entries)."""
        try:
            record = IngredientRecord.get(keys.store(store_id), keys.ingredient(ingredient_id), consistent_read=True)
        except IngredientRecord.DoesNotExist:
            raise NotFound("no such ingredient", "食材不存在", code="INGREDIENT_NOT_FOUND") from None
        actions = [IngredientRecord.doc.set({**record.doc, **doc_changes})]
        if threshold is not None:
            actions.append(IngredientRecord.threshold.set(threshold))
        try:
            record.update(actions=actions, condition=IngredientRecord.doc == record.doc)
        except UpdateError as error:
            if not _failed(error):
                raise
            raise Conflict("the ingredient changed meanwhile", "食材刚被修改，请刷新后重试",
                           code="INGREDIENT_CHANGED") from None
