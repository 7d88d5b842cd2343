"""The console's kitchen list: today's paid and in-progress orders by due time (a pre-order's pickup time,
else its payment time), pre-orders marked with their pickup time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.console.conftest import BASE, login, make_paid_order

pytestmark = pytest.mark.handlers
OWN = "sh-jingan"


def test_the_kitchen_list_orders_by_due_time_and_marks_pre_orders(make_app, console):
    from diancan.domain.clock import iso, utcnow

    soon, later = iso(utcnow() + timedelta(minutes=10)), iso(utcnow() + timedelta(minutes=40))
    for_later = make_paid_order(console, pickup_at=later)
    of_now = make_paid_order(console)
    for_soon = make_paid_order(console, pickup_at=soon)
    client = make_app().test_client()
    login(client, "jingan")
    listed = client.get(f"/api/s/{OWN}/kitchen", base_url=BASE).get_json()["orders"]
    assert [o["order_id"] for o in listed] == [of_now.order_id, for_soon.order_id, for_later.order_id]
    page = client.get(f"/s/{OWN}/kitchen", base_url=BASE).get_data(as_text=True)
    assert page.count('class="preorder-mark"') == 2
