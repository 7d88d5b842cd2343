"""Delivery on fakes: a paid delivery order books the courier once, the courier's callbacks move the order to
DELIVERING and COMPLETED (OrderCompleted once), a refusal hands the order to staff, a forged callback
changes nothing."""

from __future__ import annotations

import json

import pytest

from diancan.domain.dispatch import DispatchState
from diancan.domain.events import ORDER_OUT_FOR_DELIVERY
from diancan.domain.exceptions import CallbackRejected, CourierError, CourierUnavailable
from diancan.domain.menu import Store
from diancan.domain.order import DeliveryAddress
from diancan.domain.order_status import OrderStatus
from diancan.services.completion import ORDER_COMPLETED
from diancan.services.delivery import DeliveryService
from tests.services.fakes import FakeCipher, FakeCourier, FakeDispatches
from tests.services.scene import Scene, order, paid_event

pytestmark = pytest.mark.service

SETTINGS = {"area": {"radius_m": 5000}, "fees": {"tiers": [[3000, 500], [5000, 800]]}, "city_code": "021"}
STORE = Store(store_id="sh-jingan", name="静安店", lat=31.2235, lng=121.4454, settings={"delivery": SETTINGS})
ADDRESS = DeliveryAddress(contact="王女士", phone="13800138000", text="南京西路1266号", lat=31.2290, lng=121.4500)


class Alerts:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def publish(self, kind: str, subject: str, detail: dict) -> None:
        self.sent.append(subject)


@pytest.fixture
def scene():
    scene = Scene()
    scene.orders.given_store(STORE)
    scene.dispatches, scene.courier, scene.alerts = FakeDispatches(scene.world), FakeCourier(), Alerts()
    return scene


@pytest.fixture
def delivery(scene):
    return DeliveryService(scene.orders, scene.dispatches, scene.courier, FakeCipher(), scene.alerts, scene.bus,
                           public_base_url="https://api.example.com", clock=scene.clock, max_receives=3)


def paid_delivery(scene, order_id="261124123000D0000001"):
    o = order(order_id, mode="delivery", status=OrderStatus.PAID, pickup_no=12, address=ADDRESS)
    return scene.orders.given_order(o, address=FakeCipher().encrypt(ADDRESS.model_dump_json()))


def callback(o, status, at="2026-11-24T04:50:00+00:00", **extra):
    return json.dumps({"origin_id": o.order_id, "status": status, "at": at, **extra})


def test_a_paid_delivery_order_books_the_courier_once_with_the_guests_address(scene, delivery):
    o = paid_delivery(scene)
    assert delivery.on_event(paid_event(o)) == "booked"
    [booked] = scene.courier.booked
    assert (booked.receiver_phone, booked.receiver_address, booked.pickup_mark) == ("13800138000", "南京西路1266号", "012")
    assert booked.callback_url.startswith("https://api.example.com/courier_callback/dada?")
    assert scene.dispatches.get(o.order_id).state == DispatchState.BOOKED
    assert delivery.on_event(paid_event(o)) == "already_booked"
    assert len(scene.courier.booked) == 1


def test_an_order_that_is_not_a_paid_delivery_books_nothing(scene, delivery):
    takeout = scene.orders.given_order(order("261124123000T0000001", status=OrderStatus.PAID))
    unpaid = scene.orders.given_order(order("261124123000D0000002", mode="delivery", address=ADDRESS))
    assert delivery.on_event(paid_event(takeout)) == "not_delivery"
    assert delivery.on_event(paid_event(unpaid)) == "not_dispatchable"
    assert scene.courier.booked == [] and scene.world.dispatches == {}


def test_a_refusing_courier_hands_the_order_to_staff_with_one_alert(scene, delivery):
    o = paid_delivery(scene)
    scene.courier.failure = CourierError(2105, "out of the service area")
    assert delivery.on_event(paid_event(o)) == "failed"
    assert scene.dispatches.get(o.order_id).state == DispatchState.NEEDS_STAFF
    assert "DISPATCH_FAILED" in scene.world.order(o.order_id).flags
    assert len(scene.alerts.sent) == 1


def test_an_unreachable_courier_is_retried_then_handed_to_staff_on_the_last_delivery(scene, delivery):
    o = paid_delivery(scene)
    scene.courier.failure = CourierUnavailable("timeout")
    with pytest.raises(CourierUnavailable):
        delivery.on_event(paid_event(o), receive_count=1)
    assert scene.dispatches.get(o.order_id).state == DispatchState.BOOKING
    assert delivery.on_event(paid_event(o), receive_count=3) == "failed"
    assert scene.dispatches.get(o.order_id).state == DispatchState.NEEDS_STAFF


def test_the_couriers_callbacks_move_the_order_to_delivering_then_completed_once(scene, delivery):
    o = paid_delivery(scene)
    delivery.on_event(paid_event(o))
    assert delivery.on_callback(callback(o, "PICKED_UP")) == {"status": "ok"}
    assert delivery.on_callback(callback(o, "PICKED_UP")) == {"status": "ok"}  # the platform repeats
    assert scene.status(o.order_id) == "DELIVERING"
    delivery.on_callback(callback(o, "DELIVERED", at="2026-11-24T05:10:00+00:00"))
    assert scene.status(o.order_id) == "COMPLETED"
    assert scene.dispatches.get(o.order_id).state == DispatchState.DELIVERED
    delivery.on_callback(callback(o, "DELIVERED", at="2026-11-24T05:10:00+00:00"))  # the platform repeats
    assert scene.world.event_names() == [ORDER_OUT_FOR_DELIVERY, ORDER_COMPLETED]  # the guest told once each


def test_a_delivered_callback_after_a_lost_pickup_callback_still_completes_the_order(scene, delivery):
    o = paid_delivery(scene)
    delivery.on_event(paid_event(o))
    delivery.on_callback(callback(o, "DELIVERED"))
    assert [h.status for h in scene.world.order(o.order_id).history] == ["DELIVERING", "COMPLETED"]


def test_a_forged_callback_changes_nothing(scene, delivery):
    o = paid_delivery(scene)
    delivery.on_event(paid_event(o))
    before = scene.dispatches.get(o.order_id)
    with pytest.raises(CallbackRejected):
        delivery.on_callback(callback(o, "DELIVERED", forged=True))
    assert scene.dispatches.get(o.order_id) == before and scene.status(o.order_id) == "PAID"


def test_a_delivery_pre_order_books_its_courier_at_its_release_not_at_payment(scene, delivery):
    from diancan.domain.events import OrderReleased

    o = scene.orders.given_order(
        order("261124123000D0000002", mode="delivery", status=OrderStatus.SCHEDULED, pickup_no=13, address=ADDRESS,
              pickup_at="2026-11-25T04:00:00.000Z", release_at="2026-11-25T03:15:00.000Z"),
        address=FakeCipher().encrypt(ADDRESS.model_dump_json()))
    paid_ahead = paid_event(o).model_copy(update={"release_at": o.release_at})
    assert delivery.on_event(paid_ahead) == "not_the_trigger"
    assert scene.courier.booked == []
    scene.world.orders[o.order_id] = o.model_copy(update={"status": OrderStatus.PAID})  # released
    assert delivery.on_event(paid_ahead) == "not_the_trigger"  # a late OrderPaid still books nothing
    released = OrderReleased(order_id=o.order_id, store_id=o.store_id, at="2026-11-25T03:15:05Z", mode="delivery",
                             total_fen=o.total_fen, pickup_no=13, pickup_at=o.pickup_at)
    assert delivery.on_event(released) == "booked"
    assert delivery.on_event(released) == "already_booked"
    assert len(scene.courier.booked) == 1
