"""A guest's personal data where it lies outside their own member items, for "delete my data"
(docs/table.md AP-P1..4; the member info itself is ``ActivityStore.forget``).

- P1 the guest's orders: one Query of GSI1 ``USER#<openid>`` (their order list; paged by pynamodb).
- P2 an order's delivery address (encrypted in the order's immutable ``doc``): the doc written back without
  it, conditioned on the order existing. The order keeps its lines, amounts, status and vouchers.
- P3 an order's review: GetItem ``ORDER#<oid>/REVIEW``; its text, pictures and openid blanked, and each dish's
  part (``DISH#<sid>#<did>/REVIEW#<at>#<oid>``) blanked too; the stars (and so the dish ratings) stay.
- P4 the user profile (``USER#<openid>/PROFILE``): its ``doc`` (what the guest told us of themselves) cleared.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import DishReviewRecord, OrderRecord, OrderReviewRecord, UserRecord

ADDRESS_FIELD = "address_enc"


@dataclass(frozen=True)
class GuestOrder:
    """What erasing needs to know of one of the guest's orders."""

    order_id: str
    store_id: str
    has_address: bool
    status: str


class PersonalDataStore:
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

    def forget_profile(self, openid: str) -> None:
        try:
            UserRecord(keys.user(openid), "PROFILE").update(actions=[UserRecord.doc.set({})],
                                                            condition=UserRecord.PK.exists())
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
