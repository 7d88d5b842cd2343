"""A pre-order over the running local stack, in real time: the guest takes a pickup slot, pays, the order
waits SCHEDULED with nothing printed; the stack's own scheduler runs order_sweeper every minute, which
releases it at its release minute (pickup time minus the store's lead time), and its kitchen ticket prints,
marked as a pre-order with its pickup time. The test waits on the scheduler rather than injecting a clock (the
sweeper's cursor is shared by the whole e2e session, so moving it to tomorrow would stop every other order's
expiry): the release is put on the sweeper's first firing at least SETUP_SECONDS away, which leaves that long to
place, pay and look at the order before it can be released, and no more."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import requests

from tests.conftest import wait_for

pytestmark = pytest.mark.e2e
STORE = "sh-jingan"  # open around the clock; takeout lead time: the default 20 minutes
LEAD = timedelta(minutes=20)
SETUP_SECONDS = 40  # login, place, pay, the notification and the queues drained take a few seconds


def printed_for(local_stack, order_id: str) -> list[str]:
    state = local_stack.simulators["feieyun"].state()
    return [job["content"] for printer in state["printers"] for job in printer["jobs"] if order_id in job["content"]]


def test_a_pre_order_is_released_to_the_kitchen_by_the_scheduler_at_its_time(local_stack):
    from diancan.domain.clock import iso, local, parse_iso, utcnow

    base = local_stack.base_url
    login = requests.post(f"{base}/auth/login", json={"code": f"test-pre{uuid.uuid4().hex[:6]}"}, timeout=10)
    assert login.status_code == 200, login.text
    guest = {"Authorization": f"Bearer {login.json()['token']}"}
    # The release on the sweeper's first firing SETUP_SECONDS away: that firing runs in the release minute, so it
    # releases the order; the one before it ran in the minute before.
    firing = local_stack.scheduler.next_firing("order_sweeper", after=utcnow() + timedelta(seconds=SETUP_SECONDS))
    pickup = firing.replace(microsecond=0) + LEAD
    placed = requests.post(f"{base}/place_order/orders", timeout=30,
                           headers={**guest, "Idempotency-Key": str(uuid.uuid4())},
                           json={"store_id": STORE, "mode": "takeout", "pickup_at": iso(pickup),
                                 "items": [{"dish_id": "d-cola", "qty": 1}]})
    assert placed.status_code == 201, placed.text
    order = placed.json()
    release = parse_iso(order["release_at"])
    day, hhmm = order["slot"].split("T")
    slots = requests.get(f"{base}/place_order/slots", params={"store_id": STORE, "date": day}, timeout=10).json()
    assert [s["taken"] for s in slots["slots"] if s["slot"] == order["slot"]] in ([1], [])  # [] when already past
    prepay_id = order["pay_params"]["package"].removeprefix("prepay_id=")
    assert requests.post(f"{base}/sim/wxpay/pay", json={"prepay_id": prepay_id}, timeout=10).status_code == 200

    def status() -> str:
        return requests.get(f"{base}/orders/orders/{order['order_id']}", headers=guest, timeout=10).json()["status"]

    assert wait_for(lambda: status() != "PENDING_PAYMENT", "the payment", timeout=30) and status() == "SCHEDULED"
    local_stack.pump.drain(timeout=30)  # OrderPaid went to stock, loyalty and printing
    assert utcnow() < release, "the machine was too slow to see the order before its release; run again"
    assert printed_for(local_stack, order["order_id"]) == []  # nothing printed at payment

    wait_for(lambda: status() != "SCHEDULED", "the scheduler's sweep to release the pre-order", timeout=180)
    assert utcnow() >= release.replace(second=0, microsecond=0)  # not before its release minute
    local_stack.pump.drain(timeout=30)
    tickets = wait_for(lambda: printed_for(local_stack, order["order_id"]), "the kitchen ticket", timeout=60)
    kitchen = [t for t in tickets if "预约单" in t]
    assert kitchen and f"<CB>取餐 {local(pickup):%H:%M}</CB>" in kitchen[0]
    history = requests.get(f"{base}/orders/orders/{order['order_id']}", headers=guest, timeout=10).json()["history"]
    assert [h["status"] for h in history][:3] == ["PENDING_PAYMENT", "SCHEDULED", "PAID"]
    assert hhmm == f"{local(pickup):%H}:{local(pickup).minute // 15 * 15:02d}"
