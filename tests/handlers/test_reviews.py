"""Reviews against moto: once per completed order, dish rating counters in the same transaction, the
newest reviews on the dish page, staff replies."""

from __future__ import annotations

import pytest

from diancan.domain.order_status import OrderAction
from tests.conftest import http_call
from tests.stock_fixtures import place

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"


def completed_order(items: list[dict]):
    from diancan import bootstrap

    repository = bootstrap.repository()
    order = place(repository, items)
    for action in (OrderAction.START, OrderAction.MARK_READY, OrderAction.COMPLETE):
        repository.transition(order.order_id, order.mode, action, at=order.created_at)
    return order


def review(token: str, order_id: str, body: dict):
    return http_call("orders", "orders/post_review", path=f"/orders/{order_id}/review", body=body,
                     headers={"authorization": f"Bearer {token}"})


def dish(dish_id: str) -> dict:
    status, view = http_call("menu", "menu/get_dish", path=f"/stores/{STORE}/dishes/{dish_id}")
    assert status == 200
    return view


def test_an_order_is_reviewed_once_and_the_dish_ratings_add_up(demo_chain, guest_token):
    order = completed_order([{"dish_id": "d-hongshao", "qty": 1}, {"dish_id": "d-rice", "qty": 1}])
    body = {"dishes": [{"dish_id": "d-hongshao", "stars": 5}, {"dish_id": "d-rice", "stars": 3}],
            "text": "红烧肉很好吃"}
    assert review(guest_token("stock"), order.order_id, body)[0] == 201
    status, error = review(guest_token("stock"), order.order_id, body)
    assert (status, error["code"]) == (409, "ALREADY_REVIEWED")
    second = completed_order([{"dish_id": "d-hongshao", "qty": 1}])
    review(guest_token("stock"), second.order_id, {"dishes": [{"dish_id": "d-hongshao", "stars": 4}], "text": "还行"})
    view = dish("d-hongshao")
    assert (view["rating"], view["rating_count"]) == (4.5, 2)
    assert [r["text"] for r in view["reviews"]] == ["还行", "红烧肉很好吃"]
    assert dish("d-rice")["rating"] == 3.0


def test_the_dish_page_shows_only_the_newest_five_reviews(demo_chain, guest_token):
    for n in range(6):
        order = completed_order([{"dish_id": "d-hongshao", "qty": 1}])
        review(guest_token("stock"), order.order_id, {"dishes": [{"dish_id": "d-hongshao", "stars": 5}],
                                                      "text": f"第{n}次"})
    view = dish("d-hongshao")
    assert view["rating_count"] == 6
    assert [r["text"] for r in view["reviews"]] == ["第5次", "第4次", "第3次", "第2次", "第1次"]


def test_an_order_that_is_not_completed_cannot_be_reviewed(demo_chain, guest_token):
    from diancan import bootstrap

    order = place(bootstrap.repository(), [{"dish_id": "d-hongshao", "qty": 1}])
    status, error = review(guest_token("stock"), order.order_id, {"dishes": [{"dish_id": "d-hongshao", "stars": 5}]})
    assert (status, error["code"]) == (422, "REVIEW_NOT_ALLOWED")
    assert dish("d-hongshao")["rating_count"] == 0


@pytest.mark.parametrize("body, code", [
    ({"dishes": [{"dish_id": "d-hongshao", "stars": 6}]}, "INVALID_REQUEST"),
    ({"dishes": [{"dish_id": "d-hongshao", "stars": 5}], "pictures": ["http://img.example.com/a.jpg"]},
     "INVALID_REQUEST"),
    ({"dishes": [{"dish_id": "d-hongshao", "stars": 5}], "text": "好" * 501}, "INVALID_REQUEST"),
    ({"dishes": [{"dish_id": "d-rice", "stars": 5}]}, "INVALID_REVIEW_DISH"),
])
def test_bad_reviews_are_refused_and_write_nothing(demo_chain, guest_token, body, code):
    order = completed_order([{"dish_id": "d-hongshao", "qty": 1}])
    status, error = review(guest_token("stock"), order.order_id, body)
    assert (status, error["code"]) == (400, code)
    assert dish("d-hongshao")["rating_count"] == 0


def test_another_guest_cannot_review_my_order(demo_chain, guest_token):
    order = completed_order([{"dish_id": "d-hongshao", "qty": 1}])
    status, _ = review(guest_token("mallory"), order.order_id, {"dishes": [{"dish_id": "d-hongshao", "stars": 1}]})
    assert status == 404


def test_staff_reply_to_a_review_and_the_text_is_kept_for_the_keyword_report(demo_chain, guest_token):
    from types import SimpleNamespace

    from diancan import bootstrap

    order = completed_order([{"dish_id": "d-hongshao", "qty": 1}])
    review(guest_token("stock"), order.order_id, {"dishes": [{"dish_id": "d-hongshao", "stars": 2}], "text": "太咸了"})
    [shown] = dish("d-hongshao")["reviews"]
    bootstrap.reviews().reply_to_review(STORE, "d-hongshao", shown["review_key"], "感谢反馈，已调整口味",
                                        SimpleNamespace(staff_id="st-manager"))
    assert dish("d-hongshao")["reviews"][0]["reply"] == "感谢反馈，已调整口味"
    month = order.created_at[:7]
    assert [r.text for r in bootstrap.review_table().of_month(STORE, month)] == ["太咸了"]
