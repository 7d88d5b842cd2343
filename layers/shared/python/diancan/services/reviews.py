"""Reviews: a guest reviews a completed order once; dishes show their rating and newest reviews; staff reply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from diancan.domain.clock import iso, utcnow
from diancan.domain.errors import InvalidRequest, NotFound
from diancan.domain.reviews import ReviewRequest, check_review
from diancan.services.ports import OrderRepository, ReviewRepository

if TYPE_CHECKING:
    from diancan.services.review_pictures import ReviewPictures

REPLY_MAX_CHARS = 300


class StaffMember(Protocol):
    staff_id: str


class Reviews:
    def __init__(self, repository: OrderRepository, reviews: ReviewRepository,
                 clock: Callable[[], datetime] = utcnow, *, pictures: ReviewPictures | None = None) -> None:
        self._repository = repository
        self._reviews = reviews
        self._clock = clock
        self._pictures = pictures

    def review_order(self, openid: str, order_id: str, request: ReviewRequest) -> dict:
        """GetItem of the order, a HeadObject per picture (the guest's own, uploaded), then one transaction
        (marker, dish reviews, dish counters)."""
        order = self._repository.get_order(order_id, consistent=True)
        if order.openid != openid:
            raise NotFound("no such order", "订单不存在", code="ORDER_NOT_FOUND")
        stars = check_review(order, request)
        if request.pictures:
            if self._pictures is None:
                raise InvalidRequest("pictures are not accepted here", "暂不支持图片", code="INVALID_PICTURE")
            self._pictures.accept(openid, request.pictures)
        at = iso(self._clock())
        self._reviews.add(order, stars, request.text, request.pictures, at)
        answer = {"order_id": order_id, "stars": stars, "text": request.text, "pictures": request.pictures, "at": at}
        if self._pictures is not None:
            answer["picture_urls"] = self._pictures.shown(request.pictures)
        return answer

    def reply_to_review(self, store_id: str, dish_id: str, review_key: str, text: str, staff: StaffMember) -> dict:
        """The console's reply (its blueprint checks the staff member's right to answer for ``store_id``)."""
        text = text.strip()
        if not text or len(text) > REPLY_MAX_CHARS:
            raise InvalidRequest(f"a reply has 1 to {REPLY_MAX_CHARS} characters", "回复内容需为1至300字",
                                 code="INVALID_REPLY")
        at = iso(self._clock())
        self._reviews.reply(store_id, dish_id, review_key, text, by=f"staff:{staff.staff_id}", at=at)
        return {"store_id": store_id, "dish_id": dish_id, "review_key": review_key, "reply": text, "replied_at": at}
