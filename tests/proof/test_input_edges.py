"""Input that Python's own parsers trip on, at the edge of every kind of function: headers and cookies with
non-ASCII characters (secrets compared with ``hmac.compare_digest``), numbers written with non-ASCII digits
or too many of them, bodies that are not declared as JSON, JSON nested too deep or with integers too long to
convert, and paging cursors the server did not issue. Each is a 4xx in the error format, never a 5xx."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import FakeContext, handler_of, http_call, load_event
from tests.wxpay_fixtures import signed_notification

pytestmark = pytest.mark.handlers

STORE = "sh-jingan"
ERROR_KEYS = {"code", "message", "message_en", "details"}
NON_ASCII_DIGITS = ["²", "١٢", "１２", "٣", "9" * 5000]


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


def refused(answer: tuple[int, dict], status: int, code: str) -> None:
    assert (answer[0], answer[1].get("code")) == (status, code), answer
    assert set(answer[1]) <= ERROR_KEYS and answer[1]["message"] and answer[1]["message_en"], answer


# ---- headers and cookies with non-ASCII characters -------------------------------------------------------

@pytest.mark.parametrize("token", ["é.abc", "abc.é", "ä" * 40 + "." + "ß" * 43, "\u4e2d.\u6587"])
def test_a_bearer_token_with_non_ascii_characters_is_a_401(demo_chain, token):
    refused(http_call("orders", "orders/get_orders", headers=bearer(token)), 401, "INVALID_TOKEN")


def test_a_guest_token_whose_signature_is_non_ascii_is_refused_where_it_only_personalises(demo_chain, guest_token):
    payload = guest_token("alice").split(".")[0]
    status, menu = http_call("menu", "menu/get_menu", headers=bearer(f"{payload}.ü"))
    assert status == 200 and menu["categories"]


def test_a_console_session_cookie_with_a_non_ascii_signature_is_treated_as_no_session(demo_chain):
    event = load_event("admin/get_orders_without_session")
    event["cookies"] = ["dc_session=abc.é"]
    answer = handler_of("admin")(event, FakeContext())
    assert answer["statusCode"] == 302 and "/login" in answer["headers"]["Location"]


@pytest.mark.parametrize(("header", "value"), [("wechatpay-timestamp", "²"), ("wechatpay-timestamp", "1" * 5000),
                                               ("wechatpay-signature", "é" * 40), ("wechatpay-nonce", "ñonce")])
def test_a_wechat_pay_notification_with_a_strange_header_is_rejected_not_a_crash(demo_chain, header, value):
    headers, body = signed_notification({"out_trade_no": "T1", "trade_state": "SUCCESS"})
    headers = {k.lower(): v for k, v in headers.items()} | {header: value, "content-type": "application/json"}
    status, answer = http_call("pay_notify", "pay_notify/notify", raw_body=body, headers=headers)
    assert status == 401 and answer["code"] == "FAIL", answer


@pytest.mark.parametrize("signature", ["é" * 32, "签名" * 16])
def test_a_courier_callback_with_a_non_ascii_signature_is_a_400(demo_chain, signature):
    body = {"client_id": "c1", "order_id": "T1", "update_time": 1795509000, "order_status": 2,
            "signature": signature}
    status, answer = http_call("courier_callback", "courier_callback/post_dada", body=body)
    assert status == 400 and answer["code"] == "COURIER_CALLBACK_REJECTED", answer


def test_a_courier_callback_url_token_with_non_ascii_characters_is_a_400(demo_chain):
    from diancan.adapters.courier import dada_callback_signature

    body = {"client_id": "c1", "order_id": "T1", "update_time": 1795509000, "order_status": 2,
            "signature": dada_callback_signature("c1", "T1", "1795509000")}
    status, answer = http_call("courier_callback", "courier_callback/post_dada", body=body, query={"token": "é"})
    assert status == 400 and answer["code"] == "COURIER_CALLBACK_REJECTED", answer


# ---- numbers written with non-ASCII digits ---------------------------------------------------------------

@pytest.mark.parametrize("limit", NON_ASCII_DIGITS)
def test_a_page_size_in_non_ascii_digits_is_a_400(demo_chain, guest_token, limit):
    refused(http_call("orders", "orders/get_orders", headers=bearer(guest_token()), query={"limit": limit}),
            400, "INVALID_LIMIT")


@pytest.mark.parametrize("since", NON_ASCII_DIGITS)
def test_a_cart_version_in_non_ascii_digits_is_a_400(demo_chain, guest_token, since):
    refused(http_call("tables", "tables/get_cart", path="/tables/sessions/s-0000/cart",
                      headers=bearer(guest_token()), query={"since": since}), 400, "INVALID_VERSION")


def test_the_shared_parser_takes_ascii_digits_only():
    from diancan.domain.inputs import whole_number

    assert [whole_number(t) for t in ("0", " 12 ", "007", 5, "9" * 15)] == [0, 12, 7, 5, 10**15 - 1]
    assert [whole_number(t) for t in ("", None, "-1", "1.5", "²", "١٢", "１２", "12\n3", "9" * 16, "0x1")] == [None] * 10


# ---- bodies not declared as JSON -------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "application/xml", "application/json-patch+json"])
def test_a_body_that_is_not_declared_as_json_is_a_415_on_typed_and_untyped_routes(demo_chain, guest_token,
                                                                                   content_type):
    typed = http_call("auth", "auth/post_login", body={"code": "test-ct.1"}, headers={"content-type": content_type})
    untyped = http_call("orders", "orders/post_birthday", path="/me/birthday", body={"birthday": "1990-03-14"},
                        headers=bearer(guest_token("ct")) | {"content-type": content_type})
    refused(typed, 415, "UNSUPPORTED_MEDIA_TYPE")
    refused(untyped, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("content_type", [None, "application/json", "application/json; charset=utf-8"])
def test_json_with_or_without_a_content_type_is_served(demo_chain, guest_token, content_type):
    typed = http_call("place_order", "place_order/post_quote", headers={"content-type": content_type},
                      body={"store_id": STORE, "mode": "takeout", "items": [{"dish_id": "d-cola", "qty": 1}]})
    untyped = http_call("orders", "orders/post_birthday", path="/me/birthday", body={"birthday": "1990-03-14"},
                        headers=bearer(guest_token("ct")) | {"content-type": content_type})
    assert typed[0] == 200 and typed[1]["total_fen"] > 0, typed
    assert untyped[0] == 200, untyped


# ---- JSON too deep or with integers too long -------------------------------------------------------------

def _deep(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


BAD_JSON = {"nested 40 deep": _deep(40), "nested 20,000 deep": "[" * 20_000 + "]" * 20_000,
            "a 5,000-digit integer": '{"qty": ' + "7" * 5000 + "}", "NaN": '{"qty": NaN}',
            "an unpaired surrogate": '{"code": "\\ud800"}'}


@pytest.mark.parametrize("raw", BAD_JSON.values(), ids=BAD_JSON.keys())
def test_json_too_deep_or_with_too_long_an_integer_is_a_400_on_every_kind_of_route(demo_chain, guest_token, raw):
    headers = bearer(guest_token()) | {"idempotency-key": "deep-json-0001"}
    refused(http_call("place_order", "place_order/post_orders", raw_body=raw, headers=headers), 400, "MALFORMED_JSON")
    refused(http_call("auth", "auth/post_login", raw_body=raw), 400, "MALFORMED_JSON")
    refused(http_call("orders", "orders/post_birthday", path="/me/birthday", raw_body=raw, headers=headers),
            400, "MALFORMED_JSON")
    refused(http_call("courier_callback", "courier_callback/post_dada", raw_body=raw), 400, "MALFORMED_JSON")


def test_json_within_the_limits_is_parsed_as_before():
    from diancan.domain.inputs import MAX_INT_DIGITS, MAX_JSON_DEPTH, strict_json

    assert strict_json(_deep(MAX_JSON_DEPTH - 1))["a"]["a"]
    assert strict_json('{"n": -' + "9" * MAX_INT_DIGITS + ', "f": 1.5e300, "e": "\\ud83d\\ude00"}')["e"] == "😀"


# ---- paging cursors --------------------------------------------------------------------------------------

def _orders(token: str, cursor: str | None = None) -> tuple[int, dict]:
    return http_call("orders", "orders/get_orders", headers=bearer(token),
                     query={"limit": "1", **({"cursor": cursor} if cursor else {})})


def _forged(key: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


@pytest.fixture
def two_orders(live, guest_token):
    token = guest_token("alice")
    for n in range(2):
        status, order = http_call("place_order", "place_order/post_orders", headers=bearer(token) | {
            "idempotency-key": f"cursor-key-{n:04d}"}, body={"store_id": STORE, "mode": "takeout",
                                                            "items": [{"dish_id": "d-cola", "qty": 1}]})
        assert status == 201, order
    status, first = _orders(token)
    assert status == 200 and first["next_cursor"]
    return token, first["next_cursor"]


def test_a_cursor_the_server_issued_pages_on(two_orders):
    token, cursor = two_orders
    status, second = _orders(token, cursor)
    assert status == 200 and len(second["orders"]) == 1


def test_a_cursor_crafted_by_the_guest_is_a_400(two_orders, guest_token):
    from diancan.adapters import keys

    token, _ = two_orders
    crafted = {"PK": {"S": "ORDER#T1"}, "SK": {"S": "ORDER"}, "GSI1PK": {"S": keys.user("openid-alice")},
               "GSI1SK": {"S": "2099-01-01T00:00:00Z"}}
    refused(_orders(token, _forged(crafted)), 400, "INVALID_CURSOR")


@pytest.mark.parametrize("tamper", ["flip", "truncate", "non-ascii", "another guest's"])
def test_a_tampered_or_borrowed_cursor_is_a_400(two_orders, guest_token, tamper):
    token, cursor = two_orders
    payload, _, signature = cursor.partition(".")
    changed = {"flip": f"{payload}.{signature[:-2]}{'A' if signature[-2] != 'A' else 'B'}{signature[-1]}",
               "truncate": cursor[:-5], "non-ascii": f"{payload}.é", "another guest's": cursor}[tamper]
    who = guest_token("bob") if tamper == "another guest's" else token
    refused(_orders(who, changed), 400, "INVALID_CURSOR")


@pytest.mark.parametrize("lat", ["nan", "inf", "-inf", "١٢", "1e309", "181"])
def test_a_location_that_is_no_finite_ascii_number_is_a_400(demo_chain, lat):
    refused(http_call("menu", "menu/get_stores", query={"lat": lat, "lng": "121.47"}), 400, "INVALID_LOCATION")


def test_a_location_in_ascii_digits_still_sorts_the_stores(demo_chain):
    status, stores = http_call("menu", "menu/get_stores", query={"lat": "31.23", "lng": "121.47"})
    assert status == 200 and stores["stores"], stores
