"""DynamoDB access for reviews. One transaction per review: the order's review marker (once per order),
the order still COMPLETED, per dish its review item and its rating counters, and the guest's review count
and stars on their member profile (``USER#<openid>/MEMBERPROFILE``: attributes of their own, beside the
consumer's ``doc``), all or nothing.

Items: ``ORDER#<oid>/REVIEW`` (the whole review), ``DISH#<sid>#<did>/REVIEW#<at>#<oid>`` (a dish's part,
newest last; GSI2 ``REVIEWS#<sid>#<yyyy-mm>`` for the keyword report), counters on the dish item.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import (
    DishRecord,
    DishReviewRecord,
    MemberProfileRecord,
    OrderRecord,
    OrderReviewRecord,
    table_connection,
)
from diancan.adapters.transactions import ConditionFailed, Transaction, raise_for_cancellation
from diancan.domain.errors import NotFound
from diancan.domain.order import Order
from diancan.domain.order_status import OrderStatus
from diancan.domain.reviews import AlreadyReviewed, ReviewRefused


@dataclass(frozen=True)
class DishReview:
    review_key: str  # the sort key; staff reply with it
    stars: int
    text: str
    pictures: list[str]
    at: str
    reply: str | None
    dish_id: str  # from the partition key: the console's month list replies with it

    def view(self) -> dict:
        return {"review_key": self.review_key, "stars": self.stars, "text": self.text, "pictures": self.pictures,
                "at": self.at, "reply": self.reply}


def _review(record: DishReviewRecord) -> DishReview:
    return DishReview(record.SK, int(record.stars), record.text or "", list(record.pictures or []), record.at,
                      record.reply, record.PK.split("#", 2)[2])


class ReviewTable:
    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection or table_connection()

    def add(self, order: Order, stars: dict[str, int], text: str, pictures: list[str], at: str) -> None:
        tx = Transaction(self._connection)
        try:
            with tx:
                tx.check("order", OrderRecord(keys.order(order.order_id), keys.ORDER),
                         (OrderRecord.status == OrderStatus.COMPLETED.value) & (OrderRecord.openid == order.openid))
                tx.put("review", OrderReviewRecord(
                    keys.order(order.order_id), keys.ORDER_REVIEW, store_id=order.store_id,
                    doc={"stars": stars, "text": text, "pictures": pictures, "at": at, "openid": order.openid}),
                    condition=OrderReviewRecord.PK.does_not_exist())
                for dish_id, value in sorted(stars.items()):
                    tx.put(f"text:{dish_id}", DishReviewRecord(
                        keys.dish_reviews(order.store_id, dish_id), keys.dish_review(at, order.order_id),
                        stars=value, text=text, pictures=pictures, at=at,
                        GSI2PK=keys.store_reviews(order.store_id, at[:7]),
                        GSI2SK=keys.timed(at, f"{order.order_id}#{dish_id}")))
                tx.update("profile", MemberProfileRecord(keys.user(order.openid), keys.MEMBER_PROFILE), [
                    MemberProfileRecord.kind.set(MemberProfileRecord), MemberProfileRecord.openid.set(order.openid),
                    MemberProfileRecord.review_count.add(1),
                    MemberProfileRecord.review_stars_sum.add(sum(stars.values())),
                    MemberProfileRecord.review_stars_count.add(len(stars))])
                for dish_id, value in sorted(stars.items()):
                    tx.update(f"dish:{dish_id}", DishRecord(keys.store(order.store_id), keys.dish(dish_id)),
                              [DishRecord.rating_sum.add(value), DishRecord.rating_count.add(1)],
                              condition=DishRecord.PK.exists())
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed as failed:
                if failed.label == "review":
                    raise AlreadyReviewed(details={"order_id": order.order_id}) from None
                if failed.label == "order":
                    raise ReviewRefused(details={"order_id": order.order_id}) from None
                raise NotFound("the dish is no longer on the menu", "菜品已不存在", code="DISH_NOT_FOUND",
                               details={"dish_id": failed.label.partition(":")[2]}) from None

    def newest(self, store_id: str, dish_id: str, limit: int) -> list[DishReview]:
        """A dish's newest reviews (one Query of ``DISH#<sid>#<did>``, descending, ``limit`` items)."""
        return [_review(r) for r in DishReviewRecord.query(keys.dish_reviews(store_id, dish_id),
                                                           scan_index_forward=False, limit=limit)]

    def reply(self, store_id: str, dish_id: str, review_key: str, text: str, *, by: str, at: str) -> None:
        """Set (or replace) the store's reply on one dish review; an unknown review is a 404."""
        try:
            DishReviewRecord(keys.dish_reviews(store_id, dish_id), review_key).update(
                actions=[DishReviewRecord.reply.set(text), DishReviewRecord.replied_at.set(at),
                         DishReviewRecord.replied_by.set(by)],
                condition=DishReviewRecord.PK.exists())
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise NotFound("no such review", "评价不存在", code="REVIEW_NOT_FOUND") from None

    def of_month(self, store_id: str, month: str) -> list[DishReview]:
        """A store's dish reviews of a month, oldest first (Query GSI2 ``REVIEWS#<sid>#<yyyy-mm>``)."""
        return [_review(r) for r in DishReviewRecord.gsi2.query(keys.store_reviews(store_id, month))]
