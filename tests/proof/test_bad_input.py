"""Bad input at the edge of every HTTP function: bodies that are not UTF-8, bodies over the limit, and
injection attempts in search fields. Each is a clear 4xx (or an empty result), never a 5xx or a leak."""

from __future__ import annotations

import base64
import json

import pytest

from diancan.http import MAX_BODY_BYTES
from tests.conftest import FakeContext, handler_of, http_call, load_event

pytestmark = pytest.mark.handlers

POSTS = [("auth", "auth/post_login"), ("place_order", "place_order/post_orders"),
         ("orders", "orders/post_review"), ("orders", "orders/post_phone"), ("pay_notify", "pay_notify/notify")]
INJECTIONS = ["' OR '1'='1", "\" OR 1=1 --", "{\"$ne\": null}", "<script>alert(1)</script>", "%00", "..%2f..%2f",
              "PK = :pk OR attribute_exists(SK)", "红烧' UNION SELECT *", "*", ".*", "(?i)", "\\", "a" * 500]


def raw_call(function: str, sample: str, *, body: str, base64_encoded: bool, token: str | None = None) -> dict:
    event = load_event(sample)
    event["body"], event["isBase64Encoded"] = body, base64_encoded
    if token:
        event["headers"]["authorization"] = f"Bearer {token}"
    return handler_of(function)(event, FakeContext())


@pytest.mark.parametrize(("function", "sample"), POSTS)
def test_a_body_that_is_not_utf8_is_a_400_not_a_crash(demo_chain, guest_token, function, sample):
    answer = raw_call(function, sample, body=base64.b64encode(b"\x80\xff{").decode(), base64_encoded=True,
                      token=guest_token())
    assert answer["statusCode"] == 400 or (function == "pay_notify" and 400 <= answer["statusCode"] < 500)
    assert json.loads(answer["body"])["code"] in ("MALFORMED_BODY", "FAIL")


def test_a_body_that_is_not_even_base64_is_a_400(demo_chain):
    answer = raw_call("auth", "auth/post_login", body="***not base64***", base64_encoded=True)
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["code"] == "MALFORMED_BODY"


@pytest.mark.parametrize(("function", "sample"), POSTS[:4])
def test_an_oversized_body_is_refused_before_any_work(demo_chain, guest_token, function, sample):
    huge = json.dumps({"code": "x" * (MAX_BODY_BYTES + 1), "store_id": "sh-jingan"})
    status, body = http_call(function, sample, raw_body=huge,
                             headers={"authorization": f"Bearer {guest_token()}", "idempotency-key": "k" * 12})
    assert (status, body["code"]) == (400, "BODY_TOO_LARGE")


def searched(q: str) -> list[dict]:
    status, menu = http_call("menu", "menu/get_menu", query={"q": q})
    assert status == 200, menu
    return [dish for category in menu["categories"] for dish in category["dishes"]]


def test_menu_search_finds_a_plain_word(demo_chain):
    assert searched("红烧")


@pytest.mark.parametrize("text", INJECTIONS)
def test_menu_search_treats_injection_as_plain_text(demo_chain, text):
    assert searched(text) == []
