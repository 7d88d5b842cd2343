"""The rules of busy mode and waiting times (domain/service_state.py): busy by switch or above the open-ticket
limit, stale tickets not counted, slot capacity while busy, delivery paused, and the estimate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from diancan.domain.clock import iso
from diancan.domain.menu import Dish, Store
from diancan.domain.order import Order
from diancan.domain.service_state import (
    DeliveryPaused,
    KitchenSettings,
    OpenTicket,
    ServiceState,
    estimate,
    order_estimate,
    slot_capacity,
)

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)


def ticket(tid: str, order_id: str, minutes_ago: float, prep: int = 10) -> OpenTicket:
    return OpenTicket(tid, order_id, iso(NOW - timedelta(minutes=minutes_ago)), prep)


def test_busy_by_switch_or_above_the_limit_and_stale_tickets_do_not_count():
    settings = KitchenSettings(busy_ticket_limit=2)
    two = ServiceState(tickets=(ticket("a", "o1", 5), ticket("b", "o2", 4)))
    assert not two.busy(settings, NOW) and not two.busy(KitchenSettings(), NOW)
    three = ServiceState(tickets=(*two.tickets, ticket("c", "o3", 3)))
    assert three.busy(settings, NOW) and three.view(settings, NOW)["busy_reason"] == "tickets"
    assert not three.busy(KitchenSettings(), NOW)  # no limit: never automatic
    stale = ServiceState(tickets=(*two.tickets, ticket("old", "o0", 7 * 60)))
    assert not stale.busy(settings, NOW) and stale.stale(NOW) == ["old"]
    switched = ServiceState(busy_switched=True)
    assert switched.view(settings, NOW)["busy_reason"] == "staff"


def test_slot_capacity_shrinks_only_while_busy():
    settings = KitchenSettings(busy_slot_factor=0.5)
    assert (slot_capacity(7, False, settings), slot_capacity(7, True, settings)) == (7, 3)
    assert slot_capacity(7, True, KitchenSettings(busy_slot_factor=0)) == 0


def test_delivery_paused_refuses_delivery_alone():
    paused = ServiceState(delivery_paused=True)
    paused.check_delivery("takeout")
    paused.check_delivery("dine_in")
    with pytest.raises(DeliveryPaused) as refused:
        paused.check_delivery("delivery")
    assert (refused.value.status, refused.value.code) == (409, "DELIVERY_PAUSED")
    ServiceState().check_delivery("delivery")


def test_an_orders_prep_time_is_its_slowest_dish_or_the_default():
    settings = KitchenSettings(default_prep_minutes=8)
    dish = Dish(dish_id="d", store_id="s", category_id="c", name="x", price_fen=1)
    assert settings.order_prep_minutes([dish, dish.model_copy(update={"prep_minutes": 20})]) == 20
    assert settings.order_prep_minutes([dish]) == 8 and settings.order_prep_minutes([]) == 8
    assert KitchenSettings.of(Store(store_id="s", name="s", settings={"kitchen": {"lanes": 3}})).lanes == 3


def test_the_estimate_counts_what_is_left_of_the_orders_ahead_shared_by_the_lanes():
    # o1 entered 5 min ago (10 min dish: 5 left), o2 2 min ago (8 left); mine entered now, 12 minutes
    state = ServiceState(lanes=2, tickets=(ticket("a", "o1", 5), ticket("a2", "o1", 5, prep=6), ticket("b", "o2", 2),
                                           ticket("m", "mine", 0, prep=12)))
    result = estimate(state, "mine", entered_at=NOW, prep_minutes=12, now=NOW)
    assert result.orders_ahead == 2
    assert result.ready_at == NOW + timedelta(minutes=19)  # (5 + 8) / 2 lanes + 12 = 18.5, up to the minute
    alone = estimate(ServiceState(), "mine", entered_at=NOW - timedelta(minutes=3), prep_minutes=12, now=NOW)
    assert (alone.orders_ahead, alone.ready_at) == (0, NOW + timedelta(minutes=9))
    late = estimate(ServiceState(), "mine", entered_at=NOW - timedelta(minutes=30), prep_minutes=12, now=NOW)
    assert late.ready_at == NOW + timedelta(minutes=1)  # overdue: any minute now, never in the past
    one_lane = estimate(ServiceState(lanes=1, tickets=state.tickets), "mine", entered_at=NOW, prep_minutes=12, now=NOW)
    assert one_lane.ready_at == NOW + timedelta(minutes=5 + 8 + 12)


def test_an_order_not_yet_among_the_tickets_queues_behind_those_entered_before_it():
    state = ServiceState(tickets=(ticket("a", "o1", 5), ticket("b", "o2", -1)))  # o2 entered after it
    order = Order(order_id="mine", store_id="s", openid="g", mode="takeout", lines=[], items_fen=1, total_fen=1,
                  created_at=iso(NOW), business_day="2026-11-24", pay_expires_at=iso(NOW), paid_at=iso(NOW),
                  prep_minutes=10)
    result = order_estimate(state, order, NOW)
    assert result.orders_ahead == 1
    preorder = order.model_copy(update={"pickup_at": iso(NOW + timedelta(hours=2))})
    assert order_estimate(state, preorder, NOW).ready_at == NOW + timedelta(hours=2)


def test_a_pre_order_paid_ahead_enters_the_kitchen_at_its_release_not_at_its_payment():
    released = ServiceState(tickets=(ticket("a", "o1", 20), ticket("b", "o2", 3)))  # o2 came in 3 minutes ago
    order = Order(order_id="pre", store_id="s", openid="g", mode="takeout", lines=[], items_fen=1, total_fen=1,
                  created_at=iso(NOW - timedelta(days=1)), business_day="2026-11-23",
                  pay_expires_at=iso(NOW - timedelta(days=1)), paid_at=iso(NOW - timedelta(days=1)),
                  pickup_at=iso(NOW + timedelta(minutes=20)), release_at=iso(NOW), prep_minutes=10)
    assert order.kitchen_at == iso(NOW)
    assert order_estimate(released, order, NOW).orders_ahead == 2  # behind both, not ahead of today's orders
    late = order.model_copy(update={"paid_at": iso(NOW + timedelta(minutes=1))})  # paid after its release
    assert late.kitchen_at == late.paid_at
