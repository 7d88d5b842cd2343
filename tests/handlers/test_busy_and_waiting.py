"""Busy mode and honest waiting times: the store's service item (switches, open kitchen tickets) on moto, the
menu's busy flag, automatic busy above the open-ticket limit, delivery paused alone, the order's estimate and
orders ahead as tickets are bumped, and the accepted message's estimate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from diancan.domain.service_state import OpenTicket

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"


def states():
    from diancan.adapters.service_state_table import ServiceStateTable

    return ServiceStateTable()


def test_tickets_enter_and_leave_idempotently_and_switches_write_only_changes(demo_chain):
    service = states()
    assert service.read(STORE).tickets == ()
    a = OpenTicket("t-a", "o-1", "2026-11-24T04:30:00.000Z", 12)
    b = OpenTicket("t-b", "o-2", "2026-11-24T04:31:00.000Z", 8)
    assert service.enter(STORE, [a]).tickets == (a,)
    assert service.enter(STORE, [a, b]).tickets == (a, b)  # a replayed ticket sets the same value
    service.leave(STORE, ["t-a"])
    service.leave(STORE, ["t-a"])  # bumped twice: nothing more
    assert service.read(STORE).tickets == (b,)
    assert service.switch(STORE, "busy", True, at="2026-11-24T04:32:00.000Z", by="staff:m") is True
    assert service.switch(STORE, "busy", True, at="2026-11-24T04:33:00.000Z", by="staff:m") is False
    assert service.switch(STORE, "delivery_paused", False, at="2026-11-24T04:33:00.000Z", by="staff:m") is False
    state = service.read(STORE)
    assert (state.busy_switched, state.delivery_paused, state.tickets) == (True, False, (b,))
    assert service.switch(STORE, "busy", False, at="2026-11-24T04:34:00.000Z", by="staff:m") is True
    assert states().read(STORE).busy_switched is False
    service.leave("sh-xuhui", ["t-x"])  # a store without the item: nothing to remove, nothing created
    assert service.read("sh-xuhui").tickets == ()


# ---- through the functions: menu, place_order, print_dispatch, the kitchen, orders, guest_notify -------------

from tests.handlers.test_print_dispatch import (  # noqa: E402
    dispatch,
    paid_order,
    sqs_event,
)

ONE_DISH = [("d-gongbao", 1, ["spicy-mild"])]  # one kitchen ticket (the wok station) and the receipt


def set_kitchen_settings(**settings) -> None:
    from diancan import bootstrap

    repository = bootstrap.repository()
    store = repository.load_menu(STORE).store
    repository.put_store(store.model_copy(update={"settings": {**store.settings, "kitchen": settings}}))


def menu_service() -> dict:
    from bench.calls import recorded_calls
    from tests.conftest import http_call

    with recorded_calls() as log:
        status, menu = http_call("menu", "menu/get_menu", path=f"/stores/{STORE}/menu")
    assert status == 200 and log.dynamodb() == {"Query": 1}  # the service item rides in the menu's one query
    return menu["service"]


def printed_order(pickup_no: int) -> str:
    order_id = paid_order(ONE_DISH, pickup_no=pickup_no)
    assert dispatch(sqs_event(order_id)) == []
    return order_id


def wok_ticket(order_id: str) -> str:
    from diancan import bootstrap

    [ticket] = [t for t in bootstrap.kitchen().open_tickets(STORE, "wok")["tickets"] if t["order_id"] == order_id]
    return ticket["ticket_id"]


def test_the_menu_says_busy_while_staff_switch_it_on(demo_chain):
    assert menu_service() == {"busy": False, "busy_reason": None, "busy_notice": None, "busy_slot_factor": 0.5,
                              "delivery_paused": False, "delivery_paused_notice": None}
    states().switch(STORE, "busy", True, at="2026-11-24T04:30:00.000Z", by="staff:mgr-jingan")
    shown = menu_service()
    assert (shown["busy"], shown["busy_reason"]) == (True, "staff")
    assert shown["busy_notice"]["message"].startswith("当前出餐高峰") and "busy" in shown["busy_notice"]["message_en"]
    states().switch(STORE, "busy", False, at="2026-11-24T04:40:00.000Z", by="staff:mgr-jingan")
    assert menu_service()["busy"] is False


def test_busy_turns_on_by_itself_above_the_open_ticket_limit_and_off_as_tickets_are_bumped(kitchen):
    from diancan import bootstrap

    set_kitchen_settings(busy_ticket_limit=2, busy_slot_factor=0.25)
    orders = [printed_order(pickup_no=n) for n in (51, 52)]
    assert menu_service()["busy"] is False  # two open tickets: at the limit, not above it
    orders.append(printed_order(pickup_no=53))
    assert dispatch(sqs_event(orders[-1], receive_count=2)) == []  # a replayed event adds no ticket
    shown = menu_service()
    assert (shown["busy"], shown["busy_reason"], shown["busy_slot_factor"]) == (True, "tickets", 0.25)
    assert len(states().read(STORE).tickets) == 3
    bootstrap.kitchen().bump(orders[0], wok_ticket(orders[0]), by="cook:1")
    assert menu_service()["busy"] is False


def test_delivery_paused_refuses_delivery_at_quote_and_place_and_leaves_takeout_open(demo_chain, guest_token):
    from tests.conftest import http_call
    from tests.handlers.test_delivery import PEOPLES_SQUARE, order_body

    states().switch(STORE, "delivery_paused", True, at="2026-11-24T04:30:00.000Z", by="staff:mgr-jingan")
    status, error = http_call("place_order", "place_order/post_quote", body=order_body(PEOPLES_SQUARE))
    assert (status, error["code"]) == (409, "DELIVERY_PAUSED")
    assert error["message"] == "外卖暂停接单，可选择自取或堂食" and "Delivery is paused" in error["message_en"]
    status, error = http_call("place_order", "place_order/post_orders", body=order_body(PEOPLES_SQUARE),
                              headers={"authorization": f"Bearer {guest_token()}", "idempotency-key": "paused-1"})
    assert (status, error["code"]) == (409, "DELIVERY_PAUSED")
    takeout = {**order_body(PEOPLES_SQUARE), "mode": "takeout", "address": None}
    assert http_call("place_order", "place_order/post_quote", body=takeout)[0] == 200
    shown = menu_service()
    assert shown["delivery_paused"] is True and shown["busy"] is False  # paused alone
    states().switch(STORE, "delivery_paused", False, at="2026-11-24T04:35:00.000Z", by="staff:mgr-jingan")
    assert http_call("place_order", "place_order/post_quote", body=order_body(PEOPLES_SQUARE))[0] == 200


def guest_detail(order_id: str, token: str) -> dict:
    from bench.calls import recorded_calls
    from tests.conftest import http_call

    with recorded_calls() as log:
        status, detail = http_call("orders", "orders/get_order", path=f"/orders/{order_id}",
                                   headers={"authorization": f"Bearer {token}"})
    assert status == 200
    calls = {"Query": 1, "GetItem": 1} if detail["status"] in ("PAID", "PREPARING") else {"Query": 1}
    assert log.dynamodb() == calls  # the service item only while the kitchen has the order
    return detail


def test_orders_ahead_and_the_estimate_change_as_tickets_are_bumped(kitchen, guest_token):
    from diancan import bootstrap
    from diancan.domain.clock import parse_iso, utcnow

    token = guest_token("alice")
    first, second, mine = (printed_order(pickup_no=n) for n in (61, 62, 63))
    before = utcnow()
    detail = guest_detail(mine, token)
    assert detail["orders_ahead"] == 2
    three_deep = parse_iso(detail["estimated_ready_at"])
    # two orders ahead with about 15 minutes left each, two lanes: ~15 minutes, then this one's 15
    assert before + timedelta(minutes=29) <= three_deep <= before + timedelta(minutes=32)
    bootstrap.kitchen().bump(first, wok_ticket(first), by="cook:1")
    detail = guest_detail(mine, token)
    assert detail["orders_ahead"] == 1 and parse_iso(detail["estimated_ready_at"]) < three_deep
    bootstrap.kitchen().bump(second, wok_ticket(second), by="cook:1")
    detail = guest_detail(mine, token)
    assert detail["orders_ahead"] == 0
    assert parse_iso(detail["estimated_ready_at"]) <= before + timedelta(minutes=16)  # its own 15 minutes
    bootstrap.kitchen().bump(mine, wok_ticket(mine), by="cook:1")
    detail = guest_detail(mine, token)  # READY: no longer waiting for the kitchen, no service read
    assert (detail["status"], detail["orders_ahead"], detail["estimated_ready_at"]) == ("READY", None, None)
    assert guest_detail(first, token)["orders_ahead"] is None


def test_a_dishs_prep_minutes_sets_the_orders_time_and_the_stores_default_the_rest(live):
    """Placed with the WeChat Pay simulator (``live``): the order keeps its slowest dish's time."""
    from diancan import bootstrap
    from diancan.domain.order import OrderRequest

    repository = bootstrap.repository()
    dish = repository.get_dish(STORE, "d-gongbao")
    repository.put_dish(dish.model_copy(update={"prep_minutes": 25}))
    set_kitchen_settings(default_prep_minutes=8)
    service = bootstrap.ordering()

    def placed(items: list[dict]) -> int | None:
        request = OrderRequest.model_validate({"store_id": STORE, "mode": "takeout", "items": items})
        return service.place("openid-alice", request, f"k-prep-{len(items)}").order.prep_minutes

    assert placed([{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}, {"dish_id": "d-cola", "qty": 1}]) == 25
    assert placed([{"dish_id": "d-cola", "qty": 1}]) == 8


def test_the_accepted_message_tells_the_estimate_from_the_orders_ahead(kitchen, monkeypatch):
    """Two orders ahead in the kitchen: the accepted message says about 30 minutes, not a flat 15."""
    from diancan import bootstrap
    from diancan.domain.clock import iso, local, utcnow
    from local.serve import serving
    from local.simulators.wechat import WeChatSimulator, create_app
    from local.world import LOCAL_NOTICE_TEMPLATES
    from tests.conftest import TEST_SECRETS
    from tests.handlers.test_guest_notify import notify, status_batch

    sim = WeChatSimulator(appid=TEST_SECRETS["wechat"]["appid"], secret=TEST_SECRETS["wechat"]["app_secret"],
                          templates={t["template_id"]: frozenset(t["fields"].values())
                                     for t in LOCAL_NOTICE_TEMPLATES.values()})
    printed_order(pickup_no=71), printed_order(pickup_no=72)
    mine = paid_order(ONE_DISH, pickup_no=73)  # accepted before its ticket printed
    at = utcnow()
    with serving(create_app(sim)) as server:
        monkeypatch.setenv("WECHAT_API_BASE", server.base_url)
        bootstrap.reset()
        batch = status_batch("OrderAccepted", {"order_id": mine, "at": iso(at), "by": "staff:boss"})
        assert notify(batch) == {"batchItemFailures": []}
    [sent] = sim.messages("openid-alice")
    shown = sent["data"]["time3"]
    expected = {local(at + timedelta(minutes=m), "Asia/Shanghai").strftime("%Y-%m-%d %H:%M") for m in (30, 31, 32)}
    assert shown in expected, (shown, expected)


def test_a_number_called_at_the_counter_without_a_bump_leaves_the_queue_too(kitchen, guest_token):
    from diancan import bootstrap

    token = guest_token("alice")
    first, mine = printed_order(pickup_no=81), printed_order(pickup_no=82)
    assert guest_detail(mine, token)["orders_ahead"] == 1
    bootstrap.kitchen().call_number(first, by="staff:counter")
    assert guest_detail(mine, token)["orders_ahead"] == 0
    assert [t.order_id for t in states().read(STORE).tickets] == [mine]
