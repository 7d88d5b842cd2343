"""auth, menu and orders through their handlers with the sample function-URL events in events/."""

from __future__ import annotations

import pytest

from tests.conftest import http_call

pytestmark = pytest.mark.handlers


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


# ---- auth ----------------------------------------------------------------------------------------------


def test_a_wechat_code_becomes_a_token_that_names_the_guest(live):
    from diancan import bootstrap
    from local.simulators.wechat import openid_for

    status, answer = http_call("auth", "auth/post_login", body={"code": "test-alice.1"})
    assert status == 200 and answer["new_user"] is True and answer["expires_in"] > 0
    appid = bootstrap.secrets().get("wechat")["appid"]
    assert bootstrap.token_signer().verify(answer["token"]) == openid_for("alice", appid)
    status, again = http_call("auth", "auth/post_login", body={"code": "test-alice.2"})
    assert again["new_user"] is False


@pytest.mark.parametrize(("code", "expected"), [("not-a-test-code", "INVALID_CODE"), ("test-bob.1", "CODE_USED")])
def test_a_bad_or_reused_code_is_a_401_with_wechats_reason(live, code, expected):
    http_call("auth", "auth/post_login", body={"code": "test-bob.1"})
    status, error = http_call("auth", "auth/post_login", body={"code": code})
    assert (status, error["code"]) == (401, expected)
    assert error["details"]["errcode"] in (40029, 40163)


@pytest.mark.parametrize("openid", ["staff:mgr-jingan", "../USER#x", "o" * 65, "", 42])
def test_an_openid_of_a_shape_wechat_never_gives_never_becomes_a_token_subject(openid):
    """A guest token's subject must not pass for a staff principal (``staff:`` table rounds) or a key."""
    from flask import Flask

    from diancan.adapters.wechat import WeChatLogin
    from diancan.domain.errors import Unauthorized
    from local.serve import serving

    stand_in = Flask("jscode2session")
    stand_in.add_url_rule("/sns/jscode2session", "session", lambda: {"openid": openid, "session_key": "c2s="})
    with serving(stand_in) as server:
        login = WeChatLogin("wx-app", "secret", server.base_url, timeout=5)
        with pytest.raises(Unauthorized) as refused:
            login.code_to_session("a-code")
    assert refused.value.code == "WECHAT_LOGIN_FAILED"


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 123}, {"code": "x" * 200}])
def test_a_malformed_login_is_a_400(live, body):
    status, error = http_call("auth", "auth/post_login", body=body)
    assert (status, error["code"]) == (400, "INVALID_REQUEST")


# ---- menu ----------------------------------------------------------------------------------------------


def test_stores_come_nearest_first_with_their_distance(demo_chain):
    status, answer = http_call("menu", "menu/get_stores", query={"lat": "31.19", "lng": "121.437"})
    assert status == 200
    assert [s["store_id"] for s in answer["stores"]] == ["sh-xuhui", "sh-jingan"]
    assert answer["stores"][0]["distance_m"] < answer["stores"][1]["distance_m"]
    assert answer["stores"][1]["open_now"] is True  # the demo's around-the-clock store


def test_the_menu_is_one_document_with_categories_dishes_specs_and_sold_out_flags(demo_chain):
    status, menu = http_call("menu", "menu/get_menu", query={})
    assert status == 200 and menu["store_id"] == "sh-jingan"
    dishes = {d["dish_id"]: d for c in menu["categories"] for d in c["dishes"]}
    assert len(dishes) == 24
    tea = dishes["d-milktea"]
    assert tea["price_fen"] == 1500 and tea["sold_out"] is False and tea["images"]
    size = next(g for g in tea["option_groups"] if g["group_id"] == "size")
    assert size["required"] is True and {"option_id": "size-large", "name": "大杯", "name_en": "Large", "price_fen": 300} in size["options"]
    assert "recipe" not in tea and all("recipe" not in o for g in tea["option_groups"] for o in g["options"])


def test_the_menu_filters_searches_and_sorts(demo_chain):
    _, drinks = http_call("menu", "menu/get_menu", query={"category": "drink", "sort": "price"})
    assert [c["category_id"] for c in drinks["categories"]] == ["drink"]
    prices = [d["price_fen"] for d in drinks["categories"][0]["dishes"]]
    assert prices == sorted(prices)
    _, found = http_call("menu", "menu/get_menu", query={"q": "面"})
    assert {d["name"] for c in found["categories"] for d in c["dishes"]} == {"红烧牛肉面", "老北京炸酱面", "阳春面"}
    status, error = http_call("menu", "menu/get_menu", query={"sort": "random"})
    assert (status, error["code"]) == (400, "INVALID_SORT")


def test_a_dish_turns_sold_out_in_the_next_menu_read(demo_chain):
    from diancan import bootstrap

    repository = bootstrap.repository()
    repository.put_dish(repository.get_dish("sh-jingan", "d-rice").model_copy(update={"sold_out": True}))
    _, menu = http_call("menu", "menu/get_menu", query={})
    assert next(d for c in menu["categories"] for d in c["dishes"] if d["dish_id"] == "d-rice")["sold_out"] is True


def test_dish_detail_and_unknown_things_are_404(demo_chain):
    status, dish = http_call("menu", "menu/get_dish")
    assert status == 200 and dish["allergens"] == ["花生"] and dish["nutrition"]
    for path, code in [("/stores/sh-jingan/dishes/nope", "DISH_NOT_FOUND"), ("/stores/nope/menu", "STORE_NOT_FOUND")]:
        status, error = http_call("menu", "menu/get_dish", path=path)
        assert (status, error["code"]) == (404, code)


# ---- orders --------------------------------------------------------------------------------------------


def place(token: str, key: str) -> dict:
    body = {"store_id": "sh-jingan", "mode": "dine_in", "table_no": "A1", "items": [{"dish_id": "d-rice", "qty": 1}]}
    status, order = http_call("place_order", "place_order/post_orders", body=body,
                              headers={**bearer(token), "idempotency-key": key})
    assert status == 201, order
    return order


def test_a_guest_pages_through_their_own_orders_newest_first(live, guest_token):
    token = guest_token("alice")
    placed = [place(token, f"page-key-{n:04d}")["order_id"] for n in range(5)]
    place(guest_token("bob"), "bobs-key-0001")
    seen, cursor = [], None
    while True:
        status, page = http_call("orders", "orders/get_orders", headers=bearer(token),
                                 query={"limit": "2", **({"cursor": cursor} if cursor else {})})
        assert status == 200
        seen += [o["order_id"] for o in page["orders"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(placed))


def test_another_guests_order_is_404_and_cannot_be_cancelled(live, guest_token):
    order = place(guest_token("alice"), "alice-key-0001")
    for sample, path in [("orders/get_order", f"/orders/{order['order_id']}"),
                         ("orders/post_cancel", f"/orders/{order['order_id']}/cancel")]:
        status, error = http_call("orders", sample, path=path, headers=bearer(guest_token("bob")))
        assert (status, error["code"]) == (404, "ORDER_NOT_FOUND")


def test_cancelling_twice_is_harmless_and_a_bad_cursor_is_a_400(live, guest_token):
    token = guest_token("alice")
    order = place(token, "cancel-key-0001")
    path = f"/orders/{order['order_id']}/cancel"
    first = http_call("orders", "orders/post_cancel", path=path, headers=bearer(token))
    second = http_call("orders", "orders/post_cancel", path=path, headers=bearer(token))
    assert first[1]["status"] == second[1]["status"] == "CANCELLED"
    history = [h["status"] for h in second[1]["history"]]
    assert history.count("CANCELLED") == 1
    status, error = http_call("orders", "orders/get_orders", headers=bearer(token), query={"cursor": "!!"})
    assert (status, error["code"]) == (400, "INVALID_CURSOR")


def test_orders_need_a_token(demo_chain):
    status, error = http_call("orders", "orders/get_orders", headers={"authorization": None})
    assert (status, error["code"]) == (401, "UNAUTHORIZED")


def test_a_new_guest_is_indexed_by_the_local_day_they_joined(live):
    from diancan.adapters import keys
    from diancan.adapters.records import UserRecord
    from diancan.domain.clock import business_day, utcnow

    http_call("auth", "auth/post_login", body={"code": "test-dora.1"})
    joined = list(UserRecord.gsi1.query(keys.joined_on(business_day(utcnow()).isoformat())))
    assert len(joined) == 1 and joined[0].openid.startswith("o")
