"""The console never shows a guest's openid: every page and API answer a store's owner can open, rendered with
an order, its history (placed by the guest), the guest's member record and points, a review and an invoice
request of that guest, holds no openid; the guest appears by their member code."""

from __future__ import annotations

import pytest

from tests.console.conftest import BASE, login, make_paid_order
from tests.console.test_console_routes import FILL, OWN, ROUTES

pytestmark = pytest.mark.handlers

OPENID = "openid-alice"  # make_paid_order's guest


@pytest.fixture
def world(console):
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import OrderRecord
    from diancan.domain.invoices import InvoiceRequest

    order = make_paid_order(console)
    OrderRecord(keys.order(order.order_id), keys.ORDER).update(actions=[OrderRecord.paid_fen.set(order.total_fen)])
    bootstrap.activity_table().record_paid_order(order)
    bootstrap.marketing_table().post_points(OPENID, f"{order.order_id}#earn", 43, at=order.created_at,
                                            spend_delta=order.total_fen, completed_delta=1)
    bootstrap.invoices().request(OPENID, order.order_id, InvoiceRequest(kind="personal", title="爱丽丝",
                                                                        email="alice@example.com"))
    return order


def test_no_page_or_api_answer_of_the_console_shows_an_openid(make_app, world):
    from diancan.domain.membership import member_code

    client = make_app().test_client()
    login(client, "boss")
    paths = [f"/s/{OWN}/orders/{world.order_id}", f"/api/members?day={world.business_day}",
             f"/members?day={world.business_day}", f"/api/s/{OWN}/orders?day={world.business_day}",
             f"/s/{OWN}/orders?day={world.business_day}"]
    for method, template, _ in ROUTES:
        if method != "GET" or template.endswith(".png"):
            continue
        path = template
        for name, value in FILL.items():
            path = path.replace(name, value)
        paths.append(path.format(sid=OWN, oid=world.order_id))
    seen = {}
    for path in paths:
        answer = client.get(path, base_url=BASE)
        assert answer.status_code < 500, path
        seen[path] = answer.get_data(as_text=True)
        assert OPENID not in seen[path], path
    code = member_code(OPENID)
    assert code in seen[f"/s/{OWN}/orders/{world.order_id}"]
    assert code in seen[f"/api/members?day={world.business_day}"]
    assert f"guest:{code}" in seen[f"/s/{OWN}/orders/{world.order_id}"]  # the history's "placed by"
    assert "爱丽丝" in seen[f"/s/{OWN}/invoices"]


def test_a_member_code_is_short_stable_and_not_the_openid():
    from diancan.domain.membership import member_code, staff_safe_by

    assert member_code(OPENID) == member_code(OPENID) != member_code("openid-bob")
    assert len(member_code(OPENID)) == 9 and member_code(OPENID).startswith("M")
    assert staff_safe_by(f"guest:{OPENID}") == f"guest:{member_code(OPENID)}"
    assert staff_safe_by("staff:cashier-jingan") == "staff:cashier-jingan"
