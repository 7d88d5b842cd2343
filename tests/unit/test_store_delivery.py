"""Store delivery settings of the demo stores with real Shanghai places, and the dispatch record's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from diancan.domain.delivery import (
    BelowDeliveryMinimum,
    CourierStatus,
    CourierUpdate,
    GeoPoint,
    OutOfDeliveryRange,
    Rider,
)
from diancan.domain.delivery_settings import DeliveryNotOffered, DispatchWhen, StoreDelivery, price_delivery
from diancan.domain.dispatch import Dispatch, DispatchState, DispatchStateRefused
from local.demo_data import stores

pytestmark = pytest.mark.unit

JINGAN, XUHUI = (next(s for s in stores() if s.store_id == sid) for sid in ("sh-jingan", "sh-xuhui"))
PEOPLES_SQUARE = GeoPoint(31.2304, 121.4737)
JINGAN_TEMPLE = GeoPoint(31.2235, 121.4455)
THE_BUND = GeoPoint(31.2400, 121.4900)
HONGQIAO_STATION = GeoPoint(31.1940, 121.3200)
GRAND_GATEWAY_66 = GeoPoint(31.1950, 121.4375)  # 港汇恒隆, 徐家汇
LONGHUA_TEMPLE = GeoPoint(31.1745, 121.4490)
SHANGHAI_SOUTH_STATION = GeoPoint(31.1545, 121.4300)
AT = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)


@pytest.mark.parametrize(("place", "fee_fen"), [(JINGAN_TEMPLE, 300), (PEOPLES_SQUARE, 500), (THE_BUND, 800)])
def test_the_jingan_fee_follows_the_distance_tiers(place: GeoPoint, fee_fen: int) -> None:
    assert price_delivery(JINGAN, place, 5000).fee_fen == fee_fen


def test_jingan_delivers_free_from_88_yuan_and_refuses_below_20() -> None:
    assert price_delivery(JINGAN, THE_BUND, 8800).fee_fen == 0
    with pytest.raises(BelowDeliveryMinimum):
        price_delivery(JINGAN, PEOPLES_SQUARE, 1999)


def test_hongqiao_station_is_outside_jingans_radius_with_its_distance() -> None:
    with pytest.raises(OutOfDeliveryRange) as refused:
        price_delivery(JINGAN, HONGQIAO_STATION, 5000)
    assert 12_000 < refused.value.details["distance_m"] < 14_000


@pytest.mark.parametrize(("place", "inside"), [(GRAND_GATEWAY_66, True), (LONGHUA_TEMPLE, True),
                                               (SHANGHAI_SOUTH_STATION, False), (PEOPLES_SQUARE, False)])
def test_the_xuhui_polygon_tells_inside_from_outside(place: GeoPoint, inside: bool) -> None:
    if inside:
        assert price_delivery(XUHUI, place, 5000).fee_fen in (400, 700)
    else:
        with pytest.raises(OutOfDeliveryRange):
            price_delivery(XUHUI, place, 5000)


def test_a_store_without_delivery_settings_does_not_deliver() -> None:
    with pytest.raises(DeliveryNotOffered):
        price_delivery(JINGAN.model_copy(update={"settings": {}}), PEOPLES_SQUARE, 5000)


def test_the_store_books_its_courier_on_its_own_trigger_or_on_request() -> None:
    jingan, xuhui = StoreDelivery.of(JINGAN), StoreDelivery.of(XUHUI)
    assert (jingan.dispatch_when, xuhui.dispatch_when) == (DispatchWhen.PAYMENT, DispatchWhen.ACCEPT)
    assert jingan.dispatches_on("OrderPaid") and not jingan.dispatches_on("OrderAccepted")
    assert xuhui.dispatches_on("OrderAccepted") and not xuhui.dispatches_on("OrderPaid")
    assert xuhui.dispatches_on("CourierDispatchRequested")


def _update(status: CourierStatus, seconds: int, phone: str = "13912345678") -> CourierUpdate:
    return CourierUpdate(origin_id="O1", status=status, at=AT + timedelta(seconds=seconds), platform_status=2,
                         rider=Rider(rider_id="7", name="张师傅", phone=phone))


def test_a_dispatch_keeps_only_the_masked_phone_and_a_duplicate_changes_nothing() -> None:
    dispatch = Dispatch.claim("O1", "sh-jingan", "dada", "021", AT)
    assigned, changed = dispatch.apply(_update(CourierStatus.RIDER_ASSIGNED, 10))
    _, changed_again = assigned.apply(_update(CourierStatus.RIDER_ASSIGNED, 10))
    assert changed and not changed_again
    assert assigned.view()["rider"] == {"name": "张师傅", "phone": "139****5678"}
    assert "13912345678" not in assigned.model_dump_json()


def test_an_own_staff_table_starts_waiting_for_staff_and_states_are_enforced() -> None:
    dispatch = Dispatch.claim("O1", "sh-jingan", "own_staff", "", AT)
    assert dispatch.state == DispatchState.AWAITING_STAFF and dispatch.active
    with pytest.raises(DispatchStateRefused):
        dispatch.require(DispatchState.BOOKED)
