"""Pre-orders in the domain: the release time, the 15-minute slots and their capacity, the events' contract,
and the kitchen ticket of a pre-order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from diancan.domain.delivery_settings import StoreDelivery
from diancan.domain.events import OrderPaid, OrderReleased
from diancan.domain.menu import OpeningPeriod, Store
from diancan.domain.preorders import (
    PreorderSettings,
    day_slots,
    next_free,
    release_at,
    slot_capacity,
    slot_of,
    waits_for_release,
)
from diancan.domain.printing import prints_on
from diancan.domain.ticket_render import render_feieyun
from diancan.domain.tickets import build_tickets
from tests.unit.test_tickets import STATIONS, make_order

pytestmark = pytest.mark.unit

SHANGHAI_NOON = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def store(**settings) -> Store:
    return Store(store_id="s1", name="小馆", hours=[OpeningPeriod(open="10:00", close="14:00")], settings=settings)


def test_release_is_the_pickup_time_minus_the_lead_time_of_the_mode():
    plain = store()
    assert release_at(plain, "takeout", SHANGHAI_NOON) == SHANGHAI_NOON - timedelta(minutes=20)
    assert release_at(plain, "delivery", SHANGHAI_NOON) == SHANGHAI_NOON - timedelta(minutes=45)
    custom = store(preorder={"lead_minutes": {"delivery": 60}})
    assert release_at(custom, "delivery", SHANGHAI_NOON) == SHANGHAI_NOON - timedelta(minutes=60)
    assert release_at(custom, "takeout", SHANGHAI_NOON) == SHANGHAI_NOON - timedelta(minutes=20)  # default kept


@pytest.mark.parametrize("bad", [{"lead_minutes": {"dine_in": 5}}, {"lead_minutes": {"takeout": -1}},
                                 {"lead_minutes": {"takeout": 1441}}, {"slot_capacity": -1}, {"slot_capacity": 501}])
def test_settings_out_of_range_are_refused_and_a_stored_bad_value_reads_as_the_defaults(bad):
    with pytest.raises(ValueError):
        PreorderSettings.model_validate(bad)
    assert PreorderSettings.of(store(preorder=bad)) == PreorderSettings()


def test_a_pickup_time_falls_in_the_local_quarter_hour_it_starts_in():
    plain = store()
    assert slot_of(plain, SHANGHAI_NOON) == "2026-12-06T12:00"
    assert slot_of(plain, SHANGHAI_NOON + timedelta(minutes=14, seconds=59)) == "2026-12-06T12:00"
    assert slot_of(plain, SHANGHAI_NOON + timedelta(minutes=15)) == "2026-12-06T12:15"
    assert slot_of(plain, datetime(2026, 12, 5, 16, 5, tzinfo=UTC)) == "2026-12-06T00:00"  # the local day


@pytest.mark.parametrize(("kitchen", "busy", "capacity"), [(None, False, 10), (None, True, 5),
                                                            ({"busy_slot_factor": 0.25}, True, 2),
                                                            ({"busy_slot_factor": 0.25}, False, 10),
                                                            ({"busy_slot_factor": 0}, True, 0)])
def test_busy_mode_shrinks_every_slot_by_the_kitchens_busy_slot_factor(kitchen, busy, capacity):
    settings = {} if kitchen is None else {"kitchen": kitchen}
    assert slot_capacity(store(**settings), busy) == capacity
    day = day_slots(store(**settings), "takeout", date(2026, 12, 6), now=datetime(2026, 12, 6, 2, 50, tzinfo=UTC),
                    taken={}, busy=busy)
    assert {slot.capacity for slot in day} == {capacity}


def test_the_slots_of_a_day_are_the_open_quarter_hours_past_the_lead_time_with_what_is_taken():
    plain = store(preorder={"slot_capacity": 2})
    now = datetime(2026, 12, 6, 2, 50, tzinfo=UTC)  # 10:50 local: 11:10 is the first takeout slot
    slots = day_slots(plain, "takeout", date(2026, 12, 6), now=now, taken={"2026-12-06T11:15": 2,
                                                                           "2026-12-06T11:30": 1}, busy=False)
    assert [s.slot[11:] for s in slots][:3] == ["11:15", "11:30", "11:45"]
    assert slots[-1].slot == "2026-12-06T13:45"  # closes at 14:00
    assert (slots[0].taken, slots[0].free, slots[1].taken, slots[1].free) == (2, False, 1, True)
    assert slots[0].pickup_at == "2026-12-06T03:15:00.000Z"
    assert next_free(slots, "2026-12-06T11:00", limit=2) == ["2026-12-06T03:30:00.000Z", "2026-12-06T03:45:00.000Z"]
    assert day_slots(plain, "delivery", date(2026, 12, 6), now=now, taken={}, busy=False)[0].slot == "2026-12-06T11:45"
    assert day_slots(plain, "takeout", date(2026, 12, 20), now=now, taken={}, busy=False) == []  # past the 7-day window


def test_an_order_paid_ahead_tells_printing_and_the_courier_to_wait_for_its_release():
    paid = OrderPaid(order_id="o", store_id="s", at="t", mode="delivery", total_fen=1, transaction_id="x",
                     pickup_no=1, release_at="2026-12-06T03:15:00.000Z")
    now = paid.model_copy(update={"release_at": None})
    released = OrderReleased(order_id="o", store_id="s", at="t", mode="delivery", total_fen=1, pickup_no=1,
                             pickup_at="2026-12-06T04:00:00.000Z")
    assert waits_for_release(paid) and not waits_for_release(now) and not waits_for_release(released)
    assert "release_at" not in now.detail and paid.detail["release_at"] == "2026-12-06T03:15:00.000Z"
    assert prints_on(store(), "OrderReleased") and not prints_on(store(print_when="accept"), "OrderReleased")
    delivery = StoreDelivery.model_validate({"area": {"radius_m": 3000}, "fees": {"tiers": [[3000, 500]]}})
    assert delivery.dispatches_on("OrderReleased")
    assert not delivery.model_copy(update={"dispatch_when": "accept"}).dispatches_on("OrderReleased")


def test_a_pre_orders_kitchen_ticket_shows_its_pickup_time_large_and_says_it_is_a_pre_order():
    order = make_order(mode="takeout", table_no=None, pickup_at=SHANGHAI_NOON + timedelta(minutes=30))
    content = render_feieyun(build_tickets(order, STATIONS)[0], 32)
    assert "<CB>** 预约单 **</CB>" in content
    assert "<CB>取餐 12:30</CB>" in content
    assert "<C>2026-12-06</C>" in content
    delivery = render_feieyun(build_tickets(order.model_copy(update={"mode": "delivery"}), STATIONS)[0], 32)
    assert "<CB>送达 12:30</CB>" in delivery
    assert "预约" not in render_feieyun(build_tickets(make_order(), STATIONS)[0], 32)
    assert order.due_at == order.pickup_at and make_order().due_at == make_order().paid_at
