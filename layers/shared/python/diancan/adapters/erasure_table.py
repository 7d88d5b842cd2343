"""Guests' "delete my data" requests in DynamoDB (docs/table.md, AP-E1..4).

- E1 request: one transaction: PutItem ``USER#<openid>/ERASURE`` if absent or done (GSI2 ``ERASURES`` /
  ``<requested_at>#<id>``) and PutItem of the first step in the due bucket ``ERASE#<minute>``; a request
  already under way is answered with one GetItem.
- E2 the guest's (or the worker's) view: GetItem ``USER#<openid>/ERASURE`` (consistent).
- E3 a step done: UpdateItem conditioned on ``steps`` being what the step read, so of two workers only one
  advances it.
- E4 the console's list: Query GSI2 ``ERASURES``, newest first.
"""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import ErasureRecord, SweepRecord, table_connection
from diancan.adapters.transactions import Transaction, raise_for_cancellation
from diancan.domain.erasure import Erasure, ErasureStatus
from diancan.domain.exceptions import ConditionFailed

ERASE_TASK = "erase"


def _erasure(record: ErasureRecord) -> Erasure:
    return Erasure.model_validate(record.doc)


class ErasureTable:
    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection

    def request(self, erasure: Erasure, minute: str, expires_at: int) -> Erasure:
        """Record the request and file its first step at ``minute``; the request under way when there is one."""
        record = ErasureRecord(keys.user(erasure.openid), keys.ERASURE, status=erasure.status.value, steps=0,
                               doc=erasure.model_dump(mode="json"), GSI2PK=keys.ERASURES,
                               GSI2SK=keys.timed(erasure.requested_at, erasure.erasure_id))
        step = SweepRecord(keys.due_bucket(keys.ERASE_QUEUE, minute), keys.sweep_item(ERASE_TASK, erasure.openid),
                           task=ERASE_TASK, order_id=erasure.erasure_id, ref=erasure.openid, expires_at=expires_at)
        tx = Transaction(self._connection or table_connection())
        try:
            with tx:
                tx.put("erasure", record, condition=ErasureRecord.PK.does_not_exist()
                       | (ErasureRecord.status == ErasureStatus.DONE.value))
                tx.put("step", step)
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed:
                stored = self.get(erasure.openid)
                if stored is not None:
                    return stored
                raise
        return erasure

    def get(self, openid: str) -> Erasure | None:
        try:
            return _erasure(ErasureRecord.get(keys.user(openid), keys.ERASURE, consistent_read=True))
        except DoesNotExist:
            return None

    def advance(self, erasure: Erasure, read_steps: int) -> bool:
        """Write the request after a step, if no other worker advanced it since it was read at ``read_steps``."""
        try:
            ErasureRecord(keys.user(erasure.openid), keys.ERASURE).update(
                actions=[ErasureRecord.status.set(erasure.status.value), ErasureRecord.steps.set(erasure.steps),
                         ErasureRecord.doc.set(erasure.model_dump(mode="json"))],
                condition=ErasureRecord.steps == read_steps)
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def recent(self, limit: int = 50) -> list[Erasure]:
        return [_erasure(record) for record in ErasureRecord.gsi2.query(keys.ERASURES, scan_index_forward=False,
                                                                        limit=limit)
                if isinstance(record, ErasureRecord)]
