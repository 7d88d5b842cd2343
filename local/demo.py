"""``make demo``: start a fresh local stack and walk a guest journey over HTTP, printing each step.

Exits non-zero at the first step that does not hold. Every call goes through the gateway exactly as the
mini-program (or WeChat Pay, or staff) would make it; nothing reaches into the product's code.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field


class StepFailed(AssertionError):
    pass


@dataclass
class Client:
    base_url: str
    token: str | None = None
    timeout: float = 30.0

    def call(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read()
                return answer.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw) if raw else {}
            except ValueError:  # a refusal that is not JSON (a gateway's own page)
                return error.code, {"raw": raw[:200].decode(errors="replace")}


@dataclass
class Journey:
    base_url: str
    guests: dict[str, Client] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)
    logins: int = 0

    def guest(self, name: str) -> Client:
        if name not in self.guests:
            self.logins += 1
            client = Client(self.base_url)
            status, answer = client.call("POST", "/auth/login", {"code": f"test-{name}.{self.logins}"})
            expect(status == 200 and answer.get("token"), f"login as {name}", status, answer)
            client.token = answer["token"]
            self.guests[name] = client
        return self.guests[name]

    def wait_for(self, what: str, predicate: Callable[[], object], timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        raise StepFailed(f"timed out waiting for {what}")


def expect(condition, what: str, status=None, answer=None) -> None:
    if not condition:
        raise StepFailed(f"{what}: HTTP {status} {json.dumps(answer, ensure_ascii=False)[:400]}")


STORE = "sh-jingan"
CART = [
    {"dish_id": "d-hongshao", "qty": 1, "options": []},
    {"dish_id": "d-milktea", "qty": 2, "options": ["size-large", "sugar-half", "topping-pearl"]},
    {"dish_id": "d-beef-noodle", "qty": 1, "options": ["portion-large", "extra-egg", "spicy-mild"]},
]


def portions_left(journey: Journey, dish_id: str) -> int | None:
    status, menu = journey.guest("alice").call("GET", f"/menu/stores/{STORE}/menu")
    expect(status == 200, "read the menu", status, menu)
    return next(d["portions_left"] for c in menu["categories"] for d in c["dishes"] if d["dish_id"] == dish_id)


def step_login(j: Journey) -> str:
    j.guest("alice")
    return "alice is signed in"


def step_stores(j: Journey) -> str:
    status, answer = j.guest("alice").call("GET", "/menu/stores?lat=31.2304&lng=121.4737")
    expect(status == 200 and answer["stores"], "list stores", status, answer)
    nearest = answer["stores"][0]
    return f"{len(answer['stores'])} stores, nearest {nearest['name']} ({nearest['distance_m']} m, open: {nearest['open_now']})"


def step_menu(j: Journey) -> str:
    status, menu = j.guest("alice").call("GET", f"/menu/stores/{STORE}/menu")
    expect(status == 200, "read the menu", status, menu)
    dishes = sum(len(c["dishes"]) for c in menu["categories"])
    j.facts["portions_before"] = portions_left(j, "d-hongshao")
    return f"{len(menu['categories'])} categories, {dishes} dishes; 红烧肉 portions left {j.facts['portions_before']}"


def step_quote(j: Journey) -> str:
    status, quote = j.guest("alice").call("POST", "/place_order/quote", {"store_id": STORE, "mode": "takeout",
                                                                          "items": CART})
    expect(status == 200 and quote["total_fen"] > 0, "quote the cart", status, quote)
    j.facts["quote"] = quote
    return f"items {quote['items_fen']} + packing {quote['packing_fee_fen']} - discounts {quote['discount_fen']} = {quote['total_fen']} fen"


def step_place_twice(j: Journey) -> str:
    key = str(uuid.uuid4())
    body = {"store_id": STORE, "mode": "takeout", "items": CART, "remark": "少放辣"}
    first = j.guest("alice").call("POST", "/place_order/orders", body, {"Idempotency-Key": key})
    second = j.guest("alice").call("POST", "/place_order/orders", body, {"Idempotency-Key": key})
    expect(first[0] == 201, "place the order", *first)
    expect(second[0] == 200 and second[1]["order_id"] == first[1]["order_id"], "same key, same order", *second)
    expect(first[1]["total_fen"] == j.facts["quote"]["total_fen"], "charged exactly the quote", *first)
    expect(first[1]["pay_params"]["signType"] == "RSA", "payment parameters returned", *first)
    j.facts["order"] = first[1]
    return f"order {first[1]['order_id']} ({first[1]['status']}), the retry returned the same order"


def step_read_back(j: Journey) -> str:
    order_id = j.facts["order"]["order_id"]
    status, order = j.guest("alice").call("GET", f"/orders/orders/{order_id}")
    expect(status == 200 and order["order_id"] == order_id, "read the order back", status, order)
    status, page = j.guest("alice").call("GET", "/orders/orders")
    expect(status == 200 and page["orders"][0]["order_id"] == order_id, "alice's orders, newest first", status, page)
    return f"read back; alice has {len(page['orders'])} order(s)"


def step_privacy(j: Journey) -> str:
    order_id = j.facts["order"]["order_id"]
    status, answer = j.guest("bob").call("GET", f"/orders/orders/{order_id}")
    expect(status == 404, "bob must not see alice's order", status, answer)
    return "bob gets 404 for alice's order"


def step_cancel(j: Journey) -> str:
    order_id = j.facts["order"]["order_id"]
    expect(portions_left(j, "d-hongshao") == j.facts["portions_before"] - 1, "a portion was reserved")
    status, order = j.guest("alice").call("POST", f"/orders/orders/{order_id}/cancel")
    expect(status == 200 and order["status"] == "CANCELLED", "cancel the unpaid order", status, order)
    expect(portions_left(j, "d-hongshao") == j.facts["portions_before"], "the portion is back")
    return "cancelled; 红烧肉 portions back to " + str(j.facts["portions_before"])


def step_pay(j: Journey) -> str:
    body = {"store_id": STORE, "mode": "takeout", "items": CART}
    status, order = j.guest("alice").call("POST", "/place_order/orders", body, {"Idempotency-Key": str(uuid.uuid4())})
    expect(status == 201, "place an order to pay", status, order)
    prepay_id = order["pay_params"]["package"].removeprefix("prepay_id=")
    status, answer = Client(j.base_url).call("POST", "/sim/wxpay/pay", {"prepay_id": prepay_id})
    expect(status == 200, "pay in the WeChat Pay simulator", status, answer)

    def paid():
        code, current = j.guest("alice").call("GET", f"/orders/orders/{order['order_id']}")
        return current if code == 200 and current["status"] != "PENDING_PAYMENT" else None

    current = j.wait_for("the payment notification", paid)
    expect(current["status"] in ("PAID", "PREPARING"), "the order is paid", 200, current)
    j.facts["paid_order"] = current
    return f"paid through the simulator: {current['status']}, pickup number {current['pickup_no']}"


def printed_on(j: Journey, order_id: str) -> dict[str, int]:
    """How many printed tickets of the order each simulated printer holds."""
    status, state = Client(j.base_url).call("GET", "/sim/feieyun/_control/state")
    expect(status == 200, "read the printer simulator", status, state)
    return {p["name"]: sum(1 for job in p["jobs"] if job["printed"] and order_id in job["content"])
            for p in state["printers"] if any(order_id in job["content"] for job in p["jobs"])}


def step_tickets(j: Journey) -> str:
    order_id = j.facts["paid_order"]["order_id"]
    printers = j.wait_for("kitchen tickets and the receipt on the printers",
                          lambda: (p := printed_on(j, order_id)) and len(p) >= 3 and all(p.values()) and p)
    expect({"热菜", "吧台", "前台"} <= printers.keys(), "tickets for the wok and bar stations and a receipt",
           200, printers)
    _, order = j.guest("alice").call("GET", f"/orders/orders/{order_id}")
    return f"printed on {', '.join(f'{name}×{n}' for name, n in sorted(printers.items()))}; order is {order['status']}"


def pay_for(j: Journey, guest: str, items: list[dict]) -> dict:
    body = {"store_id": STORE, "mode": "takeout", "items": items}
    status, order = j.guest(guest).call("POST", "/place_order/orders", body, {"Idempotency-Key": str(uuid.uuid4())})
    expect(status == 201, "place an order", status, order)
    prepay_id = order["pay_params"]["package"].removeprefix("prepay_id=")
    status, answer = Client(j.base_url).call("POST", "/sim/wxpay/pay", {"prepay_id": prepay_id})
    expect(status == 200, "pay in the WeChat Pay simulator", status, answer)
    return order


def dish_in_menu(j: Journey, dish_id: str) -> dict:
    status, menu = j.guest("alice").call("GET", f"/menu/stores/{STORE}/menu")
    expect(status == 200, "read the menu", status, menu)
    return next(d for c in menu["categories"] for d in c["dishes"] if d["dish_id"] == dish_id)


def step_sold_out(j: Journey) -> str:
    """蟹粉小笼包 uses 40 g of crab; the demo store holds 120 g with a safety threshold of 80 g."""
    for _ in range(3):
        pay_for(j, "carol", [{"dish_id": "d-xiaolongbao", "qty": 1}])
    dish = j.wait_for("蟹粉小笼包 to turn sold out", lambda: (d := dish_in_menu(j, "d-xiaolongbao"))["sold_out"] and d)
    return f"three paid orders used the crab up: {dish['name']} is sold out in the menu"


def step_offers_delivery_points(j: Journey) -> str:
    """A new guest claims the new-guest coupon, orders delivery over ¥100 (满100减20 + 新客券), pays, the
    simulated rider delivers, and the completed order earns points."""
    dave = j.guest("dave")
    status, coupon = dave.call("POST", "/orders/coupons/tpl-new-guest/claim")
    expect(status == 200, "claim the new-guest coupon", status, coupon)
    address = {"contact": "王小姐", "phone": "13812345678", "text": "上海市静安区南京西路1000号", "lat": 31.2260,
               "lng": 121.4560}
    body = {"store_id": STORE, "mode": "delivery", "address": address, "coupon_id": coupon["coupon_id"],
            "items": [{"dish_id": "d-hongshao", "qty": 1}, {"dish_id": "d-tangcu", "qty": 1},
                      {"dish_id": "d-cola", "qty": 1}]}
    status, quote = dave.call("POST", "/place_order/quote", body)
    expect(status == 200 and len(quote["discounts"]) >= 2, "a quote with both offers", status, quote)
    Client(j.base_url).call("POST", "/sim/dada/_control/speed", {"step_seconds": 0.5})
    status, order = dave.call("POST", "/place_order/orders", body, {"Idempotency-Key": str(uuid.uuid4())})
    expect(status == 201 and order["total_fen"] == quote["total_fen"], "charged exactly the quote", status, order)
    prepay_id = order["pay_params"]["package"].removeprefix("prepay_id=")
    Client(j.base_url).call("POST", "/sim/wxpay/pay", {"prepay_id": prepay_id})

    def delivered():
        code, current = dave.call("GET", f"/orders/orders/{order['order_id']}")
        return current if code == 200 and current["status"] == "COMPLETED" else None

    done = j.wait_for("the rider to deliver", delivered, timeout=60)
    steps = [step["status"] for step in (done.get("delivery") or {}).get("steps", [])]
    me = j.wait_for("points for the completed order",
                    lambda: (m := dave.call("GET", "/orders/me")[1]) and m.get("points", 0) > 0 and m)
    expect(all(c["coupon_id"] != coupon["coupon_id"] for c in me["coupons"]), "the coupon is used", 200, me)
    return (f"{' + '.join(quote['explain'])}; delivered ({len(steps)} courier steps), "
            f"{me['points']} points, level {me['level'].get('name', '')}")


def step_table(j: Journey) -> str:
    """Two guests scan table A2: one session, one shared cart; each adds a dish; round one goes to the
    kitchen (paid first), then bob adds more: round two, an add-on (加菜) for the same table."""
    status, codes = Client(j.base_url).call("GET", f"/dev/table-codes/{STORE}")
    expect(status == 200, "the table codes (what the printed QR codes carry)", status, codes)
    scene = codes["scenes"]["A2"]
    sessions = {}
    for name in ("erin", "frank"):
        status, joined = j.guest(name).call("POST", "/tables/tables/sessions", {"scene": scene, "nickname": name})
        expect(status == 200, f"{name} scans table A2", status, joined)
        sessions[name] = joined["session_id"]
    expect(sessions["erin"] == sessions["frank"], "both guests share one table session")
    session = sessions["erin"]
    base = f"/tables/tables/sessions/{session}"
    for name, dish in (("erin", "d-mapo"), ("frank", "d-rice")):
        options = ["spicy-mild"] if dish == "d-mapo" else []
        status, answer = j.guest(name).call("POST", f"{base}/cart/lines", {"dish_id": dish, "qty": 1, "options": options})
        expect(status == 200, f"{name} adds {dish} to the shared cart", status, answer)
    status, cart = j.guest("erin").call("GET", f"{base}/cart")
    authors = sorted({line["added_by"] for line in cart["lines"]})
    expect(status == 200 and len(cart["lines"]) == 2, "the cart holds both guests' lines", status, cart)
    rounds = []
    for name, follow_up in (("erin", "d-cola"), ("frank", None)):
        status, cart = j.guest(name).call("GET", f"{base}/cart")
        status, placed = j.guest(name).call("POST", f"{base}/rounds", {"version": cart["version"]})
        expect(status == 200, f"{name} sends round {len(rounds) + 1} to the kitchen", status, placed)
        rounds.append(placed["round"])
        if placed.get("pay_params"):
            prepay_id = placed["pay_params"]["package"].removeprefix("prepay_id=")
            Client(j.base_url).call("POST", "/sim/wxpay/pay", {"prepay_id": prepay_id})
        if follow_up:
            j.guest("frank").call("POST", f"{base}/cart/lines", {"dish_id": follow_up, "qty": 2, "options": []})
    status, bill = j.guest("frank").call("GET", f"{base}/bill")
    expect(status == 200, "the table's bill", status, bill)
    expect(len(bill["orders"]) == 2, "two rounds on the table's bill", status, bill)
    return (f"one session for {' and '.join(authors)}; rounds {[r['round_no'] for r in rounds]} sent to the kitchen; "
            f"the table's orders total {sum(o['total_fen'] for o in bill['orders'])} fen")


STEPS: list[tuple[str, Callable[[Journey], str]]] = [
    ("log in as test-alice", step_login),
    ("list stores, nearest first", step_stores),
    ("read a store's menu", step_menu),
    ("quote three dishes with spec options", step_quote),
    ("place the order twice with one Idempotency-Key", step_place_twice),
    ("read it back and list alice's orders", step_read_back),
    ("test-bob cannot read alice's order", step_privacy),
    ("cancel it: the portions are back", step_cancel),
    ("order again and pay with WeChat Pay", step_pay),
    ("kitchen tickets on two stations and a receipt", step_tickets),
    ("an ingredient runs low and a dish turns sold out", step_sold_out),
    ("coupon + full reduction, delivery by courier, points earned", step_offers_delivery_points),
    ("two guests at one table, two rounds", step_table),
]


def run(base_url: str, out=print) -> bool:
    journey = Journey(base_url)
    for number, (title, step) in enumerate(STEPS, 1):
        try:
            outcome = step(journey)
        except (StepFailed, KeyError, StopIteration, TypeError) as error:
            out(f"✗ {number:2d}. {title}: {error!r}")
            return False
        out(f"✓ {number:2d}. {title}: {outcome}")
    return True


def main() -> int:
    import os

    from local.stack import LocalStack

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the steps are the output; logs stay quiet

    with LocalStack(port=0, moto_port=0) as stack:
        print(f"local stack at {stack.base_url}")
        ok = run(stack.base_url)
    print("demo journey passed" if ok else "demo journey FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
