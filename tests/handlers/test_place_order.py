"""place_order through its handler with real function-URL events, against moto."""

from __future__ import annotations

import pytest

from tests.conftest import http_call

pytestmark = pytest.mark.handlers


@pytest.fixture(autouse=True)
def _wechat_pay(live):
    """Placing an order asks WeChat Pay for a prepay: every test here runs with the simulator."""

CART = [{"dish_id": "d-gongbao", "qty": 2, "options": ["spicy-mild"]},
        {"dish_id": "d-milktea", "qty": 1, "options": ["size-large", "sugar-half", "topping-pearl"]}]


def order_body(**overrides) -> dict:
    return {"store_id": "sh-jingan", "mode": "takeout", "items": CART, **overrides}


def place(token: str, body: dict, key: str = "key-00000001"):
    return http_call("place_order", "place_order/post_orders",
                     body=body, headers={"authorization": f"Bearer {token}", "idempotency-key": key})


def order_count(aws) -> int:
    import boto3

    items = boto3.client("dynamodb").scan(TableName=aws.table_name)["Items"]
    return sum(1 for i in items if i["SK"]["S"] == "ORDER")


def test_the_sample_quote_event_prices_every_line_on_the_server(demo_chain):
    status, quote = http_call("place_order", "place_order/post_quote")
    assert status == 200
    # 2 × 宫保鸡丁 38.00 + 招牌奶茶 15.00 + 大杯 3.00 + 珍珠 2.00 = 96.00
    assert quote["items_fen"] == 2 * 3800 + 1500 + 300 + 200
    # takeout: store packing fee 1.00 + 宫保鸡丁 packing 1.00 × 2
    assert quote["packing_fee_fen"] == 100 + 2 * 100
    assert quote["total_fen"] == quote["items_fen"] + quote["packing_fee_fen"]


def test_client_prices_are_ignored(demo_chain):
    items = [{**CART[0], "price_fen": 1, "unit_price_fen": 1}]
    status, quote = http_call("place_order", "place_order/post_quote",
                              body=order_body(items=items, total_fen=1))
    assert status == 200
    assert quote["items_fen"] == 7600


def test_placing_an_order_reserves_portions_and_answers_201(demo_chain, guest_token):
    from diancan import bootstrap

    body = order_body(items=[{"dish_id": "d-hongshao", "qty": 3, "options": []}])
    status, order = place(guest_token(), body)
    assert status == 201
    assert order["status"] == "PENDING_PAYMENT"
    assert order["total_fen"] == 3 * 5800 + 100 + 3 * 100
    assert "openid" not in order
    assert bootstrap.repository().get_dish("sh-jingan", "d-hongshao").portions_left == 17


def test_the_same_idempotency_key_returns_the_same_order(demo_chain, guest_token):
    token = guest_token()
    first_status, first = place(token, order_body(), key="same-key-123")
    second_status, second = place(token, order_body(), key="same-key-123")
    assert (first_status, second_status) == (201, 200)
    assert first["order_id"] == second["order_id"]
    assert order_count(demo_chain) == 1


def test_the_same_key_for_a_different_cart_is_refused(demo_chain, guest_token):
    token = guest_token()
    place(token, order_body(), key="same-key-456")
    status, error = place(token, order_body(remark="多加辣"), key="same-key-456")
    assert status == 409
    assert error["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_two_guests_may_use_the_same_key(demo_chain, guest_token):
    a = place(guest_token("alice"), order_body(), key="shared-key-1")[1]
    b = place(guest_token("bob"), order_body(), key="shared-key-1")[1]
    assert a["order_id"] != b["order_id"]


@pytest.mark.parametrize(("body", "code"), [
    (order_body(items=[{"dish_id": "nope", "qty": 1}]), "DISH_NOT_FOUND"),
    (order_body(items=[{"dish_id": "d-gongbao", "qty": 0, "options": ["spicy-mild"]}]), "INVALID_REQUEST"),
    (order_body(items=[{"dish_id": "d-gongbao", "qty": 10000, "options": ["spicy-mild"]}]), "INVALID_REQUEST"),
    (order_body(items=[{"dish_id": "d-gongbao", "qty": 1, "options": []}]), "OPTION_REQUIRED"),
    (order_body(items=[{"dish_id": "d-gongbao", "qty": 1, "options": ["size-large"]}]), "INVALID_OPTION"),
    (order_body(items=[{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild", "spicy-hot"]}]),
     "TOO_MANY_OPTIONS"),
    (order_body(items=[{"dish_id": "d-hongshao", "qty": 21}]), "INSUFFICIENT_PORTIONS"),
    (order_body(mode="dine_in", table_no="Z9"), "TABLE_NOT_FOUND"),
    (order_body(mode="dine_in"), "TABLE_NOT_FOUND"),
    (order_body(mode="delivery"), "ADDRESS_REQUIRED"),
    (order_body(mode="teleport"), "INVALID_REQUEST"),
    (order_body(store_id="nowhere"), "STORE_NOT_FOUND"),
    (order_body(items=[]), "INVALID_REQUEST"),
    (order_body(items="d-gongbao"), "INVALID_REQUEST"),
    (order_body(pickup_at="2020-01-01T12:00:00+08:00"), "INVALID_PICKUP_TIME"),
    (order_body(pickup_at="2099-01-01T12:00:00+08:00"), "PREORDER_TOO_FAR"),
])
def test_bad_orders_get_a_clear_4xx_and_write_nothing(demo_chain, guest_token, body, code):
    status, error = place(guest_token(), body)
    assert 400 <= status < 500
    assert error["code"] == code
    assert error["message"] and error["message_en"]
    assert order_count(demo_chain) == 0


def test_malformed_json_is_a_400(demo_chain, guest_token):
    status, error = http_call("place_order", "place_order/post_orders", raw_body="{not json",
                              headers={"authorization": f"Bearer {guest_token()}"})
    assert (status, error["code"]) == (400, "MALFORMED_JSON")


def test_a_closed_store_refuses_orders_for_now(demo_chain, guest_token):
    from diancan import bootstrap

    repository = bootstrap.repository()
    store = repository.load_menu("sh-jingan").store
    repository.put_store(store.model_copy(update={"accepting_orders": False}))
    status, error = place(guest_token(), order_body())
    assert (status, error["code"]) == (422, "STORE_CLOSED")


def test_placing_needs_a_valid_token(demo_chain, guest_token):
    for header, code in [(None, "UNAUTHORIZED"), ("Bearer forged.token", "INVALID_TOKEN"),
                         (f"Bearer {guest_token()}x", "INVALID_TOKEN")]:
        status, error = http_call("place_order", "place_order/post_orders", body=order_body(),
                                  headers={"authorization": header})
        assert (status, error["code"]) == (401, code)
    assert order_count(demo_chain) == 0


def test_an_off_shelf_dish_cannot_be_ordered(demo_chain, guest_token):
    from diancan import bootstrap

    repository = bootstrap.repository()
    dish = repository.get_dish("sh-jingan", "d-mapo")
    repository.put_dish(dish.model_copy(update={"on_shelf": False}))
    status, error = place(guest_token(), order_body(items=[{"dish_id": "d-mapo", "qty": 1,
                                                            "options": ["spicy-none"]}]))
    assert (status, error["code"]) == (422, "DISH_UNAVAILABLE")


def test_a_combo_reserves_and_releases_its_parts_portions(demo_chain, guest_token):
    from diancan import bootstrap
    from diancan.domain.combo import make_combo

    repository = bootstrap.repository()
    dishes = {d.dish_id: d for d in repository.load_menu("sh-jingan").dishes}
    repository.put_dish(make_combo(combo_id="c-set", store_id="sh-jingan", category_id="hot", name="红烧肉套餐",
                                   price_fen=6500, parts={"d-hongshao": 1, "d-rice": 1}, dishes=dishes))
    token = guest_token()
    status, order = place(token, order_body(items=[{"dish_id": "c-set", "qty": 2}]), key="combo-key-0001")
    assert status == 201
    assert repository.get_dish("sh-jingan", "d-hongshao").portions_left == 18
    http_call("orders", "orders/post_cancel", path=f"/orders/{order['order_id']}/cancel",
              headers={"authorization": f"Bearer {token}"})
    assert repository.get_dish("sh-jingan", "d-hongshao").portions_left == 20


def test_a_retried_transaction_that_had_committed_returns_the_order_with_its_payment_intact(live, guest_token,
                                                                                           monkeypatch):
    """botocore may retry a TransactWriteItems whose first attempt committed: the retry finds the key taken by
    this very order, which must be answered as created, with a prepay that was not closed."""
    from diancan import bootstrap
    from diancan.adapters.repository import OrderKeyTaken, Repository

    original = Repository.create_order

    def commits_then_reports_the_key_taken(self, order, **kwargs):
        original(self, order, **kwargs)
        raise OrderKeyTaken(order.order_id, kwargs["request_hash"])

    monkeypatch.setattr(Repository, "create_order", commits_then_reports_the_key_taken)
    status, order = place(guest_token(), order_body(), key="retried-commit-1")
    assert status == 201 and order["pay_params"]
    prepay_id = order["pay_params"]["package"].removeprefix("prepay_id=")
    assert bootstrap.repository().get_order(order["order_id"]).prepay_id == prepay_id
    state = next(t for t in live.wxpay.state()["transactions"] if t["out_trade_no"] == order["order_id"])
    assert state["trade_state"] == "NOTPAY"  # still payable, not closed
