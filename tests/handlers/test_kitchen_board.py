"""Kitchen screen and pickup board services on the tickets print_dispatch made (moto + Feieyun simulator)."""

from __future__ import annotations

import pytest

from tests.handlers.test_print_dispatch import (
    dispatch,
    order_of,
    paid_order,
    sqs_event,
)

pytestmark = pytest.mark.handlers


def test_bumping_every_kitchen_ticket_makes_the_order_ready_and_moves_its_number_on_the_board(kitchen):
    from diancan import bootstrap

    order_id = paid_order([("d-gongbao", 1, ["spicy-mild"]), ("d-cola", 1, [])], pickup_no=42)
    dispatch(sqs_event(order_id))
    board = bootstrap.kitchen()
    wok = board.open_tickets("sh-jingan", "wok")["tickets"]
    assert [t["order_id"] for t in wok] == [order_id] and wok[0]["lines"][0]["name"] == "宫保鸡丁"
    assert 42 in board.pickup_board("sh-jingan")["preparing"]
    first = board.bump(order_id, wok[0]["ticket_id"], by="cook:1")
    assert first["order_ready"] is False and board.open_tickets("sh-jingan", "wok")["tickets"] == []
    bar = board.open_tickets("sh-jingan", "bar")["tickets"][0]
    assert board.bump(order_id, bar["ticket_id"], by="cook:2")["order_status"] == "READY"
    shown = board.pickup_board("sh-jingan")
    assert shown["ready"] == [42] and 42 not in shown["preparing"] and shown["last_called"]["pickup_no"] == 42


def test_calling_a_number_makes_the_order_ready_and_says_the_number(kitchen):
    from diancan import bootstrap

    order_id = paid_order([("d-cola", 1, [])], pickup_no=7)
    dispatch(sqs_event(order_id))
    called = bootstrap.kitchen().call_number(order_id, by="staff:counter")
    assert called["status"] == "READY" and called["speech"] == "请7号顾客取餐"
    assert order_of(order_id).status == "READY"


def test_the_kitchen_screen_orders_tickets_by_due_time_with_pre_orders_marked(kitchen):
    from datetime import timedelta

    from diancan import bootstrap
    from diancan.domain.clock import iso, utcnow

    soon, later = iso(utcnow() + timedelta(minutes=10)), iso(utcnow() + timedelta(minutes=40))
    for_later = paid_order([("d-gongbao", 1, ["spicy-mild"])], pickup_no=1, pickup_at=later)
    dispatch(sqs_event(for_later))
    of_now = paid_order([("d-gongbao", 1, ["spicy-mild"])], pickup_no=2)
    dispatch(sqs_event(of_now))
    for_soon = paid_order([("d-gongbao", 1, ["spicy-mild"])], pickup_no=3, pickup_at=soon)
    dispatch(sqs_event(for_soon))
    wok = bootstrap.kitchen().open_tickets("sh-jingan", "wok")["tickets"]
    assert [t["order_id"] for t in wok] == [of_now, for_soon, for_later]  # printed in another order
    assert [(t["preorder"], t["pickup_at"]) for t in wok] == [(False, None), (True, soon), (True, later)]
    assert [t["due_at"] for t in wok][1:] == [soon, later]
