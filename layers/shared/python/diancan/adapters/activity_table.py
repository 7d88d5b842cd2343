"""DynamoDB access for what loyalty learns from orders: each guest's dishes per store, their member info
(latest order day, favourite dish, birthday, phone), the stores' recommendation lists, and the indexes the
automatic-coupon job reads guests through (never a scan):

* GSI2 ``LASTORDER#<day>`` / openid — member info, moved on every paid order (win-back, after N orders);
  before a guest's first order, ``PHONEONLY#<day>`` / openid once they shared a phone (its retention);
* GSI1 ``BIRTHDAY#<MM-DD>`` / openid — member info of guests who gave a birthday;
* GSI1 ``JOINED#<day>`` / openid — the user profile item written at first login (docs/table.md, AP-M1).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import (
    GuestRecoRecord,
    MemberInfoRecord,
    MemberRecord,
    OrderRecord,
    PhoneTailRecord,
    Record,
    StoreRecoRecord,
    UserRecord,
    table_connection,
)
from diancan.adapters.transactions import ConditionFailed, Transaction, raise_for_cancellation
from diancan.domain.cart import OrderLine
from diancan.domain.clock import business_day, parse_iso
from diancan.domain.coupons import GuestFacts
from diancan.domain.errors import Conflict
from diancan.domain.order import Order
from diancan.domain.order_status import PAID_STATUSES
from diancan.domain.recommend import StoreReco, add_portions, favourite

USER_PROFILE = "PROFILE"  # the sort key Repository.record_login writes the user under
RECENT_ORDERS_KEPT = 20
ATTEMPTS = 3


@dataclass(frozen=True)
class MemberInfo:
    last_order_day: str | None = None
    favourite_dish: str | None = None
    birthday: str | None = None
    phone_enc: str | None = None


# An item made by UpdateItem has no ``kind`` unless the update sets it; without it a query or BatchGetItem
# through ``Record`` cannot tell what it is. Every first write of an item here sets it.


def _conditional_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


class ActivityTable:
    def __init__(self, business_tz: str = "Asia/Shanghai", connection: Connection | None = None) -> None:
        self._tz = business_tz
        self._connection = connection  # made on the first phone write (transactions only)

    # ---- written by the loyalty consumer on OrderPaid -----------------------------------------------------

    def record_paid_order(self, order: Order) -> bool:
        """Count the order's dishes for its guest (GetItem + conditional PutItem of ``USER#<o>/RECO#<sid>``),
        then move the guest's latest order day (one UpdateItem). False when the order was already counted."""
        counted, counts = self._count(order)
        self._touch_member(order.openid, order.business_day, favourite(counts))
        return counted

    def _count(self, order: Order) -> tuple[bool, dict[str, int]]:
        for _ in range(ATTEMPTS):
            try:
                record = GuestRecoRecord.get(keys.user(order.openid), keys.guest_reco(order.store_id),
                                             consistent_read=True)
            except DoesNotExist:
                record = None
            if record is not None and order.order_id in record.recent:
                return False, dict(record.counts)
            counts = add_portions(record.counts if record else {}, order.lines)
            kept = list(record.recent)[-(RECENT_ORDERS_KEPT - 1):] if record else []
            recent = [*kept, order.order_id]
            version = int(record.version) if record else 0
            condition = (GuestRecoRecord.version == version) if record else GuestRecoRecord.PK.does_not_exist()
            try:
                GuestRecoRecord(keys.user(order.openid), keys.guest_reco(order.store_id), counts=counts,
                                recent=recent, version=version + 1).save(condition=condition)
                return True, counts
            except PutError as error:
                if not _conditional_failed(error):
                    raise
        raise Conflict("the guest's dish counts kept changing; retry", "请重试", code="RECO_BUSY")

    def _touch_member(self, openid: str, day: str, favourite_dish: str | None) -> None:
        info = MemberInfoRecord(keys.user(openid), keys.MEMBER_INFO)
        moved = [MemberInfoRecord.kind.set(MemberInfoRecord), MemberInfoRecord.openid.set(openid), MemberInfoRecord.last_order_day.set(day),
                 MemberInfoRecord.GSI2PK.set(keys.last_order_on(day)), MemberInfoRecord.GSI2SK.set(openid)]
        if favourite_dish:
            moved.append(MemberInfoRecord.favourite_dish.set(favourite_dish))
        try:  # never move the day backwards (events arrive out of order)
            info.update(actions=moved, condition=MemberInfoRecord.last_order_day.does_not_exist()
                        | (MemberInfoRecord.last_order_day <= day))
        except UpdateError as error:
            if not _conditional_failed(error):
                raise
            if favourite_dish:
                info.update(actions=[MemberInfoRecord.favourite_dish.set(favourite_dish)])

    # ---- what the guest tells us ----------------------------------------------------------------------------

    def set_birthday(self, openid: str, birthday: date) -> None:
        MemberInfoRecord(keys.user(openid), keys.MEMBER_INFO).update(actions=[
            MemberInfoRecord.kind.set(MemberInfoRecord), MemberInfoRecord.openid.set(openid), MemberInfoRecord.birthday.set(birthday.isoformat()),
            MemberInfoRecord.GSI1PK.set(keys.birthday_on(birthday.strftime("%m-%d"))),
            MemberInfoRecord.GSI1SK.set(openid)])

    def set_phone(self, openid: str, phone_enc: str, tail: str, at: str, day: str) -> None:
        """The phone on the member info and its lookup item for the counter (GSI1 ``PHONETAIL#<tail>``) in one
        TransactWriteItems, so a phone is never findable without being stored, nor stored without being findable;
        a new number replaces the old one and its tail. A guest who never ordered is also indexed under
        ``PHONEONLY#<day>`` (the business day they shared it) so the phone's retention reaches them: the first
        transaction is conditioned on no order yet; a guest who ordered gets a second one without the index move."""
        record = MemberInfoRecord(keys.user(openid), keys.MEMBER_INFO)
        actions = [MemberInfoRecord.kind.set(MemberInfoRecord), MemberInfoRecord.openid.set(openid),
                   MemberInfoRecord.phone_enc.set(phone_enc), MemberInfoRecord.phone_consented_at.set(at)]
        phone_tail = PhoneTailRecord(keys.user(openid), keys.PHONE_TAIL, openid=openid,
                                     GSI1PK=keys.phone_tail(tail), GSI1SK=openid)
        try:
            with self._transaction() as tx:
                tx.update("member_info", record, [*actions, MemberInfoRecord.GSI2PK.set(keys.phone_only_since(day)),
                                                  MemberInfoRecord.GSI2SK.set(openid)],
                          condition=MemberInfoRecord.last_order_day.does_not_exist())
                tx.put("phone_tail", phone_tail)
        except ConditionFailed:
            with self._transaction() as tx:
                tx.update("member_info", record, actions)
                tx.put("phone_tail", phone_tail)

    def forget(self, openid: str, at: str) -> None:
        """The guest's "delete my data": phone (and its counter lookup item), birthday (and its index entry) and
        favourite dish removed and the request's time kept, in one TransactWriteItems (repeating it changes nothing
        but the time)."""
        with self._transaction() as tx:
            tx.update("member_info", MemberInfoRecord(keys.user(openid), keys.MEMBER_INFO), [
                MemberInfoRecord.kind.set(MemberInfoRecord), MemberInfoRecord.openid.set(openid),
                MemberInfoRecord.phone_enc.remove(), MemberInfoRecord.phone_consented_at.remove(),
                MemberInfoRecord.birthday.remove(), MemberInfoRecord.GSI1PK.remove(), MemberInfoRecord.GSI1SK.remove(),
                MemberInfoRecord.favourite_dish.remove(), MemberInfoRecord.erasure_requested_at.set(at)])
            tx.delete("phone_tail", PhoneTailRecord(keys.user(openid), keys.PHONE_TAIL))

    @contextmanager
    def _transaction(self) -> Iterator[Transaction]:
        """A transaction: a cancellation is DynamoDB busy (503, retry) or a condition that failed (ConditionFailed)."""
        self._connection = self._connection or table_connection()
        tx = Transaction(self._connection)
        try:
            with tx:
                yield tx
        except TransactWriteError as error:
            raise_for_cancellation(error, tx.labels)

    def member_info(self, openid: str) -> MemberInfo:
        """GetItem ``USER#<openid>/MEMBERINFO``."""
        try:
            record = MemberInfoRecord.get(keys.user(openid), keys.MEMBER_INFO)
        except DoesNotExist:
            return MemberInfo()
        return MemberInfo(record.last_order_day, record.favourite_dish, record.birthday, record.phone_enc)

    # ---- recommendations -----------------------------------------------------------------------------------

    def put_store_reco(self, store_id: str, reco: StoreReco) -> None:
        StoreRecoRecord(keys.store(store_id), keys.STORE_RECO, doc=reco.model_dump(mode="json")).save()

    def paid_order_lines(self, store_id: str, day: str) -> Iterator[list[OrderLine]]:
        """The lines of a store's paid (not cancelled or refunded) orders of a day (Query GSI2 ``STORE#<sid>#<day>``)."""
        for record in OrderRecord.gsi2.query(keys.store_day(store_id, day)):
            if isinstance(record, OrderRecord) and record.status in PAID_STATUSES:
                yield [OrderLine.model_validate(line) for line in record.doc.get("lines", [])]

    def reco_inputs(self, store_id: str, openid: str) -> tuple[dict[str, int], StoreReco | None]:
        """The guest's dish counts in the store and the store's lists: one BatchGetItem."""
        counts: dict[str, int] = {}
        reco = None
        for record in Record.batch_get([(keys.store(store_id), keys.STORE_RECO),
                                        (keys.user(openid), keys.guest_reco(store_id))]):
            if isinstance(record, StoreRecoRecord):
                reco = StoreReco.model_validate(record.doc)
            elif isinstance(record, GuestRecoRecord):
                counts = {d: int(n) for d, n in record.counts.items()}
        return counts, reco

    # ---- the automatic-coupon job's reads --------------------------------------------------------------------

    def last_ordered_on(self, day: str) -> Iterator[str]:
        """Guests whose latest order was on ``day`` (Query GSI2 ``LASTORDER#<day>``)."""
        return (r.openid for r in MemberInfoRecord.gsi2.query(keys.last_order_on(day)))

    def birthdays_on(self, month_day: str) -> Iterator[str]:
        """Guests born on ``MM-DD`` (Query GSI1 ``BIRTHDAY#<MM-DD>``)."""
        return (r.openid for r in MemberInfoRecord.gsi1.query(keys.birthday_on(month_day)))

    def joined_on(self, day: str) -> Iterator[str]:
        """Guests whose first login was on ``day`` (Query GSI1 ``JOINED#<day>``)."""
        return (r.openid for r in UserRecord.gsi1.query(keys.joined_on(day)))

    def facts(self, openids: Iterable[str]) -> dict[str, GuestFacts]:
        """User profile, points standing and member info of each guest: BatchGetItem, 100 keys a call."""
        wanted = sorted(set(openids))
        found: dict[str, dict] = {o: {} for o in wanted}
        item_keys = [(keys.user(o), sk) for o in wanted for sk in (USER_PROFILE, keys.MEMBER, keys.MEMBER_INFO)]
        for record in Record.batch_get(item_keys):
            mine = found[record.PK.removeprefix(keys.user(""))]
            if isinstance(record, UserRecord):
                mine["joined_on"] = business_day(parse_iso(record.created_at), self._tz)
            elif isinstance(record, MemberRecord):
                mine["completed_orders"] = int(record.completed_orders or 0)
            elif isinstance(record, MemberInfoRecord):
                mine["birthday"] = date.fromisoformat(record.birthday) if record.birthday else None
                mine["last_order_on"] = date.fromisoformat(record.last_order_day) if record.last_order_day else None
                mine["favourite_dish"] = record.favourite_dish
        return {o: GuestFacts(**facts) for o, facts in found.items() if "joined_on" in facts}
