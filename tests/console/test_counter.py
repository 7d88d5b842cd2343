"""The counter (POS) through the console's routes on moto with the real ordering, payment and table services:
a walk-in order priced on the server like the mini-program's, paid in cash (change answered), by card, by a
payment code (``other`` with its transaction id) or added to an open table's bill; a double submit pays once;
another store's cashier is refused; cash short of the total writes nothing."""

from __future__ import annotations

import re

import pytest

from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"
ORDERS = f"/api/s/{STORE}/counter/orders"
CART = [{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}, {"dish_id": "d-cola", "qty": 2}]


def _post(client, csrf: str, path: str, body: dict, **headers):
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf, **headers}, base_url=BASE)


def _server_total() -> int:
    """What the mini-program's pricing charges for CART as takeout now (the store's offers applied)."""
    from diancan import bootstrap
    from diancan.domain.order import OrderRequest

    return bootstrap.ordering().quote(OrderRequest(store_id=STORE, mode="takeout", items=CART)).total_fen


def _vouchers(order_id: str) -> list:
    from diancan import bootstrap

    return bootstrap.payment_table().order_vouchers(order_id)


def _counter_orders_today() -> list:
    from diancan.adapters.order_search import DayOrders
    from diancan.domain.clock import business_day, utcnow

    return [o for o, _ in DayOrders().of_day(STORE, business_day(utcnow()).isoformat()) if o.channel == "counter"]


def _sell(client, csrf: str, key: str, **payment):
    return _post(client, csrf, ORDERS, {"items": CART, "remark": "少冰", **payment}, **{"Idempotency-Key": key})


@pytest.fixture
def cashier(make_app):
    client = make_app().test_client()
    return client, login(client, "cashier")


def test_a_counter_order_paid_in_cash_answers_the_change_and_is_paid_with_a_counter_voucher(console, cashier):
    from diancan import bootstrap

    client, csrf = cashier
    total = _server_total()
    answer = _sell(client, csrf, "counter-cash-000001", payment="cash", tendered_fen=total + 1234)

    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert (body["tendered_fen"], body["change_fen"]) == (total + 1234, 1234)
    order = bootstrap.repository().get_order(body["order"]["order_id"], consistent=True)
    assert (order.status.value, order.channel.value, order.mode, order.total_fen) == ("PAID", "counter", "takeout",
                                                                                     total)
    assert order.remark == "少冰" and order.pickup_no == body["order"]["pickup_no"] is not None
    assert "OrderPaid" in order.published  # the tickets print from the same event as any paid order
    [voucher] = _vouchers(order.order_id)
    assert (voucher.method, voucher.amount_fen, voucher.payer) == ("counter:cash", total, "staff:cashier-jingan")
    assert voucher.raw == {"tendered_fen": total + 1234, "change_fen": 1234}
    assert [e.action for e in console.audit.recent(STORE) if e.target == order.order_id] == ["counter.sale"]


def test_a_price_sent_by_the_client_is_never_used(console, cashier):
    client, csrf = cashier
    total = _post(client, csrf, ORDERS, {"items": CART, "payment": "card", "total_fen": 1},
                  **{"Idempotency-Key": "counter-price-00001"})
    assert total.status_code == 400 and total.get_json()["details"]["fields"] == ["total_fen"]
    assert _counter_orders_today() == []
    cheap = [{**line, "price_fen": 1, "base_price_fen": 1} for line in CART]
    answer = _post(client, csrf, ORDERS, {"items": cheap, "payment": "card"},
                   **{"Idempotency-Key": "counter-price-00002"})
    assert answer.status_code == 200 and answer.get_json()["order"]["total_fen"] == _server_total()


def test_a_counter_order_paid_by_card(cashier):
    client, csrf = cashier
    answer = _sell(client, csrf, "counter-card-000001", payment="card")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    order = answer.get_json()["order"]
    assert order["status"] == "PAID" and order["channel"] == "counter"
    assert [(v.method, v.raw) for v in _vouchers(order["order_id"])] == [("counter:card", {})]


def test_a_payment_code_is_recorded_as_other_with_its_transaction_id(cashier):
    client, csrf = cashier
    missing = _sell(client, csrf, "counter-other-00001", payment="other")
    assert missing.status_code == 400 and missing.get_json()["code"] == "TRANSACTION_ID_REQUIRED"

    answer = _sell(client, csrf, "counter-other-00002", payment="other", transaction_id="4200001234202612050001")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["transaction_id"] == "4200001234202612050001"
    [voucher] = _vouchers(answer.get_json()["order"]["order_id"])
    assert (voucher.method, voucher.raw) == ("counter:other", {"transaction_id": "4200001234202612050001"})


def test_a_counter_order_added_to_an_open_tables_bill_goes_on_its_tab_unpaid(cashier):
    from diancan import bootstrap

    client, csrf = cashier
    tables = bootstrap.tables()
    session_id = tables.staff_open(STORE, "B3", "cashier")["session_id"]

    answer = _sell(client, csrf, "counter-table-00001", payment="table", session_id=session_id)

    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["round"]["on_tab"] and body["round"]["by"] == "staff:cashier-jingan"
    tab = bootstrap.repository().get_order(body["round"]["order_id"], consistent=True)
    assert tab.status.value == "PENDING_PAYMENT" and {line.dish_id for line in tab.lines} == {"d-gongbao", "d-cola"}
    assert _vouchers(tab.order_id) == []  # paid when the table settles
    bill = tables.bill("staff:cashier", session_id)
    assert bill["tab"]["order_id"] == tab.order_id and bill["unpaid"]


def test_a_double_submit_with_one_key_pays_once_and_answers_alike(console, cashier):

    client, csrf = cashier
    page = client.get(f"/s/{STORE}/counter", base_url=BASE).get_data(as_text=True)
    key = re.search(r'data-request-key="([^"]+)"', page).group(1)
    body = {"items": CART, "payment": "cash", "tendered_fen": 10000, "request_key": key}

    answers = [_post(client, csrf, ORDERS, body) for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200], answers[1].get_data(as_text=True)
    assert answers[0].get_json() == answers[1].get_json()
    order_id = answers[0].get_json()["order"]["order_id"]
    assert len(_vouchers(order_id)) == 1
    assert [e.target for e in console.audit.recent(STORE) if e.action == "counter.sale"] == [order_id]
    assert len(_counter_orders_today()) == 1
    again = _post(client, csrf, ORDERS, {**body, "tendered_fen": 20000})
    assert again.status_code == 409 and again.get_json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_a_sale_without_a_key_is_refused_before_anything_is_written(cashier):
    client, csrf = cashier
    answer = _post(client, csrf, ORDERS, {"items": CART, "payment": "card"})
    assert answer.status_code == 400 and answer.get_json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"


def test_cash_short_of_the_total_is_refused_and_writes_nothing(console, cashier):
    client, csrf = cashier
    answer = _sell(client, csrf, "counter-short-00001", payment="cash", tendered_fen=_server_total() - 1)
    assert answer.status_code == 422 and answer.get_json()["code"] == "CASH_SHORT"
    assert answer.get_json()["details"]["total_fen"] == _server_total()
    assert [e for e in console.audit.recent(STORE) if e.action == "counter.sale"] == []
    assert _counter_orders_today() == []


def test_a_cashier_of_another_store_is_refused(make_app):
    from diancan import bootstrap

    client = make_app().test_client()
    csrf = login(client, "cashier-xuhui")
    assert client.get(f"/s/{STORE}/counter", base_url=BASE).status_code == 403
    answer = _sell(client, csrf, "counter-other-store1", payment="card")
    assert answer.status_code == 403

    session_id = bootstrap.tables().staff_open(STORE, "B4", "cashier")["session_id"]
    own = _post(client, csrf, "/api/s/sh-xuhui/counter/orders",
                {"items": CART, "payment": "table", "session_id": session_id},
                **{"Idempotency-Key": "counter-other-store2"})
    assert own.status_code == 400 and own.get_json()["code"] == "TABLE_NOT_OPEN"  # not a table of their store


def test_the_counter_page_shows_the_menu_as_big_buttons_and_quotes_on_the_server(cashier):
    client, csrf = cashier
    page = client.get(f"/s/{STORE}/counter", base_url=BASE).get_data(as_text=True)
    assert 'data-dish="d-gongbao"' in page and 'data-cat=' in page and "counter.js" in page
    quote = _post(client, csrf, f"/api/s/{STORE}/counter/quote", {"items": CART})
    assert quote.status_code == 200 and quote.get_json()["total_fen"] == _server_total()
    menu = client.get(f"/api/s/{STORE}/counter/menu", base_url=BASE).get_json()
    gongbao = next(d for c in menu["categories"] for d in c["dishes"] if d["dish_id"] == "d-gongbao")
    assert [o["option_id"] for o in gongbao["option_groups"][0]["options"]][:2] == ["spicy-none", "spicy-mild"]
