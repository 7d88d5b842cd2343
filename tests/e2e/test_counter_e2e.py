"""The counter (POS) over HTTP against the running local stack: a cashier signs in to the management API, takes
a walk-in order paid in cash (the change answered), and its kitchen tickets print in the Feieyun simulator on the
store's stations, marked as the counter's; the same request again answers the same order, paid once."""

from __future__ import annotations

import uuid

import pytest

from local.demo import Client
from tests.conftest import wait_for

pytestmark = pytest.mark.e2e
STORE = "sh-jingan"


def test_a_counter_order_paid_in_cash_prints_its_kitchen_tickets(local_stack):
    anyone = Client(local_stack.base_url, None, timeout=60).call
    status, session = anyone("POST", "/admin/api/session", {"login": "cashier", "password": "cashier-demo-2026"})
    assert status == 200, session
    cashier = Client(local_stack.base_url, session["token"], timeout=60).call
    sale = {"items": [{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}, {"dish_id": "d-cola", "qty": 2}],
            "remark": "堂食不打包", "payment": "cash", "tendered_fen": 10000}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    status, quote = cashier("POST", f"/admin/api/s/{STORE}/counter/quote", {"items": sale["items"]})
    assert status == 200, quote

    status, answer = cashier("POST", f"/admin/api/s/{STORE}/counter/orders", sale, key)

    assert status == 200, answer
    order = answer["order"]
    assert (order["status"], order["channel"], order["total_fen"]) == ("PAID", "counter", quote["total_fen"])
    assert answer["change_fen"] == 10000 - quote["total_fen"]

    def printed() -> dict | None:
        state = anyone("GET", "/sim/feieyun/_control/state")[1]
        jobs = [j for p in state["printers"] for j in p["jobs"] if j["printed"] and order["order_id"] in j["content"]]
        kitchen = [j for j in jobs if "宫保鸡丁" in j["content"] or "可乐" in j["content"]]
        return {"jobs": jobs} if any("宫保鸡丁" in j["content"] for j in kitchen) and any(
            "可乐" in j["content"] for j in kitchen) else None

    found = wait_for(printed, "the counter order's kitchen tickets in the printer simulator", timeout=90)
    assert any("收银台" in j["content"] for j in found["jobs"])

    status, again = cashier("POST", f"/admin/api/s/{STORE}/counter/orders", sale, key)
    assert status == 200 and again == answer
    status, detail = cashier("GET", f"/admin/api/s/{STORE}/orders?channel=counter")
    assert status == 200 and [o["order_id"] for o in detail["orders"] if o["order_id"] == order["order_id"]] == [
        order["order_id"]]
    contents = [j["content"] for j in printed()["jobs"]]
    assert len(contents) == len(set(contents))  # no ticket printed twice
