"""Money-moving console actions run once per request key, through the console's routes with the real payment
service and the WeChat Pay simulator: a refund posted twice (double click, browser retry) refunds once and is
audited once, the repeat answering the first result; two keys are two refunds; no key is refused before
anything is read; the key again with another amount is refused. The tip, refund-and-close and counter-payment
routes need a key as well, and the pages mint one per form."""

from __future__ import annotations

import re

import pytest

from tests.console.conftest import BASE, FakeDelivery, login
from tests.handlers.test_payments import paid_order as paid_in_simulator
from tests.handlers.test_payments import wait_for

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"


@pytest.fixture
def fakes():
    """The console's refunds go through bootstrap.payments() to the WeChat Pay simulator; the courier platform
    is a stand-in that records each move."""
    return {"delivery": FakeDelivery()}


def _refunds_at_wechatpay(live, order_id: str) -> list[int]:
    return [r["amount"]["refund"] for r in live.wxpay.state()["refunds"] if r["out_trade_no"] == order_id]


def _refund_audits(console, order_id: str) -> list:
    return [e for e in console.audit.recent(STORE) if e.target == order_id and e.action.startswith("order.")]


def _detail(client, order_id: str) -> str:
    return client.get(f"/s/{STORE}/orders/{order_id}", base_url=BASE).get_data(as_text=True)


def _post(client, csrf: str, path: str, body: dict, **headers):
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf, **headers}, base_url=BASE)


def test_a_refund_posted_twice_with_the_pages_key_refunds_once_and_answers_the_first_result(
        live, guest_token, console, make_app):
    from diancan import bootstrap

    order = paid_in_simulator(live, guest_token(), key="console-once-key-01")
    client = make_app().test_client()
    csrf = login(client, "jingan")
    page = _detail(client, order["order_id"])
    keys = re.findall(r'name="request_key" value="([^"]+)"', page)
    assert len(keys) == 3 and len(set(keys)) == 3  # reject, amount and by-line forms: one key each
    path = f"/s/{STORE}/orders/{order['order_id']}/refund"
    body = {"amount_yuan": "5", "reason": "汤凉了", "request_key": keys[1]}

    first, again = _post(client, csrf, path, body), _post(client, csrf, path, body)

    assert (first.status_code, again.status_code) == (200, 200), again.get_data(as_text=True)
    assert again.get_json() == first.get_json()
    assert [r.amount_fen for r in bootstrap.payment_table().refunds(order["order_id"])] == [500]
    wait_for(lambda: _refunds_at_wechatpay(live, order["order_id"]) == [500])
    assert len(_refund_audits(console, order["order_id"])) == 1

    other = _post(client, csrf, path, {**body, "request_key": keys[2]})
    assert other.status_code == 200 and other.get_json()["refund"]["out_refund_no"] != first.get_json()["refund"][
        "out_refund_no"]
    assert sorted(r.amount_fen for r in bootstrap.payment_table().refunds(order["order_id"])) == [500, 500]
    assert len(_refund_audits(console, order["order_id"])) == 2


def test_a_plain_form_refund_resent_by_the_browser_redirects_alike_and_refunds_once(
        live, guest_token, console, make_app):
    from diancan import bootstrap

    order = paid_in_simulator(live, guest_token(), key="console-once-key-02")
    client = make_app().test_client()
    login(client, "jingan")
    page = _detail(client, order["order_id"])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    key = re.findall(r'name="request_key" value="([^"]+)"', page)[2]  # the by-line form
    form = {"csrf_token": csrf, "request_key": key, "line": "0", "reason": "少送一份"}
    path = f"/s/{STORE}/orders/{order['order_id']}/refund"

    answers = [client.post(path, data=form, base_url=BASE) for _ in range(2)]

    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert len(bootstrap.payment_table().refunds(order["order_id"])) == 1
    assert len(_refund_audits(console, order["order_id"])) == 1


def test_a_refund_without_a_key_is_refused_and_the_key_again_with_another_amount_too(
        live, guest_token, console, make_app):
    from diancan import bootstrap

    order = paid_in_simulator(live, guest_token(), key="console-once-key-03")
    client = make_app().test_client()
    csrf = login(client, "jingan")
    path = f"/s/{STORE}/orders/{order['order_id']}/refund"

    missing = _post(client, csrf, path, {"amount_yuan": "5"})
    assert missing.status_code == 400 and missing.get_json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    assert bootstrap.payment_table().refunds(order["order_id"]) == []

    by_header = _post(client, csrf, path, {"amount_yuan": "5"}, **{"Idempotency-Key": "script-refund-0001"})
    assert by_header.status_code == 200
    reused = _post(client, csrf, path, {"amount_yuan": "6"}, **{"Idempotency-Key": "script-refund-0001"})
    assert reused.status_code == 409 and reused.get_json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert [r.amount_fen for r in bootstrap.payment_table().refunds(order["order_id"])] == [500]


def test_a_refused_refund_leaves_its_key_free_for_the_corrected_retry(live, guest_token, console, make_app):
    from diancan import bootstrap

    order = paid_in_simulator(live, guest_token(), key="console-once-key-04")
    client = make_app().test_client()
    csrf = login(client, "jingan")
    path = f"/s/{STORE}/orders/{order['order_id']}/refund"
    body = {"reject": "1", "reason": "not one of the reasons", "request_key": "reject-click-000001"}
    assert _post(client, csrf, path, body).get_json()["code"] == "REJECT_REASON"
    fixed = _post(client, csrf, path, {**body, "reason": "菜品售罄"})
    assert fixed.status_code == 200, fixed.get_data(as_text=True)
    assert _post(client, csrf, path, {**body, "reason": "菜品售罄"}).get_json() == fixed.get_json()
    assert len(bootstrap.payment_table().refunds(order["order_id"])) == 1
    assert [e.action for e in _refund_audits(console, order["order_id"])] == ["order.reject"]


def test_a_tab_paid_at_the_counter_twice_with_one_key_is_audited_once_and_answered_alike(console, make_app):
    from diancan import bootstrap
    from diancan.domain.cart import CartItem

    repository = bootstrap.repository()
    store = repository.load_menu(STORE).store
    repository.put_store(store.model_copy(update={"settings": {**store.settings, "table_payment": "pay_after"}}))
    tables = bootstrap.tables()
    session_id = tables.staff_open(STORE, "B1", "cashier")["session_id"]
    tables.staff_round(session_id, [CartItem(dish_id="d-cola", qty=2)], "cashier")
    client = make_app().test_client()
    csrf = login(client, "cashier")
    page = client.get(f"/s/{STORE}/tables", base_url=BASE).get_data(as_text=True)
    key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    path = f"/s/{STORE}/tables/{session_id}/pay"

    answers = [_post(client, csrf, path, {"method": "cash", "request_key": key}) for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200] and answers[0].get_json() == answers[1].get_json()
    assert [e.action for e in console.audit.recent(STORE) if e.action == "table.pay"] == ["table.pay"]
    assert len(list(bootstrap.payment_table().vouchers(STORE))) == 1


@pytest.mark.parametrize("route", ["delivery/tip", "delivery/refund-close"])
def test_the_delivery_money_moves_need_a_key_and_happen_once_per_key(console, make_app, paid_order, fakes, route):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    path = f"/s/{STORE}/orders/{paid_order.order_id}/{route}"
    missing = _post(client, csrf, path, {"tip_fen": 300})
    assert missing.status_code == 400 and missing.get_json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    answers = [_post(client, csrf, path, {"tip_fen": 300, "request_key": "courier-move-0001"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200] and answers[0].get_json() == answers[1].get_json()
    assert len(fakes["delivery"].moves) == 1
    assert len([e for e in console.audit.recent(STORE) if e.action.startswith("delivery.")]) == 1


def test_a_cashiers_refunds_of_one_order_stop_at_their_daily_limit_for_it(live, guest_token, console, make_app):
    """The demo cashier may refund ¥50 a time and, by default, ¥50 of one order a day: two ¥30 refunds, each
    within the per-refund limit, are one too many."""
    from diancan import bootstrap

    order = paid_in_simulator(live, guest_token(), key="console-day-limit-1")
    client = make_app().test_client()
    csrf = login(client, "cashier")
    path = f"/s/{STORE}/orders/{order['order_id']}/refund"
    first = _post(client, csrf, path, {"amount_yuan": "30", "request_key": "cashier-refund-0001"})
    second = _post(client, csrf, path, {"amount_yuan": "30", "request_key": "cashier-refund-0002"})
    third = _post(client, csrf, path, {"amount_yuan": "20", "request_key": "cashier-refund-0003"})

    assert first.status_code == 200, first.get_data(as_text=True)
    assert second.status_code == 403 and second.get_json()["code"] == "REFUND_DAY_LIMIT"
    assert second.get_json()["details"] == {"limit_fen": 5000, "refunded_today_fen": 3000, "amount_fen": 3000}
    assert third.status_code == 200  # up to the limit exactly
    assert sorted(r.amount_fen for r in bootstrap.payment_table().refunds(order["order_id"])) == [2000, 3000]


def test_two_concurrent_cashier_refunds_cannot_both_pass_the_daily_limit(live, guest_token, monkeypatch):
    """Both refunds read the order's refunds before either writes (a barrier holds them): each sees room for
    itself, and the refund write, conditional on the refund count they read, lets one through. (A repeat of
    the loser finds the winner's refund and is refused by the limit, as the sequential test shows.)"""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from diancan import bootstrap
    from diancan.domain.errors import DomainError

    order = paid_in_simulator(live, guest_token(), key="console-day-limit-2")
    payments, store = bootstrap.payments(), bootstrap.payment_table()
    barrier, read = threading.Barrier(2, timeout=20), store.refunds

    def refunds_then_wait(order_id: str):
        found = read(order_id)
        if threading.current_thread() is not threading.main_thread():
            barrier.wait()
        return found

    writing = threading.Lock()  # in-process moto is not thread-safe; DynamoDB orders the two writes itself

    def start_refund_in_turn(**fields):
        with writing:
            return start(**fields)

    start = store.start_refund
    monkeypatch.setattr(store, "refunds", refunds_then_wait)
    monkeypatch.setattr(store, "start_refund", start_refund_in_turn)

    def attempt(_) -> str:
        try:
            payments.refund(order["order_id"], 3000, reason="cold", by="staff:cashier-jingan", day_limit_fen=5000)
        except DomainError as refused:
            return refused.code
        return "refunded"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(attempt, range(2)))
    monkeypatch.undo()
    assert outcomes == ["REFUND_IN_PROGRESS", "refunded"]
    assert [r.amount_fen for r in store.refunds(order["order_id"])] == [3000]


def test_every_form_of_a_money_moving_route_carries_a_request_key_minted_with_the_page():
    """Static check of the templates (some forms show only in states hard to reach here, e.g. NEEDS_STAFF)."""
    from pathlib import Path

    import diancan.console

    money = ("orders.refund", "delivery.tip", "delivery.refund_and_close", "tables.pay_at_counter")
    templates = Path(diancan.console.__file__).parent / "templates"
    forms = [form for page in templates.glob("*.html")
             for form in re.findall(r"<form\b.*?</form>", page.read_text(encoding="utf-8"), re.S)]
    keyed = [f for f in forms if any(f"url_for('{endpoint}'" in f for endpoint in money)
             or 'data-action-form="refund"' in f]
    assert len(keyed) == 6  # reject, refund by amount, refund by line, tip, refund-and-close, counter payment
    assert all('<input type="hidden" name="request_key" value="{{ new_request_key() }}">' in f for f in keyed)
    script = (Path(diancan.console.__file__).parent / "static" / "console.js").read_text(encoding="utf-8")
    assert "request_key: form.elements.request_key.value" in script


def test_a_refund_by_line_keeps_its_lines_for_the_kitchens_cancel_ticket_and_one_by_amount_none(
        live, guest_token, console, make_app):
    from diancan import bootstrap

    order = paid_in_simulator(live, guest_token(), key="console-lines-key-01")
    client = make_app().test_client()
    csrf = login(client, "jingan")
    path = f"/s/{STORE}/orders/{order['order_id']}/refund"
    by_line = _post(client, csrf, path, {"lines": [0], "reason": "菜品售罄", "request_key": "by-line-refund-0001"})
    assert by_line.status_code == 200, by_line.get_data(as_text=True)
    assert by_line.get_json()["refund"]["line_indexes"] == [0]
    by_amount = _post(client, csrf, path, {"amount_yuan": "1", "request_key": "by-amount-refund-0001"})
    assert by_amount.status_code == 200, by_amount.get_data(as_text=True)
    assert [r.line_indexes for r in bootstrap.payment_table().refunds(order["order_id"])] == [[0], None]
    bad = _post(client, csrf, path, {"lines": [99], "request_key": "by-line-refund-0002"})
    assert bad.status_code == 400 and bad.get_json()["code"] == "INVALID_LINES"


def test_a_partially_refunded_order_is_marked_on_the_kitchen_overview_and_a_fully_refunded_one_leaves_it(
        live, guest_token, console, make_app):
    partly = paid_in_simulator(live, guest_token(), key="console-kitchen-key-1")["order_id"]
    fully = paid_in_simulator(live, guest_token(), key="console-kitchen-key-2")["order_id"]
    client = make_app().test_client()
    csrf = login(client, "jingan")
    before = client.get(f"/s/{STORE}/kitchen", base_url=BASE).get_data(as_text=True)
    assert before.count("部分退款") == 0
    for order_id, body in ((partly, {"amount_yuan": "1"}), (fully, {})):
        answer = _post(client, csrf, f"/s/{STORE}/orders/{order_id}/refund", {**body, "request_key": f"k-{order_id}"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
    queue = client.get(f"/api/s/{STORE}/kitchen", base_url=BASE).get_json()["orders"]
    assert partly in [o["order_id"] for o in queue] and fully not in [o["order_id"] for o in queue]
    assert client.get(f"/s/{STORE}/kitchen", base_url=BASE).get_data(as_text=True).count("部分退款") == 1
