"""Invoices against moto: a guest asks on their own paid order (validated title, tax number and e-mail),
once; the order page shows the request; staff see it pending and mark it issued with the number, once; the
day's invoiced amount adds up."""

from __future__ import annotations

import pytest

from tests.conftest import http_call
from tests.stock_fixtures import place

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"
COMPANY = {"kind": "company", "title": "上海点餐科技有限公司", "tax_number": "91310000MA1FL1234Q",
           "email": "finance@example.com"}


def paid_order(refunded_fen: int = 0):
    from diancan import bootstrap
    from diancan.adapters.records import OrderRecord
    from diancan.domain.clock import iso, utcnow

    repository = bootstrap.repository()
    order = place(repository, [{"dish_id": "d-hongshao", "qty": 2}], pay=False)
    extra = [OrderRecord.paid_fen.set(order.total_fen), OrderRecord.refunded_fen.set(refunded_fen)]
    repository.transition(order.order_id, order.mode, "pay", at=iso(utcnow()), extra=extra)
    return repository.get_order(order.order_id)


def ask(token: str, order_id: str, body: dict):
    return http_call("orders", "orders/post_invoice", path=f"/orders/{order_id}/invoice", body=body,
                     headers={"authorization": f"Bearer {token}"})


def detail(token: str, order_id: str) -> dict:
    status, view = http_call("orders", "orders/get_order", path=f"/orders/{order_id}",
                             headers={"authorization": f"Bearer {token}"})
    assert status == 200, view
    return view


def test_a_guest_asks_once_staff_issue_once_and_the_day_adds_up(demo_chain, guest_token):
    from diancan import bootstrap
    from diancan.domain.clock import business_day, utcnow

    order, other = paid_order(), paid_order(refunded_fen=500)
    token = guest_token("stock")
    assert detail(token, order.order_id)["invoice"] is None
    status, asked = ask(token, order.order_id, {**COMPANY, "tax_number": "91310000ma1fl1234q"})
    assert status == 201, asked
    assert asked["status"] == "requested" and asked["amount_fen"] == order.total_fen
    assert asked["request"]["tax_number"] == "91310000MA1FL1234Q" and "openid" not in asked
    assert ask(token, order.order_id, COMPANY) == (201, asked)  # the same request again: the first answer
    status, error = ask(token, order.order_id, {**COMPANY, "title": "另一家公司"})
    assert (status, error["code"]) == (409, "INVOICE_ALREADY_REQUESTED")
    assert detail(token, order.order_id)["invoice"]["status"] == "requested"
    personal = {"kind": "personal", "title": "张三", "email": "zhang@example.com"}
    assert ask(token, other.order_id, personal)[1]["amount_fen"] == other.total_fen - 500

    service = bootstrap.invoices()
    assert [i["order_id"] for i in service.pending(STORE)] == [order.order_id, other.order_id]
    issued = service.issue(STORE, order.order_id, "24312000000012345678", "mgr-jingan")
    assert issued["status"] == "issued" and issued["invoice_no"] == "24312000000012345678"
    assert service.issue(STORE, order.order_id, "24312000000012345678", "mgr-jingan") == issued
    with pytest.raises(Exception, match="INVOICE_ALREADY_ISSUED"):
        service.issue(STORE, order.order_id, "99999999", "mgr-jingan")
    assert [i["order_id"] for i in service.pending(STORE)] == [other.order_id]
    today = business_day(utcnow()).isoformat()
    assert service.invoiced_fen(STORE, today) == order.total_fen
    assert detail(token, order.order_id)["invoice"]["invoice_no"] == "24312000000012345678"


@pytest.mark.parametrize("body", [
    {**COMPANY, "tax_number": "91310000MA1FL1234X"},   # wrong check character
    {**COMPANY, "tax_number": ""},                     # a company without its tax number
    {**COMPANY, "tax_number": "91310000MA1FL1234I"},   # a letter the code never uses
    {"kind": "personal", "title": "张三", "tax_number": "91310000MA1FL1234Q", "email": "z@example.com"},
    {**COMPANY, "email": "not-an-address"},
    {**COMPANY, "title": ""},
    {**COMPANY, "title": "<CUT>"},
    {**COMPANY, "extra": 1},
])
def test_a_bad_request_is_refused_and_writes_nothing(demo_chain, guest_token, body):
    order = paid_order()
    status, error = ask(guest_token("stock"), order.order_id, body)
    assert (status, error["code"]) == (400, "INVALID_REQUEST")
    assert detail(guest_token("stock"), order.order_id)["invoice"] is None


def test_another_guests_order_and_an_unpaid_order_cannot_be_invoiced(demo_chain, guest_token):
    from diancan import bootstrap

    order = paid_order()
    status, error = ask(guest_token("someone-else"), order.order_id, COMPANY)
    assert (status, error["code"]) == (404, "ORDER_NOT_FOUND")
    unpaid = place(bootstrap.repository(), [{"dish_id": "d-hongshao", "qty": 1}], pay=False)
    status, error = ask(guest_token("stock"), unpaid.order_id, COMPANY)
    assert (status, error["code"]) == (409, "ORDER_NOT_INVOICEABLE")
    fully_refunded = paid_order(refunded_fen=0)
    bootstrap.repository().transition(fully_refunded.order_id, "takeout", "refund", at="2026-12-05T00:00:00Z")
    status, error = ask(guest_token("stock"), fully_refunded.order_id, COMPANY)
    assert (status, error["code"]) == (409, "ORDER_NOT_INVOICEABLE")
    assert bootstrap.invoice_table().pending(STORE) == []
