"""Pre-orders through the handlers on moto: paid ahead they wait SCHEDULED and print at their release (the
sweeper run at the due minute: the clock is injected), pickup slots with their capacity, a full slot
refused with the next free ones, slots given back on cancel and expiry, busy mode shrinking them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest

from tests.conftest import FakeContext, handler_of, http_call, load_event
from tests.handlers.test_payments import notify, order_state, queued, resource_for
from tests.handlers.test_print_dispatch import HOT, jobs_on
from tests.wxpay_fixtures import signed_notification

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"  # open around the clock
CART = [{"dish_id": "d-hongshao", "qty": 1}]


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    """A local time of tomorrow in Shanghai, as a UTC instant (whatever the time of day the test runs)."""
    from diancan.domain.clock import business_day, utcnow, zone

    day = business_day(utcnow()) + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=zone()).astimezone(UTC)


def local_day(instant: datetime) -> str:
    from diancan.domain.clock import business_day

    return business_day(instant).isoformat()


def place(token: str, pickup_at: datetime | None, key: str, *, mode: str = "takeout") -> tuple[int, dict]:
    body = {"store_id": STORE, "mode": mode, "items": CART}
    if pickup_at is not None:
        body["pickup_at"] = pickup_at.isoformat()
    return http_call("place_order", "place_order/post_orders", body=body,
                     headers={"authorization": f"Bearer {token}", "idempotency-key": key})


def pay(order: dict, transaction_id: str) -> None:
    headers, body = signed_notification(resource_for(order, transaction_id=transaction_id))
    assert notify(headers, body)[0] == 204


def print_dispatch(bus_event: dict) -> list:
    event = load_event("print_dispatch/sqs_order_paid")
    event["Records"][0]["body"] = json.dumps(bus_event, ensure_ascii=False)
    return handler_of("print_dispatch")(event, FakeContext())["batchItemFailures"]


def set_preorder(**settings) -> None:
    from diancan import bootstrap

    repository = bootstrap.repository()
    store = repository.load_menu(STORE).store
    kitchen_settings = settings.pop("kitchen", None)
    extra = {} if kitchen_settings is None else {"kitchen": kitchen_settings}
    repository.put_store(store.model_copy(update={"settings": {**store.settings, "preorder": settings, **extra}}))


def slots(day: str, mode: str = "takeout") -> dict:
    status, answer = http_call("place_order", "place_order/get_slots", query={"store_id": STORE, "mode": mode,
                                                                               "date": day})
    assert status == 200, answer
    return {s["slot"]: s for s in answer["slots"]}


def test_a_pre_order_for_tomorrow_waits_scheduled_and_prints_tomorrow_at_its_release(live, kitchen, guest_token):
    from diancan import bootstrap
    from diancan.domain.clock import iso, parse_iso

    pickup = tomorrow_at(12, 0)
    status, order = place(guest_token(), pickup, "pre-key-0001")
    assert status == 201, order
    assert order["release_at"] == iso(pickup - timedelta(minutes=20))  # the store's default takeout lead time
    assert order["slot"] == f"{local_day(pickup)}T12:00"
    pay(order, "4200000000000000000000000101")
    assert order_state(order["order_id"]).status == "SCHEDULED"
    [stock] = queued(live.resources, "StockQueue")  # stock and points act at payment
    assert (stock["detail-type"], stock["detail"]["release_at"]) == ("OrderPaid", order["release_at"])
    [paid] = queued(live.resources, "PrintQueue")
    assert print_dispatch(paid) == []
    assert jobs_on(kitchen, HOT) == []  # nothing printed today
    assert bootstrap.print_jobs().of_order(order["order_id"]) == []

    release = parse_iso(order["release_at"])
    assert "released" not in bootstrap.payments().sweep(now=release - timedelta(seconds=30))
    assert order_state(order["order_id"]).status == "SCHEDULED"
    assert bootstrap.payments().sweep(now=release + timedelta(seconds=5)) == {"released": 1}
    assert order_state(order["order_id"]).status == "PAID"
    [released] = queued(live.resources, "PrintQueue")
    assert released["detail-type"] == "OrderReleased"
    assert print_dispatch(released) == []
    [ticket] = jobs_on(kitchen, HOT)
    assert "<CB>** 预约单 **</CB>" in ticket["content"] and "<CB>取餐 12:00</CB>" in ticket["content"]
    assert bootstrap.payments().sweep(now=release + timedelta(minutes=2)) == {}  # the task ran once


def test_a_pre_order_paid_ahead_may_ask_for_its_invoice_while_it_waits(live, guest_token):
    token = guest_token()
    status, order = place(token, tomorrow_at(12, 30), "pre-invoice-01")
    assert status == 201, order
    pay(order, "4200000000000000000000000111")
    assert order_state(order["order_id"]).status == "SCHEDULED"
    status, asked = http_call("orders", "orders/post_invoice", path=f"/orders/{order['order_id']}/invoice",
                              body={"kind": "personal", "title": "张三", "email": "zhang@example.com"},
                              headers={"authorization": f"Bearer {token}"})
    assert (status, asked["amount_fen"]) == (201, order["total_fen"]), asked


def test_the_slots_of_a_day_list_what_is_taken_and_a_full_slot_is_refused_with_the_next_free(live, guest_token):
    from diancan import bootstrap
    from diancan.domain.clock import iso

    set_preorder(slot_capacity=1)
    noon = tomorrow_at(12, 0)
    day = local_day(noon)
    before = slots(day)
    assert (before[f"{day}T12:00"]["taken"], before[f"{day}T12:00"]["capacity"]) == (0, 1)
    assert before[f"{day}T12:00"]["pickup_at"] == iso(noon)
    status, first = place(guest_token("alice"), noon + timedelta(minutes=7), "slot-key-01")
    assert status == 201, first
    after = slots(day)
    assert (after[f"{day}T12:00"]["taken"], after[f"{day}T12:00"]["free"]) == (1, False)

    status, refused = place(guest_token("bob"), noon, "slot-key-02")
    assert status == 409
    assert refused["code"] == "SLOT_FULL" and refused["message"] and refused["message_en"]
    assert refused["details"]["next_free"][:2] == [iso(noon + timedelta(minutes=15)), iso(noon + timedelta(minutes=30))]
    assert len(refused["details"]["next_free"]) == 4
    simulated = [t for t in live.wxpay.state()["transactions"] if t["trade_state"] == "CLOSED"]
    assert len(simulated) == 1  # the refused attempt's prepay was closed
    assert bootstrap.repository().slot_counts(STORE, day) == {f"{day}T12:00": 1}

    status, later = place(guest_token("bob"), noon + timedelta(minutes=15), "slot-key-03")
    assert status == 201, later


def test_a_cancelled_or_expired_pre_order_gives_its_slot_back(live, guest_token):
    from diancan import bootstrap
    from diancan.domain.clock import parse_iso

    set_preorder(slot_capacity=1)
    noon, one = tomorrow_at(12, 0), tomorrow_at(13, 0)
    day = local_day(noon)
    token = guest_token("alice")
    status, first = place(token, noon, "give-back-01")
    assert status == 201, first
    status, cancelled = http_call("orders", "orders/post_cancel", path=f"/orders/{first['order_id']}/cancel",
                                  headers={"authorization": f"Bearer {token}"})
    assert status == 200, cancelled
    assert slots(day)[f"{day}T12:00"]["taken"] == 0
    assert place(guest_token("bob"), noon, "give-back-02")[0] == 201

    status, unpaid = place(token, one, "give-back-03")
    assert status == 201, unpaid
    assert slots(day)[f"{day}T13:00"]["taken"] == 1
    counts = bootstrap.payments().sweep(now=parse_iso(unpaid["pay_expires_at"]) + timedelta(minutes=2))
    assert counts.get("expired", 0) >= 1
    assert order_state(unpaid["order_id"]).status == "CANCELLED"
    assert slots(day)[f"{day}T13:00"]["taken"] == 0


def busy(on: bool) -> None:
    from diancan.adapters.service_state_table import ServiceStateTable

    assert ServiceStateTable().switch(STORE, "busy", on, at="2026-12-04T04:30:00.000Z", by="staff:mgr-jingan")


def test_a_busy_store_offers_smaller_slots_and_refuses_an_order_into_a_slot_full_at_the_reduced_capacity(
        live, guest_token):
    set_preorder(slot_capacity=4, kitchen={"busy_slot_factor": 0.5})
    noon = tomorrow_at(12, 0)
    day, key = local_day(noon), f"{local_day(noon)}T12:00"
    assert slots(day)[key]["capacity"] == 4
    assert place(guest_token("alice"), noon, "busy-key-01")[0] == 201
    busy(True)  # switched by staff in the console: the store's service item
    assert (slots(day)[key]["capacity"], slots(day)[key]["taken"], slots(day)[key]["free"]) == (2, 1, True)
    assert place(guest_token("bob"), noon, "busy-key-02")[0] == 201
    status, refused = place(guest_token("carol"), noon, "busy-key-03")  # room for 4, but 2 while busy
    assert (status, refused["code"], refused["details"]["slot"]) == (409, "SLOT_FULL", key)
    assert refused["details"]["next_free"][0] == slots(day)[f"{day}T12:15"]["pickup_at"]
    assert slots(day)[key] | {"pickup_at": None} == {"slot": key, "pickup_at": None, "taken": 2, "capacity": 2,
                                                     "free": False}
    busy(False)
    assert place(guest_token("carol"), noon, "busy-key-04")[0] == 201


def test_an_order_of_now_takes_no_slot_and_a_slot_capacity_of_zero_refuses_pre_orders(live, guest_token):
    from diancan import bootstrap

    set_preorder(slot_capacity=0)
    status, now_order = place(guest_token("alice"), None, "zero-key-01")
    assert status == 201 and now_order["slot"] is None and now_order["release_at"] is None
    status, refused = place(guest_token("alice"), tomorrow_at(12, 0), "zero-key-02")
    assert (status, refused["code"]) == (409, "SLOT_FULL")
    assert bootstrap.repository().slot_counts(STORE, local_day(tomorrow_at(12, 0))) == {}


@pytest.mark.parametrize(("query", "status", "code"), [
    ({"mode": "takeout"}, 400, "INVALID_SLOT_QUERY"),
    ({"store_id": STORE, "mode": "dine_in"}, 400, "INVALID_SLOT_QUERY"),
    ({"store_id": STORE, "date": "2026-13-01"}, 400, "INVALID_SLOT_QUERY"),
    ({"store_id": STORE, "date": "２０２６-12-01"}, 400, "INVALID_SLOT_QUERY"),
    ({"store_id": "nowhere"}, 404, "STORE_NOT_FOUND"),
])
def test_a_bad_slot_query_is_a_clear_4xx(demo_chain, query, status, code):
    answer_status, answer = http_call("place_order", "place_order/get_slots", query=query)
    assert (answer_status, answer["code"]) == (status, code)
    assert answer["message"] and answer["message_en"]
