"""Calling a number over the running local stack: the guest pays a takeout order through the gateway, the
counter calls its number, the bus → GuestNotifyQueue → guest_notify → WeChat simulator path delivers exactly
one "ready for pickup" message to that guest, with the pickup number."""

from __future__ import annotations

import uuid

import pytest
import requests

from local.simulators.wechat import openid_for
from tests.conftest import wait_for

pytestmark = pytest.mark.e2e
STORE = "sh-jingan"


def test_calling_a_paid_takeout_number_pushes_one_message_to_its_guest(local_stack):
    from diancan import bootstrap

    base = local_stack.base_url
    name = f"pickup{uuid.uuid4().hex[:6]}"
    login = requests.post(f"{base}/auth/login", json={"code": f"test-{name}"}, timeout=10)
    assert login.status_code == 200, login.text
    guest = {"Authorization": f"Bearer {login.json()['token']}"}
    placed = requests.post(f"{base}/place_order/orders", timeout=30,
                           headers={**guest, "Idempotency-Key": str(uuid.uuid4())},
                           json={"store_id": STORE, "mode": "takeout", "items": [{"dish_id": "d-cola", "qty": 2}]})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]
    prepay_id = placed.json()["pay_params"]["package"].removeprefix("prepay_id=")
    assert requests.post(f"{base}/sim/wxpay/pay", json={"prepay_id": prepay_id}, timeout=10).status_code == 200

    def paid_now() -> dict | None:
        answer = requests.get(f"{base}/orders/orders/{order_id}", headers=guest, timeout=10)
        return answer.json() if answer.status_code == 200 and answer.json()["status"] != "PENDING_PAYMENT" else None

    paid = wait_for(paid_now, timeout=20)

    bootstrap.reset()  # this process runs with the stack's environment: the console's kitchen service
    called = bootstrap.kitchen().call_number(order_id, "staff:boss")
    assert called["status"] == "READY" and called["pickup_no"] == paid["pickup_no"]
    local_stack.pump.drain(timeout=30)

    openid = openid_for(name, local_stack.world.secrets["wechat"]["appid"])
    sent = requests.get(f"{base}/sim/wechat/messages", params={"touser": openid}, timeout=10).json()["messages"]
    assert len(sent) == 1, sent
    assert sent[0]["data"]["character_string1"] == str(paid["pickup_no"])
    assert sent[0]["page"].endswith(f"order_id={order_id}")

    bootstrap.kitchen().call_number(order_id, "staff:boss")  # a second call changes nothing, pushes nothing
    local_stack.pump.drain(timeout=30)
    assert len(requests.get(f"{base}/sim/wechat/messages", params={"touser": openid}, timeout=10).json()["messages"]) == 1
