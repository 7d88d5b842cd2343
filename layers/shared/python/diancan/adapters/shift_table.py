"""Cashiers' shifts in DynamoDB (docs/table.md, AP-SH1..4).

- SH1 open a shift: one transaction, the shift (``SHIFTS#<sid>/SHIFT#<id>``) and the cashier's open-shift
  marker (``OPENSHIFT#<staff>``), both put only if absent: a second open shift of the same cashier is refused.
- SH2 close: one transaction, the shift updated on condition ``status = open`` and the marker deleted; a
  second close (a double click) fails the condition and writes nothing.
- SH3 a cashier's open shift: GetItem of the marker, then of the shift.
- SH4 a store's shifts newest first: one Query of ``SHIFTS#<sid>``, ``SHIFT#`` prefix, descending.
"""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from diancan.adapters import keys
from diancan.adapters.records import OpenShiftRecord, ShiftRecord, table_connection
from diancan.adapters.transactions import Transaction, raise_for_cancellation
from diancan.domain.exceptions import ConditionFailed
from diancan.domain.shifts import Shift, ShiftAlreadyOpen, ShiftStatus


def _shift(record: ShiftRecord) -> Shift:
    return Shift.model_validate(record.doc)


class ShiftTable:
    """The shift book of every store."""

    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection or table_connection()

    def open(self, shift: Shift) -> None:
        """Put the shift and its cashier's open marker; ``ShiftAlreadyOpen`` when the cashier has one."""
        tx = Transaction(self._connection)
        try:
            with tx:
                tx.put("marker", OpenShiftRecord(keys.shifts(shift.store_id), keys.open_shift(shift.staff_id),
                                                 shift_id=shift.shift_id),
                       condition=OpenShiftRecord.PK.does_not_exist())
                tx.put("shift", ShiftRecord(keys.shifts(shift.store_id), keys.shift(shift.shift_id),
                                            status=shift.status.value, doc=shift.model_dump(mode="json")),
                       condition=ShiftRecord.PK.does_not_exist())
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed:
                raise ShiftAlreadyOpen(details={"staff_id": shift.staff_id}) from None

    def close(self, shift: Shift) -> bool:
        """Write the closed shift (with its handover) if it is still open; False when it was closed already."""
        tx = Transaction(self._connection)
        try:
            with tx:
                tx.delete("marker", OpenShiftRecord(keys.shifts(shift.store_id), keys.open_shift(shift.staff_id)))
                tx.update("shift", ShiftRecord(keys.shifts(shift.store_id), keys.shift(shift.shift_id)),
                          [ShiftRecord.status.set(ShiftStatus.CLOSED.value),
                           ShiftRecord.doc.set(shift.model_dump(mode="json"))],
                          condition=ShiftRecord.status == ShiftStatus.OPEN.value)
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed:
                return False
        return True

    def record_print(self, shift: Shift) -> None:
        """Keep the latest print outcome of a closed shift's handover (printed_at / print_error)."""
        ShiftRecord(keys.shifts(shift.store_id), keys.shift(shift.shift_id)).update(
            actions=[ShiftRecord.doc.set(shift.model_dump(mode="json"))],
            condition=ShiftRecord.status == ShiftStatus.CLOSED.value)

    def get(self, store_id: str, shift_id: str) -> Shift | None:
        try:
            return _shift(ShiftRecord.get(keys.shifts(store_id), keys.shift(shift_id), consistent_read=True))
        except DoesNotExist:
            return None

    def open_shift_of(self, store_id: str, staff_id: str) -> Shift | None:
        try:
            marker = OpenShiftRecord.get(keys.shifts(store_id), keys.open_shift(staff_id), consistent_read=True)
        except DoesNotExist:
            return None
        return self.get(store_id, marker.shift_id)

    def recent(self, store_id: str, limit: int = 30) -> list[Shift]:
        records = ShiftRecord.query(keys.shifts(store_id), ShiftRecord.SK.startswith(keys.SHIFT_PREFIX),
                                    scan_index_forward=False, limit=limit)
        return [_shift(record) for record in records]
