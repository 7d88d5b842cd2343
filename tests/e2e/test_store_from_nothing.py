"""A restaurant starts from an empty deployment, as an operator and an owner would: the local stack with
``DIANCAN_DEMO=off`` in its own process, the first owner made by ``python -m tools.ops first-owner``, then
everything over HTTP: the forced password change, a store with hours (a break, a holiday), a delivery area,
two printers bound at the Feieyun simulator (a test page each), two stations, three tables, categories,
ingredients with thresholds and costs, dishes with options and recipes; then a guest scans a table code,
orders, pays, and the kitchen tickets print on the new printers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

from local.demo import Client
from tests.conftest import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
STORE = "gz-tianhe"
PRINTERS = {"930000001": "热菜", "930000002": "吧台"}


def Http(base: str, token: str | None = None):
    """``(method, path, body=None, headers=None) -> (status, json)`` as the demo journey's client calls."""
    return Client(base, token, timeout=60).call


@pytest.fixture(scope="module")
def empty_stack():
    """``DIANCAN_DEMO=off python -m local.stack`` on free ports, in its own process: (gateway URL, AWS endpoint)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIANCAN_", "AWS_", "WECHAT", "FEIEYUN", "DADA"))}
    env.update(DIANCAN_DEMO="off", PORT="0", PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "local.stack"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        urls: dict[str, str] = {}
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not {"health", "AWS endpoint (moto)"} <= urls.keys():
            line = process.stdout.readline()
            if not line:
                raise AssertionError(f"the stack exited with {process.wait()}")
            found = re.match(r"\s+(.+?)\s{2,}(http\S+)", line)
            if found:
                urls[found[1].strip()] = found[2]
        base = urls["health"].removesuffix("/health")
        wait_for(lambda: Http(base)("GET", "/health")[0] == 200, "the stack's health")
        yield base, urls["AWS endpoint (moto)"]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def first_owner(aws: str, login: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_ENDPOINT_URL": aws, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
    env.pop("DIANCAN_TABLE", None)
    return subprocess.run([sys.executable, "-m", "tools.ops", "--stack", "diancan-local", "first-owner", "--login", login,
                           "--name", "陈老板"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_restaurant_opens_from_an_empty_deployment_and_serves_its_first_table(empty_stack):
    base, aws = empty_stack
    anyone = Http(base)
    assert anyone("GET", "/menu/stores")[1]["stores"] == []  # no stores, no dishes

    made = first_owner(aws, "chen")
    assert made.returncode == 0, made.stderr
    one_time = made.stdout.strip().splitlines()[-1]
    again = first_owner(aws, "zhao")
    assert again.returncode == 1 and "FIRST_OWNER_EXISTS" in again.stderr

    status, session = anyone("POST", "/admin/api/session", {"login": "chen", "password": one_time})
    assert status == 200 and session["must_change_password"]
    owner = Http(base, session["token"])
    assert owner("GET", "/admin/api/stores")[1]["code"] == "PASSWORD_CHANGE_REQUIRED"
    status, _ = owner("POST", "/admin/password", {"old_password": one_time, "new_password": "chen-owner-2026!"})
    assert status == 200
    assert owner("GET", "/admin/api/stores") == (200, {"stores": []})

    every_day = list(range(7))
    status, created = owner("POST", "/admin/api/stores", {
        "store_id": STORE, "name": "天河店", "city": "广州", "address": "天河路1号", "phone": "020-8888 0000",
        "lat": 23.1353, "lng": 113.3226, "modes": ["dine_in", "takeout", "delivery"], "preorder_days": 2,
        "timezone": "Asia/Shanghai", "accepting_orders": True, "closed_dates": ["2030-02-03"],
        "hours": [{"days": every_day, "open": "00:00", "close": "00:00"}]})  # around the clock: the test runs any time
    assert status == 201, created
    status, settings = owner("POST", f"/admin/s/{STORE}/store/settings", {
        "radius_m": "3000", "tiers": [[1000, 300], [3000, 500]], "free_from_fen": "8800", "minimum_order_fen": "2000",
        "dada_shop_no": "gz-001", "city_code": "020", "updated_at": created["updated_at"]})
    assert status == 200, settings

    for sn, name in PRINTERS.items():
        status, added = owner("POST", f"/admin/api/s/{STORE}/setup/printers", {"sn": sn, "key": "ABCD1234", "name": name})
        assert status == 201, added
        assert owner("POST", f"/admin/api/s/{STORE}/setup/printers/{sn}/test")[0] == 200

    def feieyun() -> dict:
        return {p["sn"]: p for p in anyone("GET", "/sim/feieyun/_control/state")[1]["printers"]}

    test_pages = wait_for(lambda: (f := feieyun()) and all(
        any(j["printed"] and "打印测试" in j["content"] for j in f[sn]["jobs"]) for sn in PRINTERS) and f,
        "a test page printed on each new printer")
    assert all(test_pages[sn]["user"] == "demo@diancan.local" for sn in PRINTERS)

    for category_id, name, sort in (("hot", "热菜", 1), ("drinks", "饮品", 2)):
        status, category = owner("POST", f"/admin/s/{STORE}/menu/categories",
                                 {"category_id": category_id, "name": name, "sort": str(sort)})
        assert status == 200, category
    for station_id, sn, categories in (("wok", "930000001", ["hot"]), ("bar", "930000002", ["drinks"])):
        status, station = owner("POST", f"/admin/api/s/{STORE}/setup/stations/{station_id}",
                                {"name": PRINTERS[sn], "printer_sn": sn, "category_ids": categories})
        assert status == 200, station
    status, tables = owner("POST", f"/admin/api/s/{STORE}/setup/tables", {"tables": "A1-A3", "seats": 4, "area": "大厅"})
    assert status == 201 and tables["tables"] == ["A1", "A2", "A3"]
    for ingredient in ({"ingredient_id": "chicken", "name": "鸡肉", "unit": "kg", "quantity": 10000, "threshold": 2000,
                        "cost_fen_per_unit": 2600},
                       {"ingredient_id": "lemon", "name": "柠檬", "unit": "piece", "quantity": 50, "threshold": 10,
                        "cost_fen_per_unit": 80}):
        status, answer = owner("POST", f"/admin/api/s/{STORE}/setup/ingredients", ingredient)
        assert status == 201, answer

    spice = [{"group_id": "spice", "name": "辣度", "required": True, "options": [
        {"option_id": "mild", "name": "微辣"}, {"option_id": "hot", "name": "特辣", "price_fen": 100}]}]
    for dish_id, name, category_id, price, groups in (("d-chicken", "宫保鸡丁", "hot", "32", spice),
                                                      ("d-lemon-tea", "柠檬茶", "drinks", "12", [])):
        status, dish = owner("POST", f"/admin/s/{STORE}/menu/dishes", {
            "dish_id": dish_id, "name": name, "category_id": category_id, "price_yuan": price, "option_groups": groups})
        assert status == 200, dish
    for dish_id, recipe in (("d-chicken", {"chicken": 200}), ("d-lemon-tea", {"lemon": 1})):
        status, answer = owner("POST", f"/admin/s/{STORE}/menu/dishes/{dish_id}/recipe", {"recipe": recipe})
        assert status == 200, answer
    status, menu = anyone("GET", f"/menu/stores/{STORE}/menu")
    assert status == 200 and menu["store"]["open_now"]
    assert {c["category_id"]: [d["dish_id"] for d in c["dishes"]] for c in menu["categories"]} == {
        "hot": ["d-chicken"], "drinks": ["d-lemon-tea"]}

    scene = anyone("GET", f"/dev/table-codes/{STORE}")[1]["scenes"]["A2"]
    status, table = anyone("GET", f"/tables/tables/resolve?scene={urllib.parse.quote(scene)}")
    assert status == 200 and (table["store_id"], table["table_no"]) == (STORE, "A2"), table
    status, login = anyone("POST", "/auth/login", {"code": f"test-guest.{uuid.uuid4().hex[:6]}"})
    guest = Http(base, login["token"])
    status, order = guest("POST", "/place_order/orders", {
        "store_id": STORE, "mode": "dine_in", "table_no": table["table_no"],
        "items": [{"dish_id": "d-chicken", "qty": 1, "options": ["hot"]}, {"dish_id": "d-lemon-tea", "qty": 2}]},
        {"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201 and order["total_fen"] == 3300 + 2 * 1200, order
    prepay_id = order["pay_params"]["package"].removeprefix("prepay_id=")
    assert anyone("POST", "/sim/wxpay/pay", {"prepay_id": prepay_id})[0] == 200

    def tickets() -> dict | None:
        found = feieyun()
        printed = {sn: [j for j in found[sn]["jobs"] if j["printed"] and order["order_id"] in j["content"]]
                   for sn in PRINTERS}
        return printed if all(printed.values()) else None

    printed = wait_for(tickets, "the kitchen tickets on both new printers", timeout=90)
    assert "宫保鸡丁" in printed["930000001"][0]["content"] and "柠檬茶" not in printed["930000001"][0]["content"]
    assert "柠檬茶" in printed["930000002"][0]["content"]
    status, paid = guest("GET", f"/orders/orders/{order['order_id']}")
    assert paid["status"] in ("PAID", "PREPARING") and paid["table_no"] == "A2"
    wait_for(lambda: owner("GET", f"/admin/api/s/{STORE}/setup/ingredients")[1]["ingredients"][0]["quantity"] == 9800,
             "the recipe's chicken deducted from stock")
