"""A guest's personal data where it lies outside their own member items, for "delete my data"
(docs/table.md AP-P1..4; the member info itself is ``ActivityTable.forget``).

- P1 the guest's orders: Query GSI1 ``USER#<openid>`` (their order list), a page at a time (P1b below).
- P2 an order's delivery address (encrypted in the order's immutable ``doc``): the doc written back without
  it, conditioned on the order existing. The order keeps its lines, amounts, status and vouchers.
- P3 an order's review: GetItem ``ORDER#<oid>/REVIEW``; its text, pictures and openid blanked, and each dish's
  part (``DISH#<sid>#<did>/REVIEW#<at>#<oid>``) blanked too; the stars (and so the dish ratings) stay.
- P4 the user profile (``USER#<openid>/PROFILE``): its ``doc`` (what the guest told us of themselves) cleared.
- P1b the erasure worker reads the guest's orders a page at a time (same Query, ``Limit`` and the page's key).
- P8 the table sessions where the guest gave a nickname: Query ``USER#<openid>`` begins_with ``TNAME#`` (written
  when they joined); per session one Query of ``TSESSION#<sid>`` and an UpdateItem of each item naming them
  (the session's guest map, their cart lines, their calls), then the pointer deleted.

The retention job (services/retention.py) finds what is due through indexes that exist anyway, never a scan:
- P5 a store's orders of a business day: Query GSI2 ``STORE#<sid>#<day>`` (their addresses dropped, P2);
- P6 the guests whose latest order was on a day: Query GSI2 ``LASTORDER#<day>``; their phone removed with one
  TransactWriteItems each (the conditional update, and the delete of the counter's ``PHONETAIL`` lookup item);
  P6b the guests who shared a phone on a day and never ordered: Query GSI2 ``PHONEONLY#<day>``; phone, index
  entry and lookup item removed with one TransactWriteItems conditioned on that entry;
- P7 a store's reviews between two instants: Query GSI2 ``REVIEWS#<sid>#<yyyy-mm>``, GSI2SK between them;
  the pictures of each dish's part and of the order's review removed.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, QueryError, TransactWriteError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import (
    CartLineRecord,
    DishReviewRecord,
    MemberInfoRecord,
    OrderRecord,
    OrderReviewRecord,
    PhoneTailRecord,
    Record,
    RiderRecord,
    ServiceCallRecord,
    TableNameRecord,
    TableSessionRecord,
    UserRecord,
    table_connection,
)
from diancan.adapters.transactions import ConditionFailed, Transaction, raise_for_cancellation
from diancan.domain.tables import display_name

ADDRESS_FIELD = "address_enc"


@dataclass(frozen=True)
class GuestOrder:
    """What erasing needs to know of one of the guest's orders."""

    order_id: str
    store_id: str
    has_address: bool
    status: str


class PersonalDataTable:
    def orders_page(self, openid: str, start: dict | None, limit: int) -> tuple[list[GuestOrder], dict | None]:
        """One page of the guest's orders and the key the next page starts after (None: the last page)."""
        results = OrderRecord.gsi1.query(keys.user(openid), limit=limit, last_evaluated_key=start)
        page = [GuestOrder(keys.order_id_of(r.PK), r.store_id, bool(r.doc.get(ADDRESS_FIELD)), r.status)
                for r in results if isinstance(r, OrderRecord)]
        return page, results.last_evaluated_key

    def drop_address(self, order_id: str) -> bool:
        """Remove the order's encrypted delivery address and where its rider was last seen; False when it has
        no address (already erased)."""
        try:
            record = OrderRecord.get(keys.order(order_id), keys.ORDER, consistent_read=True)
        except DoesNotExist:
            return False
        if not record.doc.get(ADDRESS_FIELD):
            return False
        doc = {k: v for k, v in record.doc.items() if k != ADDRESS_FIELD}
        record.update(actions=[OrderRecord.doc.set(doc)], condition=OrderRecord.PK.exists())
        RiderRecord(keys.order(order_id), keys.RIDER).delete()  # where the rider was goes with the address
        return True

    def review_pictures(self, order_id: str) -> list[str] | None:
        """The picture keys of the order's review (their files are the caller's to delete before the review is
        blanked, so a failed delete is retried), or None when the review has nothing left to blank."""
        try:
            doc = OrderReviewRecord.get(keys.order(order_id), keys.ORDER_REVIEW, consistent_read=True).doc or {}
        except DoesNotExist:
            return None
        if not (doc.get("text") or doc.get("pictures") or doc.get("openid")):
            return None
        return list(doc.get("pictures") or [])

    def blank_review(self, order_id: str) -> bool:
        """Blank the text and pictures of the order's review (the stars stay); False when there is nothing to blank."""
        try:
            record = OrderReviewRecord.get(keys.order(order_id), keys.ORDER_REVIEW, consistent_read=True)
        except DoesNotExist:
            return False
        doc = record.doc or {}
        if not (doc.get("text") or doc.get("pictures") or doc.get("openid")):
            return False
        for dish_id in sorted(doc.get("stars") or {}):
            DishReviewRecord(keys.dish_reviews(record.store_id, dish_id), keys.dish_review(doc["at"], order_id)).update(
                actions=[DishReviewRecord.text.set(""), DishReviewRecord.pictures.set([])],
                condition=DishReviewRecord.PK.exists())
        record.update(actions=[OrderReviewRecord.doc.set({**doc, "text": "", "pictures": [], "openid": "",
                                                          "erased": True})])
        return True

    def nickname_sessions(self, openid: str) -> list[str]:
        """The table sessions where the guest gave a nickname (P8)."""
        return [r.SK.removeprefix(keys.TABLE_NAME)
                for r in TableNameRecord.query(keys.user(openid), TableNameRecord.SK.startswith(keys.TABLE_NAME))]

    def blank_nickname(self, openid: str, session_id: str) -> int:
        """Replace the guest's nickname in one table session (its guest map, their cart lines, their calls) by the
        neutral tag any guest without a nickname gets; how many items named them. The pointer goes last."""
        neutral, blanked = display_name(None, openid), 0
        try:
            items = list(Record.query(keys.table_session(session_id), consistent_read=True))
        except QueryError:
            items = []
        named = next((r for r in items if isinstance(r, TableSessionRecord)), None)
        nickname = (named.guests.as_dict() if named and named.guests else {}).get(openid)
        for record in items:  # lines and calls first: a repeated run still knows the nickname from the session
            if isinstance(record, CartLineRecord) and record.doc.get("added_by") == openid \
                    and record.doc.get("added_by_name") != neutral:
                record.update(actions=[CartLineRecord.doc.set({**record.doc, "added_by_name": neutral})],
                              condition=CartLineRecord.PK.exists())
                blanked += 1
            elif isinstance(record, ServiceCallRecord) and nickname and nickname != neutral \
                    and record.doc.get("by") == nickname:
                record.update(actions=[ServiceCallRecord.doc.set({**record.doc, "by": neutral})],
                              condition=ServiceCallRecord.PK.exists())
                blanked += 1
        if named is not None and nickname and nickname != neutral:
            named.update(actions=[TableSessionRecord.guests[openid].set(neutral)])
            blanked += 1
        TableNameRecord(keys.user(openid), keys.table_name(session_id)).delete()
        return blanked

    def orders_of_day(self, store_id: str, day: str) -> list[GuestOrder]:
        return [GuestOrder(keys.order_id_of(r.PK), r.store_id, bool(r.doc.get(ADDRESS_FIELD)), r.status)
                for r in OrderRecord.gsi2.query(keys.store_day(store_id, day)) if isinstance(r, OrderRecord)]

    def last_ordered_on(self, day: str) -> list[str]:
        return [r.openid for r in MemberInfoRecord.gsi2.query(keys.last_order_on(day))
                if isinstance(r, MemberInfoRecord) and r.phone_enc]

    def drop_phone(self, openid: str) -> bool:
        """Remove the guest's phone number (kept past its retention) and its counter lookup item
        (``PHONETAIL``): one TransactWriteItems; False when there is no number."""
        return self._drop_phone(openid, [], MemberInfoRecord.phone_enc.exists())

    def phone_only_since(self, day: str) -> list[str]:
        """Guests who shared a phone on ``day`` and never ordered (P6b: Query GSI2 ``PHONEONLY#<day>``)."""
        return [r.openid for r in MemberInfoRecord.gsi2.query(keys.phone_only_since(day))
                if isinstance(r, MemberInfoRecord)]

    def drop_phone_only(self, openid: str, day: str) -> bool:
        """Remove the phone of a guest who still never ordered, its index entry and its counter lookup item
        (conditioned on the entry: a guest who ordered since is under ``LASTORDER#`` and keeps it); False when
        they ordered meanwhile or had none."""
        return self._drop_phone(openid, [MemberInfoRecord.GSI2PK.remove(), MemberInfoRecord.GSI2SK.remove()],
                                MemberInfoRecord.GSI2PK == keys.phone_only_since(day))  # noqa: SIM300

    @staticmethod
    def _drop_phone(openid: str, more: list, condition) -> bool:
        tx = Transaction(table_connection())
        try:
            with tx:
                tx.update("member_info", MemberInfoRecord(keys.user(openid), keys.MEMBER_INFO),
                          [MemberInfoRecord.phone_enc.remove(), MemberInfoRecord.phone_consented_at.remove(), *more],
                          condition=condition)
                tx.delete("phone_tail", PhoneTailRecord(keys.user(openid), keys.PHONE_TAIL))
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed:
                return False
        return True

    def dated_review_pictures(self, store_id: str, start_iso: str, end_iso: str) -> list[tuple[str, str, list[str]]]:
        """The store's reviews written between the two instants that still have pictures: (key, order id, picture
        keys) per dish review, one Query of the month's index. The files are the caller's to delete before
        ``drop_review_pictures`` blanks them, so a failed delete leaves the review to be found again."""
        return [(f"{record.PK}|{record.SK}", keys.order_of_dish_review(record.SK), list(record.pictures))
                for record in DishReviewRecord.gsi2.query(keys.store_reviews(store_id, start_iso[:7]),
                                                          DishReviewRecord.GSI2SK.between(start_iso, end_iso + "~"))
                if isinstance(record, DishReviewRecord) and record.pictures]

    def drop_review_pictures(self, review_key: str, order_id: str) -> bool:
        """Remove the pictures of one dish review (``dated_review_pictures``'s key) and of its order's review."""
        pk, _, sk = review_key.partition("|")
        try:
            DishReviewRecord(pk, sk).update(actions=[DishReviewRecord.pictures.set([])],
                                            condition=DishReviewRecord.PK.exists())
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        with contextlib.suppress(UpdateError, DoesNotExist):
            review = OrderReviewRecord.get(keys.order(order_id), keys.ORDER_REVIEW)
            review.update(actions=[OrderReviewRecord.doc.set({**(review.doc or {}), "pictures": []})])
        return True

    def forget_profile(self, openid: str) -> None:
        try:
            UserRecord(keys.user(openid), "PROFILE").update(actions=[UserRecord.doc.set({})],
                                                            condition=UserRecord.PK.exists())
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
