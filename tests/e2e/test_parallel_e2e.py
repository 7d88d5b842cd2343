"""Races over HTTP against the local stack, whose functions run each request in a worker process of their own
(as concurrent Lambda environments): payments of one store at once, guests claiming the last coupons, a
table's guests scanning and ordering at once. Each must come out as DynamoDB's conditions make it."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import wait_for
from tests.e2e.test_ordering_e2e import login

pytestmark = pytest.mark.e2e

STORE = "sh-jingan"


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _at_once(call, arguments: list) -> list:
    with ThreadPoolExecutor(len(arguments)) as pool:
        return list(pool.map(call, arguments))


def test_twelve_payments_of_one_store_at_once_get_consecutive_pickup_numbers_and_an_unbroken_chain(local_stack):
    from diancan import bootstrap
    from diancan.domain.payments import first_broken_link

    base = local_stack.base_url
    tokens = [login(base, f"payer{n}") for n in range(12)]

    def place(token: str) -> dict:
        answer = requests.post(f"{base}/place_order/orders", timeout=60,
                               headers={**_bearer(token), "Idempotency-Key": str(uuid.uuid4())},
                               json={"store_id": STORE, "mode": "takeout", "items": [{"dish_id": "d-cola", "qty": 1}]})
        assert answer.status_code == 201, answer.text
        return answer.json()

    orders = _at_once(place, tokens)
    paid = _at_once(lambda order: requests.post(  # the simulator notifies pay_notify from a thread per payment
        f"{base}/sim/wxpay/pay", timeout=60,
        json={"prepay_id": order["pay_params"]["package"].removeprefix("prepay_id=")}).status_code, orders)
    assert set(paid) == {200}
    repository = bootstrap.repository()

    def numbers() -> list[int] | None:
        found = [repository.get_order(order["order_id"]).pickup_no for order in orders]
        return None if None in found else sorted(found)

    got = wait_for(numbers, "every order paid with a pickup number", timeout=120)
    assert got == list(range(got[0], got[0] + 12))  # no number given twice, none skipped
    assert first_broken_link(list(bootstrap.payment_table().vouchers(STORE))) is None


def test_fifteen_guests_claiming_five_coupons_at_once_get_exactly_five(local_stack):
    from diancan import bootstrap
    from diancan.domain.coupons import CouponTemplate
    from diancan.domain.promotions import CouponRule

    template_id = f"tpl-race-{uuid.uuid4().hex[:8]}"
    store = bootstrap.marketing_table()
    store.put_template(CouponTemplate(template_id=template_id, stock=5, per_guest_limit=1,
                                      rule=CouponRule(name="抢券", kind="fixed", amount_fen=300)))
    tokens = [login(local_stack.base_url, f"claimer{n}") for n in range(15)]
    answers = _at_once(lambda token: requests.post(f"{local_stack.base_url}/orders/coupons/{template_id}/claim",
                                                   headers=_bearer(token), timeout=60), tokens)
    assert sorted(a.status_code for a in answers).count(200) == 5, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code != 200} == {"COUPONS_GONE"}
    assert store.get_template(template_id).stock == 0


def test_a_tables_guests_scanning_and_adding_at_once_share_one_session_and_lose_no_line(local_stack):
    base = local_stack.base_url
    scenes = requests.get(f"{base}/dev/table-codes/{STORE}", timeout=30).json()["scenes"]
    scene = scenes[sorted(scenes)[-1]]
    tokens = [login(base, f"diner{n}") for n in range(8)]
    joined = _at_once(lambda token: requests.post(f"{base}/tables/tables/sessions", headers=_bearer(token),
                                                  json={"scene": scene}, timeout=60), tokens)
    assert {a.status_code for a in joined} == {200}, [a.text for a in joined]
    [session_id] = {a.json()["session_id"] for a in joined}
    cart_url = f"{base}/tables/tables/sessions/{session_id}/cart"
    before = requests.get(cart_url, headers=_bearer(tokens[0]), timeout=60).json()["lines"]
    added = _at_once(lambda token: requests.post(f"{cart_url}/lines", headers=_bearer(token),
                                                 json={"dish_id": "d-cola", "qty": 1}, timeout=60), tokens)
    assert {a.status_code for a in added} == {200}, [a.text for a in added]
    after = requests.get(cart_url, headers=_bearer(tokens[0]), timeout=60).json()
    assert len(after["lines"]) == len(before) + 8
    assert after["version"] >= len(before) + 8  # every change counted once
    assert sum(line["mine"] for line in after["lines"]) == 1 + sum(line["mine"] for line in before)
