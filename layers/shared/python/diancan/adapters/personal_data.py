"""A guest's personal data where it lies outside their own member items, for "delete my data"
(docs/table.md AP-P1..4; the member info itself is ``ActivityTable.forget``).

- P1 the guest's orders: one Query of GSI1 ``USER#<openid>`` (their order list; paged by pynamodb).
- P2 an order's delivery address (encrypted in the order's immutable ``doc``): the doc written back without
  it, conditioned on the order existing. The order keeps its lines, amounts, status and vouchers.
- P3 an order's review: GetItem ``ORDER#<oid>/REVIEW``; its text, pictures and openid blanked, and each dish's
  part (``DISH#<sid>#<did>/REVIEW#<at>#<oid>``) blanked too; the stars (and so the dish ratings) stay.
- P4 the user profile (``USER#<openid>/PROFILE``): its ``doc`` (what the guest told us of themselves) cleared.

The retention job (services/retention.py) finds what is due through indexes that exist anyway, never a scan:
- P5 a store's orders of a business day: Query GSI2 ``STORE#<sid>#<day>`` (their addresses dropped, P2);
- P6 the guests whose latest order was on a day: Query GSI2 ``LASTORDER#<day>``; their phone removed with one
  conditional UpdateItem each;
- P7 a store's reviews between two instants: Query GSI2 ``REVIEWS#<sid>#<yyyy-mm>``, GSI2SK between them;
  the pictures of each dish's part and of the order's review removed.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import (
    DishReviewRecord,
    MemberInfoRecord,
    OrderRecord,
    OrderReviewRecord,
    UserRecord,
)

ADDRESS_FIELD = "address_enc"


@dataclass(frozen=True)
class GuestOrder:
    """What erasing needs to know of one of the guest's orders."""

    order_id: str
    store_id: str
    has_address: bool
    status: str


class PersonalDataTable:
    def orders_of(self, openid: str) -> list[GuestOrder]:
        return [GuestOrder(keys.order_id_of(r.PK), r.store_id, bool(r.doc.get(ADDRESS_FIELD)),
                           r.status)
                for r in OrderRecord.gsi1.query(keys.user(openid)) if isinstance(r, OrderRecord)]

    def drop_address(self, order_id: str) -> bool:
        """Remove the order's encrypted delivery address; False when it has none (already erased)."""
        try:
            record = OrderRecord.get(keys.order(order_id), keys.ORDER, consistent_read=True)
        except DoesNotExist:
            return False
        if not record.doc.get(ADDRESS_FIELD):
            return False
        doc = {k: v for k, v in record.doc.items() if k != ADDRESS_FIELD}
        record.update(actions=[OrderRecord.doc.set(doc)], condition=OrderRecord.PK.exists())
        return True

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

    def orders_of_day(self, store_id: str, day: str) -> list[GuestOrder]:
        return [GuestOrder(keys.order_id_of(r.PK), r.store_id, bool(r.doc.get(ADDRESS_FIELD)), r.status)
                for r in OrderRecord.gsi2.query(keys.store_day(store_id, day)) if isinstance(r, OrderRecord)]

    def last_ordered_on(self, day: str) -> list[str]:
        return [r.openid for r in MemberInfoRecord.gsi2.query(keys.last_order_on(day))
                if isinstance(r, MemberInfoRecord) and r.phone_enc]

    def drop_phone(self, openid: str) -> bool:
        """Remove the guest's phone number (kept past its retention); False when there is none."""
        try:
            MemberInfoRecord(keys.user(openid), keys.MEMBER_INFO).update(
                actions=[MemberInfoRecord.phone_enc.remove(), MemberInfoRecord.phone_consented_at.remove()],
                condition=MemberInfoRecord.phone_enc.exists())
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def drop_review_pictures(self, store_id: str, start_iso: str, end_iso: str) -> int:
        """Remove the pictures of the store's reviews written between the two instants; how many had some."""
        dropped = 0
        month = start_iso[:7]
        for record in DishReviewRecord.gsi2.query(keys.store_reviews(store_id, month),
                                                  DishReviewRecord.GSI2SK.between(start_iso, end_iso + "~")):
            if not isinstance(record, DishReviewRecord) or not record.pictures:
                continue
            record.update(actions=[DishReviewRecord.pictures.set([])], condition=DishReviewRecord.PK.exists())
            order_id = keys.order_of_dish_review(record.SK)
            with contextlib.suppress(UpdateError, DoesNotExist):
                review = OrderReviewRecord.get(keys.order(order_id), keys.ORDER_REVIEW)
                review.update(actions=[OrderReviewRecord.doc.set({**(review.doc or {}), "pictures": []})])
            dropped += 1
        return dropped

    def forget_profile(self, openid: str) -> None:
        try:
            UserRecord(keys.user(openid), "PROFILE").update(actions=[UserRecord.doc.set({})],
                                                            condition=UserRecord.PK.exists())
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
