"""The store's decision on a stock shortfall from the order page (``StockService.decide``): substitute or
refund the whole order, once per request key, refused without one or beyond a cashier's limit."""

from __future__ import annotations

import re

import pytest

from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers


@pytest.fixture
def issue(paid_order, fakes, monkeypatch):
    from diancan import bootstrap
    from diancan.domain.stock import StockIssue

    monkeypatch.setattr(bootstrap, "payments", lambda: fakes["payments"])
    bootstrap.stock_table().open_issue(StockIssue(order_id=paid_order.order_id, store_id=paid_order.store_id,
                                                  shortages={"pork": 120}, opened_at=paid_order.created_at))
    return paid_order


def _decide(client, csrf, order, decision, key=None):
    return client.post(f"/s/{order.store_id}/orders/{order.order_id}/stock-decision",
                       json={"decision": decision, **({"request_key": key} if key else {})},
                       headers={"X-CSRF-Token": csrf}, base_url=BASE)


def test_the_order_page_offers_the_decision_and_a_refund_refunds_the_whole_order_once(make_app, issue, fakes):
    from diancan import bootstrap

    client = make_app().test_client()
    csrf = login(client, "jingan")
    page = client.get(f"/s/{issue.store_id}/orders/{issue.order_id}", base_url=BASE).get_data(as_text=True)
    assert "缺料待处理" in page and "整单退款" in page and re.search(r'name="decision" value="substituted"', page)
    assert _decide(client, csrf, issue, "refund_requested").status_code == 400  # no request key
    assert _decide(client, csrf, issue, "maybe", "key-0001-aaaa").get_json()["code"] == "INVALID_DECISION"
    first = _decide(client, csrf, issue, "refund_requested", "key-0002-bbbb")
    assert first.status_code == 200 and first.get_json()["decision"] == "refund_requested"
    assert _decide(client, csrf, issue, "refund_requested", "key-0002-bbbb").get_json() == first.get_json()
    assert [r[0] for r in fakes["payments"].refunds] == [issue.order_id]  # once, the whole order (amount None)
    assert fakes["payments"].refunds[0][1] is None
    assert bootstrap.stock_table().issue_of(issue.order_id).status.value == "refund_requested"
    other = _decide(client, csrf, issue, "substituted", "key-0003-cccc")
    assert other.status_code == 409 and other.get_json()["code"] == "STOCK_ISSUE_DECIDED"
    assert "已整单退款" in client.get(f"/s/{issue.store_id}/orders/{issue.order_id}", base_url=BASE).get_data(as_text=True)


def test_a_substitution_moves_no_money_and_a_cashier_cannot_refund_beyond_the_limit(make_app, issue, fakes):
    from diancan import bootstrap

    cashier = make_app().test_client()
    csrf = login(cashier, "cashier")
    refused = _decide(cashier, csrf, issue, "refund_requested", "key-0004-dddd")
    assert refused.status_code == 403 and refused.get_json()["code"] == "REFUND_LIMIT"
    done = _decide(cashier, csrf, issue, "substituted", "key-0005-eeee")
    assert done.status_code == 200 and not fakes["payments"].refunds
    assert bootstrap.stock_table().issue_of(issue.order_id).status.value == "substituted"
