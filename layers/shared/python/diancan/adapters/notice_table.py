"""DynamoDB access of guest notices: the order, its store's name and its notice record in one read, and the
notice's claim and outcome.

Access patterns (docs/table.md):
- the order, its ``NOTICE#<kind>`` and the store profile: one strongly consistent BatchGetItem
- claim: PutItem ``ORDER#<oid>`` / ``NOTICE#<kind>`` (``SENDING``) if absent, left for ``RETRY``, or claimed
  more than ``CLAIM_SECONDS`` ago (the sender died mid-call)
- outcome: UpdateItem of the same key (``SENT`` / ``NOT_SUBSCRIBED`` / ``REFUSED`` / ``RETRY``)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import PutError

from diancan.adapters import keys
from diancan.adapters.records import GuestNoticeRecord, OrderRecord, Record, StoreRecord
from diancan.adapters.repository import order_from_record
from diancan.domain.clock import iso
from diancan.domain.errors import Conflict, NotFound
from diancan.domain.order import Order

CLAIM_SECONDS = 120  # longer than the consumer's timeout: a claim this old belongs to no running invocation
SENDING, RETRY = "SENDING", "RETRY"


class NoticeInFlight(Conflict):
    """Another delivery of the same event is sending this notice right now; try again later."""

    code = "NOTICE_IN_FLIGHT"


@dataclass(frozen=True)
class NoticeRead:
    order: Order
    store_name: str
    state: str | None  # the notice's state, None when never claimed


class NoticeTable:
    def read(self, order_id: str, store_id: str, kind: str) -> NoticeRead:
        wanted = [(keys.order(order_id), keys.ORDER), (keys.order(order_id), keys.notice(kind)),
                  (keys.store(store_id), keys.PROFILE)]
        order, store_name, state = None, "", None
        for record in Record.batch_get(wanted, consistent_read=True):
            if isinstance(record, OrderRecord):
                order = order_from_record(record)
            elif isinstance(record, GuestNoticeRecord):
                state = record.state
            elif isinstance(record, StoreRecord):
                store_name = str(record.doc.get("name") or "")
        if order is None:
            raise NotFound("no such order", "订单不存在", code="ORDER_NOT_FOUND")
        return NoticeRead(order, store_name, state)

    def claim(self, order_id: str, kind: str, now: datetime) -> None:
        """Take the notice for sending; ``NoticeInFlight`` when it is settled or another sender holds it
        (the caller read it free just before, so that is a concurrent delivery: the retry re-reads)."""
        record = GuestNoticeRecord(keys.order(order_id), keys.notice(kind), state=SENDING, claimed_at=iso(now))
        free = (GuestNoticeRecord.PK.does_not_exist() | (GuestNoticeRecord.state == RETRY)
                | ((GuestNoticeRecord.state == SENDING)
                   & (GuestNoticeRecord.claimed_at < iso(now - timedelta(seconds=CLAIM_SECONDS)))))
        try:
            record.save(condition=free)
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise NoticeInFlight("the notice is being sent by another delivery", "通知正在发送",
                                 details={"order_id": order_id}) from None

    def settle(self, order_id: str, kind: str, state: str, **answer: object) -> None:
        """The outcome of a claimed notice (``RETRY`` frees it for the next delivery)."""
        GuestNoticeRecord(keys.order(order_id), keys.notice(kind)).update(
            actions=[GuestNoticeRecord.state.set(state), GuestNoticeRecord.doc.set(answer)],
            condition=GuestNoticeRecord.state == SENDING)
