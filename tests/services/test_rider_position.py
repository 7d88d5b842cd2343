"""The rider on the map, on fakes: while the rider has the food, each courier callback and the sweeper's
minute query ask the courier where the rider is; a new place is kept (the latest only) and published as
RiderMoved, the same place or an older answer changes nothing, and the query stops once the food arrived."""

from __future__ import annotations

from datetime import timedelta

import pytest

from diancan.domain.delivery import RIDER_TASK, CourierStatus, CourierTracking, CourierUpdate, GeoPoint, Rider
from diancan.domain.events import ORDER_OUT_FOR_DELIVERY, RiderMoved
from diancan.domain.exceptions import CourierUnavailable
from diancan.services.completion import ORDER_COMPLETED
from diancan.services.delivery import DeliveryService
from tests.services.fakes import FakeCipher, FakePaymentLedger
from tests.services.scene import paid_event
from tests.services.test_delivery import STORE, callback, paid_delivery
from tests.services.test_delivery import scene as scene  # the fixture

pytestmark = pytest.mark.service

RIDER = Rider(rider_id="1003", name="赵大勇", phone="13912345678")
HALFWAY = GeoPoint(31.22625, 121.4477)


@pytest.fixture
def delivery(scene):
    return DeliveryService(scene.orders, scene.dispatches, scene.courier, FakeCipher(), scene.alerts, scene.bus,
                           public_base_url="https://api.example.com", clock=scene.clock, max_receives=3,
                           due_work=FakePaymentLedger(scene.world))


def answers(scene, o, point, status=CourierStatus.PICKED_UP, *, later=timedelta(0)):
    """What the courier's status query says from now on: the status, the rider and where they are."""
    update = CourierUpdate(origin_id=o.order_id, status=status, at=scene.now + later, platform_status=3, rider=RIDER)
    scene.courier.tracking[o.order_id] = CourierTracking(update=update, fee_fen=800, tip_fen=0, distance_m=1200,
                                                         rider_point=point)


AT_THE_STORE = GeoPoint(STORE.lat, STORE.lng)


def out_for_delivery(scene, delivery, point=AT_THE_STORE):
    o = paid_delivery(scene)
    delivery.on_event(paid_event(o))
    answers(scene, o, point)
    delivery.on_callback(callback(o, "PICKED_UP"))
    return o


def moves(scene) -> list[RiderMoved]:
    return [e for e in scene.world.events if isinstance(e, RiderMoved)]


def test_the_pickup_callback_asks_where_the_rider_is_publishes_it_and_asks_again_at_the_sweepers_next_run(scene, delivery):
    o = out_for_delivery(scene, delivery)
    [moved] = moves(scene)
    assert (moved.order_id, moved.store_id, moved.lat, moved.lng) == (o.order_id, "sh-jingan", STORE.lat, STORE.lng)
    # about 750 m from the guest: × 1.3 for the streets at 250 m a minute, 3.9 → 4 minutes
    assert moved.eta_at == "2026-11-24T04:34:00.000Z" and moved.at == "2026-11-24T04:30:00.000Z"
    assert scene.dispatches.rider(o.order_id).lat == STORE.lat
    assert ("2026-11-24T04:30", RIDER_TASK, o.order_id, None) in scene.world.sweeps  # swept at the next run
    assert scene.world.event_names()[:1] == [ORDER_OUT_FOR_DELIVERY]


def test_the_minute_query_publishes_a_new_place_and_nothing_for_the_same_place(scene, delivery):
    o = out_for_delivery(scene, delivery)
    scene.now += timedelta(minutes=1)
    answers(scene, o, HALFWAY)
    assert delivery.locate(o.order_id) == "rider_moved"
    assert (moves(scene)[-1].lat, moves(scene)[-1].lng) == HALFWAY
    assert scene.dispatches.rider(o.order_id).lat == HALFWAY.lat  # the latest only, no trail
    scene.now += timedelta(minutes=1)
    answers(scene, o, HALFWAY)
    assert delivery.locate(o.order_id) == "rider_still"
    assert delivery.on_callback(callback(o, "PICKED_UP")) == {"status": "ok"}  # a repeated callback: same place
    assert len(moves(scene)) == 2


def test_an_answer_older_than_the_kept_position_does_not_move_the_rider_back(scene, delivery):
    o = out_for_delivery(scene, delivery, point=HALFWAY)
    answers(scene, o, GeoPoint(STORE.lat, STORE.lng), later=timedelta(seconds=-30))
    assert delivery.locate(o.order_id) == "rider_still"
    assert scene.dispatches.rider(o.order_id).lat == HALFWAY.lat and len(moves(scene)) == 1


def test_a_courier_that_does_not_answer_is_asked_again_next_minute_and_nothing_is_published(scene, delivery):
    o = out_for_delivery(scene, delivery)
    scene.courier.failure = CourierUnavailable("timeout")
    scene.now += timedelta(minutes=1)
    assert delivery.locate(o.order_id) == "rider_unavailable"
    assert ("2026-11-24T04:31", RIDER_TASK, o.order_id, None) in scene.world.sweeps
    assert len(moves(scene)) == 1


def test_a_query_that_finds_the_food_delivered_completes_the_order_and_stops_asking(scene, delivery):
    o = out_for_delivery(scene, delivery)
    scene.now += timedelta(minutes=5)
    answers(scene, o, GeoPoint(31.2290, 121.4500), status=CourierStatus.DELIVERED)  # the callback was lost
    sweeps_before = len(scene.world.sweeps)
    assert delivery.locate(o.order_id) == "rider_done"
    assert scene.status(o.order_id) == "COMPLETED" and ORDER_COMPLETED in scene.world.event_names()
    assert len(scene.world.sweeps) == sweeps_before and len(moves(scene)) == 1
    queries = len(scene.courier.queries)
    assert delivery.locate(o.order_id) == "rider_not_out" and len(scene.courier.queries) == queries


def test_no_position_is_asked_before_pickup(scene, delivery):
    o = paid_delivery(scene)
    delivery.on_event(paid_event(o))
    answers(scene, o, HALFWAY, status=CourierStatus.RIDER_ASSIGNED)
    delivery.on_callback(callback(o, "RIDER_ASSIGNED"))
    assert delivery.locate(o.order_id) == "rider_not_out"
    assert scene.courier.queries == [] and moves(scene) == [] and scene.world.riders == {}


def test_a_query_that_finds_the_delivery_cancelled_by_the_platform_re_publishes_it_as_its_callback_would(
        scene, delivery):
    o = out_for_delivery(scene, delivery)
    scene.now += timedelta(minutes=2)
    answers(scene, o, None, status=CourierStatus.CANCELLED)  # the platform's cancel callback was lost
    assert delivery.locate(o.order_id) == "rider_done"
    assert len(scene.courier.booked) == 2  # booked, then re-published once automatically
    dispatch = scene.dispatches.get(o.order_id)
    assert dispatch.history.attempt == 2 and dispatch.auto_redispatches == 1
