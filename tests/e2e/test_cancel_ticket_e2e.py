"""A refund after printing, over the running local stack: the guest pays a takeout order of a hot and a cold
dish through the gateway, print_dispatch prints its kitchen tickets on the Feieyun simulator, staff refund it
in full, and once WeChat Pay's simulator confirms the refund (pay_notify → OrderRefunded → PrintQueue) a
cancel ticket (退单) prints on the hot and the cold station, once, and on no other printer."""

from __future__ import annotations

import uuid

import pytest
import requests

from local.demo_stations import BAR_SN, COLD_SN, COUNTER_SN, HOT_SN
from tests.conftest import wait_for

pytestmark = pytest.mark.e2e
STORE = "sh-jingan"


def _contents(local_stack, sn: str, order_id: str) -> list[str]:
    printers = local_stack.simulators["feieyun"].state()["printers"]
    return [job["content"] for p in printers if p["sn"] == sn for job in p["jobs"] if order_id in job["content"]]


def test_a_refund_after_printing_prints_a_cancel_ticket_on_the_stations_that_had_the_order(local_stack):
    from diancan import bootstrap

    base = local_stack.base_url
    login = requests.post(f"{base}/auth/login", json={"code": f"test-cancel{uuid.uuid4().hex[:6]}"}, timeout=10)
    assert login.status_code == 200, login.text
    guest = {"Authorization": f"Bearer {login.json()['token']}"}
    placed = requests.post(f"{base}/place_order/orders", timeout=30,
                           headers={**guest, "Idempotency-Key": str(uuid.uuid4())},
                           json={"store_id": STORE, "mode": "takeout", "items": [
                               {"dish_id": "d-gongbao", "qty": 2, "options": ["spicy-mild"]},
                               {"dish_id": "d-pai-huanggua", "qty": 1}]})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]
    prepay_id = placed.json()["pay_params"]["package"].removeprefix("prepay_id=")
    assert requests.post(f"{base}/sim/wxpay/pay", json={"prepay_id": prepay_id}, timeout=10).status_code == 200

    def printed() -> bool:
        local_stack.pump.drain(timeout=30)
        return bool(_contents(local_stack, HOT_SN, order_id)) and bool(_contents(local_stack, COLD_SN, order_id))

    wait_for(printed, timeout=60)
    assert not any("退单" in c for sn in (HOT_SN, COLD_SN) for c in _contents(local_stack, sn, order_id))

    bootstrap.reset()  # this process runs with the stack's environment: the console's payment service
    bootstrap.payments().refund(order_id, None, reason="guest changed their mind", by="staff:boss")

    def cancelled() -> bool:
        local_stack.pump.drain(timeout=30)
        return all(any("退单 CANCEL" in c for c in _contents(local_stack, sn, order_id)) for sn in (HOT_SN, COLD_SN))

    wait_for(cancelled, timeout=60)
    hot = [c for c in _contents(local_stack, HOT_SN, order_id) if "退单 CANCEL" in c]
    cold = [c for c in _contents(local_stack, COLD_SN, order_id) if "退单 CANCEL" in c]
    assert len(hot) == 1 and "宫保鸡丁" in hot[0] and "x2" in hot[0] and "拍黄瓜" not in hot[0]
    assert len(cold) == 1 and "拍黄瓜" in cold[0]
    assert not any("退单" in c for sn in (BAR_SN, COUNTER_SN) for c in _contents(local_stack, sn, order_id))
    assert bootstrap.repository().get_order(order_id, consistent=True).status == "REFUNDED"
    wok = bootstrap.kitchen().open_tickets(STORE, "wok")["tickets"]
    assert all(t["order_id"] != order_id for t in wok)  # off the kitchen screen
