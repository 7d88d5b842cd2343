"""A pay-after table's checkout applies the paying guest's own offers (a coupon, points) with the store's,
reserves them with the tab's final price in one transaction, and WeChat Pay is asked for exactly the bill."""

from __future__ import annotations

import pytest

from tests.conftest import http_call
from tests.handlers.test_tables import STORE, guest, two_rounds, wait_for

pytestmark = pytest.mark.handlers

AT = "2026-11-24T04:30:00.000Z"


@pytest.fixture
def offers_tables(live):
    """The demo chain with its offers (满50减8, 满100减20, the new-guest coupon) and sh-jingan in pay-after mode."""
    from diancan import bootstrap
    from local.demo_offers import load

    load()
    repository = bootstrap.repository()
    store = repository.load_menu(STORE).store
    repository.put_store(store.model_copy(update={"settings": {**store.settings, "table_payment": "pay_after"}}))
    return live


def checkout(session_id: str, name: str, guest_token, body: dict | None = None):
    return http_call("tables", "tables/post_checkout", headers=guest(name, guest_token), body=body,
                     path=f"/tables/sessions/{session_id}/checkout")


def claim(name: str, guest_token) -> str:
    status, body = http_call("orders", "orders/post_coupon_claim", path="/coupons/tpl-new-guest/claim",
                             headers=guest(name, guest_token))
    assert status == 200, body
    return body["coupon_id"]


def test_a_guest_pays_the_tab_with_their_coupon_on_top_of_the_full_reduction(offers_tables, guest_token):
    from diancan import bootstrap

    coupon_id = claim("bob", guest_token)
    session_id, _, _ = two_rounds(guest_token)  # 宫保鸡丁 38.00 + 清炒时蔬 18.00
    status, bill = checkout(session_id, "bob", guest_token, {"coupon_id": coupon_id})
    assert status == 200, bill
    assert [(d["kind"], d["amount_fen"]) for d in bill["bill"]["discounts"]] == [("full_reduction", 800),
                                                                                 ("coupon", 1000)]
    assert bill["bill"]["total_fen"] == 5600 - 800 - 1000
    marketing = bootstrap.marketing_table()
    [entry] = marketing.wallet("openid-bob")
    assert (entry.status, entry.order_id) == ("reserved", bill["order_id"])

    trade = next(t for t in offers_tables.wxpay.state()["transactions"] if t["out_trade_no"] == bill["order_id"])
    assert trade["amount"]["total"] == bill["bill"]["total_fen"]
    offers_tables.wxpay.pay(trade["prepay_id"])
    assert wait_for(lambda: bootstrap.tables().bill("openid-bob", session_id)["unpaid"] is False)
    order = bootstrap.repository().get_order(bill["order_id"], consistent=True)
    assert order.paid_fen == bill["bill"]["total_fen"]
    bootstrap.loyalty().order_paid(order, AT)  # what the OrderPaid consumer does
    [entry] = marketing.wallet("openid-bob")
    assert entry.status == "used"
    status, error = http_call("place_order", "place_order/post_quote", headers=guest("bob", guest_token),
                              body={"store_id": STORE, "mode": "takeout", "coupon_id": coupon_id,
                                    "items": [{"dish_id": "d-hongshao", "qty": 2, "options": []}]})
    assert (status, error["code"]) == (422, "COUPON_NOT_FOUND")


def test_points_redeemed_at_checkout_leave_the_payers_balance_with_the_bill(offers_tables, guest_token):
    from bench.calls import recorded_calls
    from diancan import bootstrap

    marketing = bootstrap.marketing_table()
    marketing.post_points("openid-bob", "seed#gift", 500, at=AT, note="welcome gift")
    session_id, _, _ = two_rounds(guest_token)
    with recorded_calls() as log:
        status, bill = checkout(session_id, "bob", guest_token, {"use_points": 300})
    assert status == 200, bill
    assert bill["bill"]["discounts"][-1]["points"] == 300
    member = [c for c in log if c.operation == "GetItem" and c.what.endswith("/MEMBER")]
    assert member == []  # the payer's standing rode in the store's BatchGetItem, no GetItem of its own
    assert marketing.standing("openid-bob").points == 200


def test_a_coupon_not_in_the_payers_wallet_refuses_the_checkout_and_leaves_the_table_open(offers_tables,
                                                                                        guest_token):
    coupon_id = claim("alice", guest_token)
    session_id, _, _ = two_rounds(guest_token)
    status, error = checkout(session_id, "bob", guest_token, {"coupon_id": coupon_id})
    assert (status, error["code"]) == (422, "COUPON_NOT_FOUND")
    status, bill = checkout(session_id, "bob", guest_token)
    assert status == 200 and bill["bill"]["discount_fen"] == 800
