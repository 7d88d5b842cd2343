"""Cancel tickets (退单) through print_dispatch (moto + the Feieyun simulator): a refund or cancel after the
kitchen tickets printed prints on the stations that had the order, once; the kitchen screen and the pickup
board drop the order, or strike a partial refund's lines through."""

from __future__ import annotations

import pytest

from tests.handlers.test_print_dispatch import (
    BAR,
    COLD,
    COUNTER,
    HOT,
    dispatch,
    jobs_on,
    order_of,
    paid_order,
    sqs_event,
)

pytestmark = pytest.mark.handlers

ITEMS = [("d-gongbao", 2, ["spicy-mild"]), ("d-pai-huanggua", 1, [])]  # the wok's and the cold station's


def refunded(order_id: str, *, full: bool, number: str = "R1", amount_fen: int = 100, **detail) -> dict:
    return sqs_event(order_id, "OrderRefunded", refund_no=f"{order_id}{number}", amount_fen=amount_fen, full=full,
                     food_made=False, reason="staff", **detail)


def cancels_on(sim, sn: str) -> list[str]:
    return [job["content"] for job in jobs_on(sim, sn) if "退单 CANCEL" in job["content"]]


def test_a_full_refund_after_printing_prints_a_cancel_ticket_on_the_stations_that_had_the_order(kitchen):
    order_id = paid_order(ITEMS, pickup_no=23)
    assert dispatch(sqs_event(order_id)) == []
    assert dispatch(refunded(order_id, full=True)) == []
    hot, cold = cancels_on(kitchen, HOT), cancels_on(kitchen, COLD)
    assert len(hot) == 1 and "宫保鸡丁" in hot[0] and "x2" in hot[0] and "取餐号 23" in hot[0]
    assert len(cold) == 1 and "拍黄瓜" in cold[0] and "宫保鸡丁" not in cold[0]
    assert cancels_on(kitchen, BAR) == [] and cancels_on(kitchen, COUNTER) == []  # no dish there; no receipt
    assert dispatch(refunded(order_id, full=True)) == []  # the same event again (SQS at-least-once)
    assert dispatch(sqs_event(order_id, "OrderCancelled", reason="staff", paid=True)) == []
    assert len(cancels_on(kitchen, HOT)) == 1 and len(cancels_on(kitchen, COLD)) == 1


def test_a_refund_before_the_tickets_printed_prints_no_cancel_ticket(kitchen):
    from diancan import bootstrap

    store = bootstrap.print_jobs().print_setup("sh-jingan").store
    bootstrap.repository().put_store(store.model_copy(update={"settings": {"print_when": "accept"}}))
    order_id = paid_order(ITEMS)
    dispatch(sqs_event(order_id))
    assert dispatch(refunded(order_id, full=True)) == []
    assert sum(len(p["jobs"]) for p in kitchen.state()["printers"]) == 0


def test_a_partial_refund_of_a_line_prints_that_line_and_strikes_it_through_on_the_screen(kitchen):
    from diancan import bootstrap

    order_id = paid_order([*ITEMS, ("d-milktea", 1, ["size-medium", "sugar-half"])])
    dispatch(sqs_event(order_id))
    assert dispatch(refunded(order_id, full=False, line_indexes=[2])) == []
    assert len(cancels_on(kitchen, BAR)) == 1 and "招牌奶茶" in cancels_on(kitchen, BAR)[0]
    assert cancels_on(kitchen, HOT) == [] and cancels_on(kitchen, COLD) == []
    board = bootstrap.kitchen()
    assert board.open_tickets("sh-jingan", "bar")["tickets"] == []  # its only line stopped: off the screen
    assert [t["order_id"] for t in board.open_tickets("sh-jingan", "wok")["tickets"]] == [order_id]


def test_a_partial_refund_of_part_of_a_stations_ticket_shows_the_line_struck_through(kitchen):
    from diancan import bootstrap

    order_id = paid_order([("d-gongbao", 1, ["spicy-mild"]), ("d-qingcai", 2, [])])  # both of the wok
    dispatch(sqs_event(order_id))
    dispatch(refunded(order_id, full=False, line_indexes=[1]))
    shown = bootstrap.kitchen().open_tickets("sh-jingan", "wok")["tickets"]
    assert [t["order_id"] for t in shown] == [order_id]  # the gongbao is still to cook
    assert [(line["name"], line["cancelled_qty"]) for line in shown[0]["lines"]] == [("宫保鸡丁", 0), ("清炒时蔬", 2)]
    assert "清炒时蔬" in cancels_on(kitchen, HOT)[0] and "宫保鸡丁" not in cancels_on(kitchen, HOT)[0]


def test_an_amount_only_refund_prints_the_amount_on_the_stations_that_had_the_order(kitchen):
    order_id = paid_order(ITEMS)
    dispatch(sqs_event(order_id))
    assert dispatch(refunded(order_id, full=False, amount_fen=550)) == []
    assert ["部分退款 5.50元" in content for content in cancels_on(kitchen, HOT) + cancels_on(kitchen, COLD)] == [True] * 2


def test_a_refunded_order_leaves_the_kitchen_screen_and_the_pickup_board_at_once(kitchen):
    from diancan import bootstrap
    from diancan.domain.clock import iso, utcnow
    from diancan.domain.order_status import OrderAction

    order_id = paid_order(ITEMS, pickup_no=31)
    dispatch(sqs_event(order_id))
    board = bootstrap.kitchen()
    assert 31 in board.pickup_board("sh-jingan")["preparing"]
    bootstrap.repository().transition(order_id, "takeout", OrderAction.REFUND, at=iso(utcnow()), by="staff:1")
    assert 31 not in board.pickup_board("sh-jingan")["preparing"]  # a full refund under way is not cooked
    dispatch(refunded(order_id, full=True))
    assert all(t["order_id"] != order_id for station in ("wok", "cold")
               for t in board.open_tickets("sh-jingan", station)["tickets"])
    assert order_of(order_id).status == "REFUNDING"


def test_a_cancel_ticket_goes_to_the_fallback_when_the_stations_printer_is_offline(kitchen):
    order_id = paid_order([("d-gongbao", 1, ["spicy-mild"])])
    dispatch(sqs_event(order_id))
    kitchen.control(HOT, state="offline")
    assert dispatch(refunded(order_id, full=True)) == []
    assert len(cancels_on(kitchen, COLD)) == 1 and "宫保鸡丁" in cancels_on(kitchen, COLD)[0]
