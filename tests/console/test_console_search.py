"""Injection in the console's order search (number, pickup number, phone tail, table, status, mode): plain text
that matches nothing, never an error, and never echoed unescaped into the page."""

from __future__ import annotations

import pytest

from tests.console.conftest import BASE, login
from tests.proof.test_bad_input import INJECTIONS

pytestmark = pytest.mark.handlers

STORE = "sh-jingan"
FIELDS = ("number", "pickup_no", "phone_tail", "table_no", "status", "mode")


def test_order_search_treats_injection_as_plain_text(make_app, paid_order):
    client = make_app().test_client()
    login(client, "jingan")
    found = client.get(f"/api/s/{STORE}/orders", query_string={"number": paid_order.order_id[-6:]}, base_url=BASE)
    assert [o["order_id"] for o in found.get_json()["orders"]] == [paid_order.order_id]  # the search does search
    for field in FIELDS:
        for text in INJECTIONS:
            answer = client.get(f"/api/s/{STORE}/orders", query_string={field: text}, base_url=BASE)
            assert (answer.status_code, answer.get_json()["orders"]) == (200, []), (field, text)
    page = client.get(f"/s/{STORE}/orders", query_string={"number": "<script>alert(1)</script>"}, base_url=BASE)
    assert page.status_code == 200 and "<script>alert(1)</script>" not in page.get_data(as_text=True)
