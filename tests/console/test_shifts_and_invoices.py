"""Shift handover and invoice requests in the console (Flask test client, moto).

A cashier opens a shift with a float, takes cash at the counter, closes with the cash counted; the handover
page shows the shortage, the sheet is printed on the counter's receipt printer and kept; a double click closes
once; a cashier cannot touch another's shift, a manager can. A manager sees a guest's invoice request and
marks it issued once."""

from __future__ import annotations

import pytest

from tests.console.conftest import BASE, login, make_paid_order
from tests.services.fakes import FakePrinter

pytestmark = pytest.mark.handlers

STORE = "sh-jingan"


@pytest.fixture
def printer():
    return FakePrinter()


@pytest.fixture
def client_app(make_app, console, printer):
    from diancan import bootstrap
    from diancan.adapters.shift_table import ShiftTable
    from diancan.domain.tickets import Station
    from diancan.services.printing import PrintingService
    from diancan.services.shifts import ShiftService

    bootstrap.print_jobs().put_station(STORE, Station(station_id="front", name="前台", printer_sn="SN-FRONT",
                                                      receipt=True))
    printing = PrintingService(bootstrap.repository(), bootstrap.print_jobs(), printer)
    service = ShiftService(ShiftTable(), bootstrap.payment_table(), console.audit, lambda: printing,
                           tz=bootstrap.settings().business_tz)
    console.shifts = lambda: service
    return make_app()


def counter_paid(console, amount_fen: int, method: str, by: str) -> str:
    """A pending order of the store paid at the counter by ``by``: a counter voucher in the chain."""
    from diancan import bootstrap
    from diancan.domain.clock import iso, utcnow

    order = make_paid_order(console, paid=False)
    bootstrap.payment_table().mark_paid_at_counter(order_id=order.order_id, store_id=STORE, day=order.business_day,
                                                   amount_fen=amount_fen, method=method, at=iso(utcnow()), by=by)
    return order.order_id


def post(client, csrf, path, body):
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf}, base_url=BASE)


def test_a_handover_with_a_cash_shortage_shows_it_is_printed_and_kept(client_app, console, printer):
    client = client_app.test_client()
    csrf = login(client, "cashier")
    opened = post(client, csrf, f"/s/{STORE}/shifts/open", {"float_yuan": "500"})
    assert opened.status_code == 200, opened.get_json()
    shift_id = opened.get_json()["shift_id"]
    assert post(client, csrf, f"/s/{STORE}/shifts/open", {"float_yuan": "1"}).get_json()["code"] == "SHIFT_ALREADY_OPEN"

    first = counter_paid(console, 3800, "cash", "cashier-jingan")
    counter_paid(console, 2500, "card", "cashier-jingan")
    counter_paid(console, 9900, "cash", "mgr-jingan")  # another person's drawer

    closed = post(client, csrf, f"/s/{STORE}/shifts/{shift_id}/close", {"counted_yuan": "530"})
    assert closed.status_code == 200, closed.get_json()
    sheet = closed.get_json()["handover"]
    assert sheet["takings_fen"] == {"card": 2500, "cash": 3800}
    assert sheet["expected_cash_fen"] == 53800 and sheet["difference_fen"] == -800
    again = post(client, csrf, f"/s/{STORE}/shifts/{shift_id}/close", {"counted_yuan": "538"})
    assert again.get_json()["handover"]["difference_fen"] == -800  # the double click closed nothing new

    page = client.get(f"/s/{STORE}/shifts/{shift_id}", base_url=BASE).get_data(as_text=True)
    assert "短款" in page and "-8.00" in page and first in page, page
    assert "交班单已打印" in page, closed.get_json()["print_error"]
    assert len(printer.printed) == 1 and printer.printed[0][0] == "SN-FRONT" and "短款" in printer.printed[0][1]
    listing = client.get(f"/api/s/{STORE}/shifts", base_url=BASE).get_json()
    assert listing["current"] is None and [s["shift_id"] for s in listing["shifts"]] == [shift_id]
    assert {e.action for e in console.audit.recent(STORE, 10)} >= {"shift.open", "shift.close"}


def test_a_cashier_cannot_close_another_cashiers_shift_but_the_manager_can(client_app, console):
    manager, cashier = client_app.test_client(), client_app.test_client()
    manager_csrf, cashier_csrf = login(manager, "jingan"), login(cashier, "cashier")
    opened = post(manager, manager_csrf, f"/s/{STORE}/shifts/open", {"float_fen": "10000"})
    shift_id = opened.get_json()["shift_id"]
    assert opened.get_json()["staff_id"] == "mgr-jingan"

    refused = post(cashier, cashier_csrf, f"/s/{STORE}/shifts/{shift_id}/close", {"counted_fen": "10000"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "SHIFT_NOT_YOURS"
    assert cashier.get(f"/api/s/{STORE}/shifts/{shift_id}", base_url=BASE).status_code == 403

    for_cashier = post(manager, manager_csrf, f"/s/{STORE}/shifts/open",
                       {"float_fen": "0", "staff_id": "cashier-jingan"})
    assert for_cashier.get_json()["staff_id"] == "cashier-jingan"
    closed = post(manager, manager_csrf, f"/s/{STORE}/shifts/{for_cashier.get_json()['shift_id']}/close",
                  {"counted_fen": "0"})
    assert closed.status_code == 200 and closed.get_json()["closed_by"] == "mgr-jingan"
    assert closed.get_json()["handover"]["difference_fen"] == 0


def test_a_bad_amount_is_refused_and_opens_nothing(client_app):
    client = client_app.test_client()
    csrf = login(client, "cashier")
    for body in ({}, {"float_yuan": "abc"}, {"float_fen": "99999999999"}):
        answer = post(client, csrf, f"/s/{STORE}/shifts/open", body)
        assert answer.status_code == 400 and answer.get_json()["code"] == "INVALID_AMOUNT", body
    assert client.get(f"/api/s/{STORE}/shifts", base_url=BASE).get_json() == {"current": None, "shifts": []}


def test_staff_see_a_pending_invoice_and_mark_it_issued_once(client_app, console):
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import OrderRecord
    from diancan.domain.invoices import InvoiceRequest

    order = make_paid_order(console)  # the guest's (openid-alice); paid_fen as a payment writes it
    OrderRecord(keys.order(order.order_id), keys.ORDER).update(actions=[OrderRecord.paid_fen.set(order.total_fen)])
    bootstrap.invoices().request("openid-alice", order.order_id, InvoiceRequest(
        kind="company", title="上海点餐科技有限公司", tax_number="91310000MA1FL1234Q", email="f@example.com"))
    manager, cashier = client_app.test_client(), client_app.test_client()
    csrf = login(manager, "jingan")
    login(cashier, "cashier")
    assert cashier.get(f"/s/{STORE}/invoices", base_url=BASE).status_code == 403
    page = manager.get(f"/s/{STORE}/invoices", base_url=BASE).get_data(as_text=True)
    assert order.order_id in page and "上海点餐科技有限公司" in page and "openid-alice" not in page

    issued = post(manager, csrf, f"/s/{STORE}/invoices/{order.order_id}/issue", {"invoice_no": "24312000000012345678"})
    assert issued.status_code == 200 and issued.get_json()["status"] == "issued"
    again = post(manager, csrf, f"/s/{STORE}/invoices/{order.order_id}/issue", {"invoice_no": "11112222"})
    assert again.status_code == 409 and again.get_json()["code"] == "INVOICE_ALREADY_ISSUED"
    assert post(manager, csrf, f"/s/{STORE}/invoices/{order.order_id}/issue", {"invoice_no": "x"}).status_code == 400
    assert manager.get(f"/api/s/{STORE}/invoices", base_url=BASE).get_json() == {"pending": []}


def test_a_manager_reverses_an_issued_invoice_once_and_the_settlement_page_counts_it(client_app, console):
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import OrderRecord
    from diancan.domain.clock import business_day, utcnow
    from diancan.domain.invoices import InvoiceRequest

    order = make_paid_order(console)
    OrderRecord(keys.order(order.order_id), keys.ORDER).update(actions=[OrderRecord.paid_fen.set(order.total_fen)])
    bootstrap.invoices().request("openid-alice", order.order_id, InvoiceRequest(
        kind="personal", title="张三", email="z@example.com"))
    manager, cashier = client_app.test_client(), client_app.test_client()
    csrf, cashier_csrf = login(manager, "jingan"), login(cashier, "cashier")
    red = f"/s/{STORE}/invoices/{order.order_id}/reverse"
    early = post(manager, csrf, red, {"red_invoice_no": "24312000000000000099"})
    assert early.status_code == 409 and early.get_json()["code"] == "INVOICE_NOT_ISSUED"
    post(manager, csrf, f"/s/{STORE}/invoices/{order.order_id}/issue", {"invoice_no": "24312000000000000001"})
    assert post(cashier, cashier_csrf, red, {"red_invoice_no": "24312000000000000099"}).status_code == 403
    same = post(manager, csrf, red, {"red_invoice_no": "24312000000000000001"})
    assert same.status_code == 400 and same.get_json()["code"] == "INVALID_INVOICE_NO"

    done = post(manager, csrf, red, {"red_invoice_no": "24312000000000000099"})
    assert done.status_code == 200 and done.get_json()["status"] == "reversed"
    assert post(manager, csrf, red, {"red_invoice_no": "24312000000000000099"}).get_json() == done.get_json()
    other = post(manager, csrf, red, {"red_invoice_no": "24312000000000000098"})
    assert other.status_code == 409 and other.get_json()["code"] == "INVOICE_ALREADY_REVERSED"
    today = business_day(utcnow())
    assert bootstrap.invoices().invoiced_fen(STORE, today.isoformat()) == 0  # issued and reversed today
    assert len(bootstrap.invoices().lines(STORE, today.isoformat())) == 2
    bootstrap.settlement_desk().settle_store(STORE, today)
    page = manager.get(f"/s/{STORE}/settlement/{today}", base_url=BASE).get_data(as_text=True)
    assert 'id="settlement-invoiced">¥0.00' in page and "24312000000000000099" in page and "红字" in page
