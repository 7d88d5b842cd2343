"""Due work filed by minute (docs/table.md, "Due work"): a bucket ``<QUEUE>#<yyyy-mm-ddTHH:MM>`` per minute
holds the tasks due then, and ``<QUEUE>/CURSOR`` the last minute its worker finished. A worker reads each due
minute with one Query, never a scan (services/due_work.py walks the minutes). The order sweeper's queue is
``SWEEP``; the erasure worker's ``ERASE``."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from diancan.adapters import keys
from diancan.adapters.records import SweepCursorRecord, SweepRecord


class DueWork:
    def __init__(self, queue: str) -> None:
        self._queue = queue

    def add(self, minute: str, task: str, order_id: str, ref: str | None, expires_at: int) -> None:
        SweepRecord(keys.due_bucket(self._queue, minute), keys.sweep_item(task, ref or order_id), task=task,
                    order_id=order_id, ref=ref, expires_at=expires_at).save()

    def due(self, minute: str) -> list[SweepRecord]:
        return list(SweepRecord.query(keys.due_bucket(self._queue, minute)))

    def done(self, record: SweepRecord) -> None:
        record.delete()

    def cursor(self) -> str | None:
        try:
            return SweepCursorRecord.get(*keys.due_cursor(self._queue), consistent_read=True).minute
        except DoesNotExist:
            return None

    def set_cursor(self, minute: str) -> None:
        SweepCursorRecord(*keys.due_cursor(self._queue), minute=minute).save()
