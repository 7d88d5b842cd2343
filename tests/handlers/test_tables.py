"""Dine-in tables through the tables function and the console's service functions: table codes, sessions,
the shared cart, pay-after rounds and the bill, staff ordering with counter payment, service calls."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import http_call

pytestmark = pytest.mark.handlers

STORE = "sh-jingan"
GONGBAO = {"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}
QINGCAI = {"dish_id": "d-qingcai", "qty": 1, "options": []}
OFFERS = {"full_reductions": [{"offer_id": "fr-table", "tiers": [{"threshold_fen": 5000, "off_fen": 800}]}]}


@pytest.fixture
def tables(demo_chain):
    """The demo chain with sh-jingan in pay-after mode and a 满50减8 offer."""
    from diancan import bootstrap

    repository = bootstrap.repository()
    store = repository.load_menu(STORE).store
    repository.put_store(store.model_copy(update={"settings": {**store.settings, "table_payment": "pay_after",
                                                                "offers": OFFERS}}))
    return store


@pytest.fixture
def published(tables, monkeypatch) -> list:
    """Events the product publishes, captured instead of sent to the bus."""
    from diancan import bootstrap

    events: list = []
    monkeypatch.setattr(bootstrap.event_bus(), "publish", events.extend)
    return events


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def scene(table_no: str = "A3") -> str:
    from diancan import bootstrap

    return bootstrap.table_codes().scene_for(STORE, table_no)


def guest(name: str, guest_token) -> dict:
    return {"authorization": f"Bearer {guest_token(name)}"}


def join(name: str, guest_token, table_no: str = "A3") -> dict:
    status, body = http_call("tables", "tables/post_join", body={"scene": scene(table_no), "nickname": name},
                             headers=guest(name, guest_token))
    assert status == 200, body
    return body


def add(session_id: str, name: str, item: dict, guest_token) -> tuple[int, dict]:
    return http_call("tables", "tables/post_line", body=item, headers=guest(name, guest_token),
                     path=f"/tables/sessions/{session_id}/cart/lines")


def cart(session_id: str, name: str, guest_token, since: int | None = None) -> dict:
    status, body = http_call("tables", "tables/get_cart", headers=guest(name, guest_token),
                             path=f"/tables/sessions/{session_id}/cart",
                             query={} if since is None else {"since": since})
    assert status == 200, body
    return body


def submit(session_id: str, name: str, version: int, guest_token) -> tuple[int, dict]:
    return http_call("tables", "tables/post_round", body={"version": version}, headers=guest(name, guest_token),
                     path=f"/tables/sessions/{session_id}/rounds")


def test_a_table_code_resolves_to_its_store_and_table(tables):
    status, body = http_call("tables", "tables/get_resolve", query={"scene": scene()})
    assert status == 200 and body["store_id"] == STORE and body["table_no"] == "A3"


@pytest.mark.parametrize("edit", [lambda s: s.replace(".A3.", ".A4."), lambda s: s[:-1] + ("B" if s[-1] != "B" else "C"),
                                  lambda s: s[:20], lambda s: "sh-jingan.A3.0000000000A"])
def test_a_forged_or_edited_table_code_is_refused(tables, edit):
    status, body = http_call("tables", "tables/get_resolve", query={"scene": edit(scene())})
    assert status == 404 and body["code"] == "TABLE_CODE_INVALID"


def test_a_code_of_a_removed_table_answers_that_the_table_is_not_in_use(tables):
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import TableRecord

    TableRecord(keys.store(STORE), keys.table("B4")).delete()
    status, body = http_call("tables", "tables/get_resolve", query={"scene": scene("B4")})
    assert status == 404 and body["code"] == "TABLE_REMOVED"
    assert bootstrap.table_codes().resolve(scene("B3"))["table_no"] == "B3"


def test_guests_who_scan_one_table_share_one_session_and_see_who_added_each_line(tables, guest_token):
    first, second = join("alice", guest_token), join("bob", guest_token)
    assert first["session_id"] == second["session_id"] and set(second["guests"]) == {"alice", "bob"}
    session_id = first["session_id"]
    assert add(session_id, "alice", GONGBAO, guest_token)[0] == 200
    seen = cart(session_id, "bob", guest_token)
    assert [(line["added_by"], line["mine"]) for line in seen["lines"]] == [("alice", False)]
    assert cart(session_id, "bob", guest_token, since=seen["version"]) == {"changed": False,
                                                                         "version": seen["version"], "status": "open"}
    status, body = add(session_id, "mallory", GONGBAO, guest_token)
    assert status == 403 and body["code"] == "NOT_AT_TABLE"


def two_rounds(guest_token) -> tuple[str, dict, dict]:
    """Alice and Bob at A3: Alice sends 宫保鸡丁 (38.00), then Bob sends 清炒时蔬 (18.00)."""
    session_id = join("alice", guest_token)["session_id"]
    join("bob", guest_token)
    add(session_id, "alice", GONGBAO, guest_token)
    status, first = submit(session_id, "alice", cart(session_id, "alice", guest_token)["version"], guest_token)
    assert status == 200, first
    add(session_id, "bob", QINGCAI, guest_token)
    status, second = submit(session_id, "bob", cart(session_id, "bob", guest_token)["version"], guest_token)
    assert status == 200, second
    return session_id, first, second


def test_pay_after_rounds_go_to_the_kitchen_at_once_and_print_only_their_new_lines(tables, published, guest_token):
    from diancan import bootstrap
    from diancan.domain.printing import PrintRequest, ticket_order

    session_id, first, second = two_rounds(guest_token)
    assert first["pay_params"] is None and second["round"]["order_id"] == first["round"]["order_id"]
    assert cart(session_id, "alice", guest_token)["lines"] == []
    prints = [e.detail for e in published if e.name == "PrintRequested"]
    assert [(p.get("round_no"), p["line_indexes"]) for p in prints] == [(1, [0]), (2, [1])]
    tab = bootstrap.repository().get_order(first["round"]["order_id"], consistent=True)
    assert tab.status == "PENDING_PAYMENT" and "TABLE_TAB" in tab.flags and len(tab.lines) == 2
    store = bootstrap.repository().load_menu(STORE).store
    printed = ticket_order(tab, store, {}, PrintRequest.model_validate(prints[1]))
    assert [line.name for line in printed.lines] == ["清炒时蔬"] and printed.round_no == 2


def test_one_guest_pays_the_whole_pay_after_bill_with_offers_applied_once(live, tables, guest_token):
    from diancan import bootstrap

    session_id, first, _ = two_rounds(guest_token)
    assert first["round"]["items_fen"] < 5000  # no round alone reaches 满50减8
    status, bill = http_call("tables", "tables/post_checkout", headers=guest("bob", guest_token),
                             path=f"/tables/sessions/{session_id}/checkout")
    assert status == 200, bill
    assert (bill["bill"]["items_fen"], bill["bill"]["discount_fen"], bill["bill"]["total_fen"]) == (5600, 800, 4800)
    assert bill["pay_params"]["package"].startswith("prepay_id=")
    status, other = http_call("tables", "tables/post_checkout", headers=guest("alice", guest_token),
                              path=f"/tables/sessions/{session_id}/checkout")
    assert status == 409 and other["code"] == "BILL_IN_PAYMENT"
    status, late = submit(session_id, "alice", cart(session_id, "alice", guest_token)["version"], guest_token)
    assert status == 409 and late["code"] == "TABLE_SETTLING"

    trade = next(t for t in live.wxpay.state()["transactions"] if t["out_trade_no"] == bill["order_id"])
    assert trade["amount"]["total"] == 4800
    live.wxpay.pay(trade["prepay_id"])
    service = bootstrap.tables()
    paid = wait_for(lambda: service.bill("openid-bob", session_id)["unpaid"] is False)
    assert paid
    assert service.close(session_id, "waiter")["status"] == "closed"
    assert bootstrap.repository().get_order(bill["order_id"], consistent=True).status == "COMPLETED"


def test_staff_order_and_counter_payment_end_completed_with_a_counter_voucher_in_the_chain(tables, published):
    from diancan import bootstrap
    from diancan.domain.cart import CartItem
    from diancan.domain.errors import Conflict
    from diancan.domain.payments import first_broken_link
    from diancan.domain.tables import CounterMethod

    service = bootstrap.tables()
    opened = service.staff_open(STORE, "B1", "cashier")
    session_id = opened["session_id"]
    service.staff_round(session_id, [CartItem(**GONGBAO)], "cashier")
    service.staff_round(session_id, [CartItem(**QINGCAI), CartItem(dish_id="d-cola", qty=2)], "waiter")
    with pytest.raises(Conflict) as refused:
        service.close(session_id, "cashier")
    assert refused.value.code == "TABLE_UNPAID"
    assert service.open_tables(STORE)[0]["unpaid"] is True

    paid = service.pay_at_counter(session_id, CounterMethod.CASH, "cashier")
    assert paid["status"] == "PAID" and paid["bill"]["total_fen"] == 3800 + 1800 + 1000 - 800
    closed = service.close(session_id, "cashier")
    order = bootstrap.repository().get_order(paid["order_id"], consistent=True)
    assert closed["status"] == "closed" and order.status == "COMPLETED" and order.pickup_no == 1
    vouchers = list(bootstrap.payment_table().vouchers(STORE))
    assert [(v.order_id, v.method, v.amount_fen, v.payer) for v in vouchers] == [
        (order.order_id, "counter:cash", order.total_fen, "staff:cashier")]
    assert first_broken_link(vouchers) is None
    assert [e.detail["order_id"] for e in published if e.name == "OrderPaid"] == [order.order_id]
    assert service.open_tables(STORE) == []
    assert service.pay_at_counter(session_id, CounterMethod.CASH, "cashier")["status"] == "COMPLETED"
    assert len(list(bootstrap.payment_table().vouchers(STORE))) == 1  # paying again changes nothing


def test_a_closed_session_ends_and_the_next_scan_opens_a_new_one(tables, guest_token):
    from diancan import bootstrap

    first = join("alice", guest_token)["session_id"]
    bootstrap.tables().close(first, "waiter")
    status, body = add(first, "alice", GONGBAO, guest_token)
    assert status == 409 and body["code"] == "TABLE_CLOSED"
    second = join("carol", guest_token)["session_id"]
    assert second != first and join("alice", guest_token)["session_id"] == second


def test_a_guest_calls_a_waiter_and_the_call_stays_open_for_the_console_until_answered(tables, guest_token):
    from diancan import bootstrap

    session_id = join("alice", guest_token)["session_id"]
    status, call = http_call("tables", "tables/post_call", body={"kind": "bill"}, headers=guest("alice", guest_token),
                             path=f"/tables/sessions/{session_id}/calls")
    assert status == 200 and call["kind"] == "bill"
    service = bootstrap.tables()
    assert [(c["table_no"], c["kind"], c["by"]) for c in service.open_calls(STORE)] == [("A3", "bill", "alice")]
    assert service.answer_call(session_id, call["call_id"], "waiter") is True
    assert service.answer_call(session_id, call["call_id"], "waiter") is False
    assert service.open_calls(STORE) == []


def test_samples_are_function_url_events():
    from tests.conftest import load_event

    for name in ("get_resolve", "post_join", "get_cart", "post_line", "put_line", "post_round", "get_bill",
                 "post_checkout", "post_call"):
        event = load_event(f"tables/{name}")
        assert event["version"] == "2.0" and event["rawPath"].startswith("/tables/")
        json.loads(event.get("body") or "{}")
