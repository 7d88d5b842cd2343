"""The dashboard's counters follow the real flows (WeChat Pay simulator, kitchen, console, refunds): a payment
counts once however often it is notified, every applied move shifts the status counts once, a full refund
moves the order to REFUNDED, and the hours compare with the same weekday of last week."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.handlers.test_payments import notify, order_state, paid_order, place, resource_for, wait_for
from tests.wxpay_fixtures import signed_notification

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"


def _today(stats) -> dict:
    return stats.dashboard([STORE], stats.today())


def _paid(token: str, key: str) -> dict:
    order = place(token, key)
    headers, body = signed_notification(resource_for(order, transaction_id="42000000000000000000" + key[-8:]))
    for _ in range(3):  # WeChat Pay repeats notifications; the order is counted once
        assert notify(headers, body)[0] == 204
    return order


def test_a_payment_notified_three_times_counts_one_order_in_its_local_hour(live, guest_token):
    from diancan import bootstrap
    from diancan.domain.clock import local, parse_iso

    order = _paid(guest_token(), "count-key-00000001")
    view = _today(bootstrap.stats())
    paid = order_state(order["order_id"])
    hour = local(parse_iso(paid.paid_at)).hour
    assert (view["orders"], view["revenue_fen"]) == (1, order["total_fen"])
    assert view["by_hour"][hour] == 1 and sum(view["by_hour"]) == 1
    assert view["by_status"] == {"PAID": 1}
    assert {d["dish_id"]: d["qty"] for d in view["hot_dishes"]} == {"d-hongshao": 2, "d-cola": 1}


def test_the_hours_compare_with_the_same_weekday_of_last_week(live, guest_token):
    from diancan import bootstrap
    from diancan.domain.stats import CounterUpdate

    stats = bootstrap.stats()
    last_week = (stats.today() - timedelta(days=7)).isoformat()
    stats._counters.apply(STORE, last_week, CounterUpdate({"orders": 3, "h:12": 2, "h:18": 1, "revenue_fen": 9000}))
    stats._counters.apply(STORE, (stats.today() - timedelta(days=6)).isoformat(), CounterUpdate({"h:12": 50}))
    _paid(guest_token(), "count-key-00000002")
    view = _today(stats)
    assert view["compare_day"] == last_week
    assert view["last_week"]["orders"] == 3 and view["last_week"]["revenue_fen"] == 9000
    assert view["last_week"]["by_hour"][12] == 2 and view["last_week"]["by_hour"][18] == 1
    assert sum(view["last_week"]["by_hour"]) == 3  # yesterday-but-six is not last week's weekday
    assert view["orders"] == 1


def test_every_applied_move_shifts_the_status_counts_once_and_replays_shift_nothing(live, guest_token):
    from diancan import bootstrap
    from diancan.services.completion import complete_order

    order = _paid(guest_token(), "count-key-00000003")
    kitchen = bootstrap.kitchen()
    kitchen.call_number(order["order_id"], "staff:cook")  # PAID → PREPARING → READY
    kitchen.call_number(order["order_id"], "staff:cook")  # a replay
    assert _today(bootstrap.stats())["by_status"] == {"READY": 1}
    ready = order_state(order["order_id"])
    for _ in range(2):
        complete_order(bootstrap.repository(), bootstrap.event_bus(), ready, at=ready.paid_at, by="staff:x")
    assert _today(bootstrap.stats())["by_status"] == {"COMPLETED": 1}


def test_a_full_refund_takes_the_money_out_and_counts_the_order_as_refunded(live, guest_token):
    from diancan import bootstrap

    order = paid_order(live, guest_token(), "count-key-00000004")  # paid in the simulator, so it can refund
    wait_for(lambda: _today(bootstrap.stats())["orders"] == 1)
    bootstrap.payments().refund(order["order_id"], 500, reason="cold", by="staff:mgr")
    partly = wait_for(lambda: (v := _today(bootstrap.stats()))["refunds"] == 1 and v)  # counted after it settled
    assert (partly["refunded_fen"], partly["by_status"]) == (500, {"PAID": 1})
    bootstrap.payments().refund(order["order_id"], None, reason="rest", by="staff:mgr")
    view = wait_for(lambda: (v := _today(bootstrap.stats()))["refunds"] == 2 and v)
    assert (view["refunded_fen"], view["refunds"], view["net_fen"]) == (order["total_fen"], 2, 0)
    assert view["by_status"] == {"REFUNDED": 1}


def test_a_counter_write_that_fails_is_logged_and_never_fails_the_move(paid_order, monkeypatch, caplog):
    """Counters are derived figures: the repository's ADD failing leaves the applied transition applied."""
    from diancan import bootstrap
    from diancan.adapters.counters import Counters
    from diancan.domain.clock import iso, utcnow
    from diancan.domain.order_status import OrderAction, OrderStatus

    def table_down(self, *args) -> None:
        raise RuntimeError("table down")

    monkeypatch.setattr(Counters, "apply", table_down)
    result = bootstrap.repository().transition(paid_order.order_id, "takeout", OrderAction.START, at=iso(utcnow()))
    assert result.applied and bootstrap.repository().get_order(paid_order.order_id).status == OrderStatus.PREPARING
    assert "dashboard counter not updated" in caplog.text
