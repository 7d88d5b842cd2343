"""A guest's review of a completed order: stars per dish, a short text, up to 3 pictures (keys of pictures the
guest uploaded: domain/review_pictures.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from diancan.domain.errors import Conflict, InvalidRequest, Unprocessable
from diancan.domain.order import Order
from diancan.domain.order_status import OrderStatus
from diancan.domain.review_pictures import MAX_PICTURES, is_key

NEWEST_SHOWN = 5


class DishStars(BaseModel):
    dish_id: str = Field(min_length=1, max_length=64)
    stars: int = Field(ge=1, le=5)


class ReviewRequest(BaseModel):
    model_config = {"extra": "forbid"}

    dishes: list[DishStars] = Field(min_length=1, max_length=30)
    text: str = Field("", max_length=500)
    pictures: list[str] = Field(default_factory=list, max_length=MAX_PICTURES,
                                description="keys from POST /review-pictures, each uploaded by this guest")

    @field_validator("pictures")
    @classmethod
    def _keys_only(cls, keys: list[str]) -> list[str]:
        if not all(is_key(key) for key in keys):
            raise ValueError("pictures are keys from POST /review-pictures")
        return keys

    @field_validator("text")
    @classmethod
    def _trimmed(cls, text: str) -> str:
        return text.strip()


class ReviewRefused(Unprocessable):
    code, message_zh, message_en = "REVIEW_NOT_ALLOWED", "订单完成后才能评价", "Only a completed order can be reviewed"


class AlreadyReviewed(Conflict):
    code, message_zh, message_en = "ALREADY_REVIEWED", "该订单已评价", "This order has already been reviewed"


def check_review(order: Order, request: ReviewRequest) -> dict[str, int]:
    """Stars per dish of this order (each dish once); refuses an order that is not completed."""
    if order.status != OrderStatus.COMPLETED:
        raise ReviewRefused(details={"status": order.status.value})
    ordered = {line.dish_id for line in order.lines}
    stars: dict[str, int] = {}
    for item in request.dishes:
        if item.dish_id not in ordered or item.dish_id in stars:
            raise InvalidRequest("rate each dish of the order once", "请为订单中的每道菜评分一次",
                                 code="INVALID_REVIEW_DISH", details={"dish_id": item.dish_id})
        stars[item.dish_id] = item.stars
    return stars
