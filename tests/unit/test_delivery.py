"""Delivery area, fee rules, courier status ranking and the delivery history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diancan.domain.delivery import (
    BelowDeliveryMinimum,
    CourierStatus,
    CourierUpdate,
    DeliveryArea,
    DeliveryFeeRules,
    DeliveryHistory,
    FeeTier,
    GeoPoint,
    OrderAction,
    OutOfDeliveryRange,
    Rider,
    RiderPosition,
    is_forward,
    mask_name,
    mask_phone,
    order_action_for,
    point_in_polygon,
    quote_delivery,
)
from diancan.domain.errors import Unprocessable
from diancan.domain.geo import haversine_m

pytestmark = pytest.mark.unit

PEOPLES_SQUARE = GeoPoint(31.2304, 121.4737)  # 人民广场, GCJ-02
THE_BUND = GeoPoint(31.2400, 121.4900)  # 外滩
XINTIANDI = GeoPoint(31.2195, 121.4755)  # 新天地
YU_GARDEN = GeoPoint(31.2272, 121.4921)  # 豫园
LUJIAZUI = GeoPoint(31.2397, 121.4998)  # 陆家嘴, across the river
XUJIAHUI = GeoPoint(31.1955, 121.4365)  # 徐家汇

# An L-shaped area over Huangpu: a full-width band in the north, only the western half further south,
# so Yu Garden sits in the notch that a convex hull would wrongly include.
HUANGPU_L = (GeoPoint(31.2450, 121.4600), GeoPoint(31.2450, 121.4950), GeoPoint(31.2300, 121.4950),
             GeoPoint(31.2300, 121.4800), GeoPoint(31.2000, 121.4800), GeoPoint(31.2000, 121.4600))

RULES = DeliveryFeeRules(tiers=(FeeTier(3000, 500), FeeTier(5000, 800)), free_from_fen=8800,
                         minimum_order_fen=2000)


def test_haversine_gives_one_degree_of_latitude_as_about_111_km() -> None:
    assert haversine_m((0.0, 0.0), (1.0, 0.0)) == pytest.approx(111_195, abs=1)


def test_haversine_between_peoples_square_and_the_bund_is_under_two_km() -> None:
    assert 1_800 < haversine_m(PEOPLES_SQUARE, THE_BUND) < 2_000


@pytest.mark.parametrize(("place", "inside"), [
    (PEOPLES_SQUARE, True), (THE_BUND, True), (XINTIANDI, True),
    (YU_GARDEN, False), (LUJIAZUI, False), (XUJIAHUI, False),
])
def test_a_concave_district_polygon_tells_inside_from_outside(place: GeoPoint, inside: bool) -> None:
    assert point_in_polygon(place, HUANGPU_L) is inside


@pytest.mark.parametrize("vertex", HUANGPU_L)
def test_every_vertex_counts_as_inside(vertex: GeoPoint) -> None:
    assert point_in_polygon(vertex, HUANGPU_L)


def test_points_on_edges_count_as_inside() -> None:
    assert point_in_polygon(GeoPoint(31.2300, 121.4870), HUANGPU_L)  # on the notch's top edge
    assert point_in_polygon(GeoPoint(31.2150, 121.4800), HUANGPU_L)  # on the notch's side edge


def test_a_ray_along_a_horizontal_edge_through_two_vertices_counts_right() -> None:
    assert point_in_polygon(GeoPoint(31.2300, 121.4700), HUANGPU_L)
    assert not point_in_polygon(GeoPoint(31.2300, 121.4500), HUANGPU_L)
    assert not point_in_polygon(GeoPoint(31.2300, 121.5000), HUANGPU_L)


def test_a_radius_area_covers_the_bund_but_not_xujiahui_from_peoples_square() -> None:
    area = DeliveryArea(radius_m=3000)
    assert area.covers(PEOPLES_SQUARE, THE_BUND)
    assert not area.covers(PEOPLES_SQUARE, XUJIAHUI)


def test_an_area_is_either_a_radius_or_a_polygon() -> None:
    with pytest.raises(ValueError):
        DeliveryArea()
    with pytest.raises(ValueError):
        DeliveryArea(radius_m=1000, polygon=HUANGPU_L)
    with pytest.raises(ValueError):
        DeliveryArea(polygon=HUANGPU_L[:2])


def test_the_fee_comes_from_the_first_tier_that_reaches_the_distance() -> None:
    near = quote_delivery(PEOPLES_SQUARE, DeliveryArea(radius_m=6000), RULES, THE_BUND, items_fen=3000)
    far = quote_delivery(PEOPLES_SQUARE, DeliveryArea(radius_m=6000), RULES, GeoPoint(31.2304, 121.5150),
                         items_fen=3000)
    assert (near.fee_fen, far.fee_fen) == (500, 800)
    assert 3000 < far.distance_m <= 5000


def test_delivery_is_free_from_the_threshold_on_but_not_below_it() -> None:
    area = DeliveryArea(radius_m=3000)
    at_threshold = quote_delivery(PEOPLES_SQUARE, area, RULES, THE_BUND, items_fen=8800)
    below = quote_delivery(PEOPLES_SQUARE, area, RULES, THE_BUND, items_fen=8799)
    assert (at_threshold.fee_fen, at_threshold.waived_fen) == (0, 500)
    assert (below.fee_fen, below.waived_fen) == (500, 0)


def test_an_order_below_the_minimum_is_refused_with_how_much_is_missing() -> None:
    with pytest.raises(BelowDeliveryMinimum) as refused:
        quote_delivery(PEOPLES_SQUARE, DeliveryArea(radius_m=3000), RULES, THE_BUND, items_fen=1650)
    assert refused.value.code == "BELOW_DELIVERY_MINIMUM"
    assert refused.value.details["short_by_fen"] == 350
    assert "3.50" in refused.value.message_zh and "3.50" in refused.value.message_en


def test_an_address_outside_the_polygon_is_refused_with_its_distance_in_both_languages() -> None:
    with pytest.raises(OutOfDeliveryRange) as refused:
        quote_delivery(PEOPLES_SQUARE, DeliveryArea(polygon=HUANGPU_L), RULES, YU_GARDEN, items_fen=5000)
    error = refused.value
    assert isinstance(error, Unprocessable) and error.status == 422
    assert error.code == "OUT_OF_DELIVERY_RANGE"
    assert error.details["distance_m"] == round(haversine_m(PEOPLES_SQUARE, YU_GARDEN))
    assert "超出配送范围" in error.message_zh and "outside" in error.message_en
    assert error.to_body()["details"]["distance_m"] > 0


def test_a_distance_beyond_the_last_tier_is_out_of_range_even_inside_the_radius() -> None:
    with pytest.raises(OutOfDeliveryRange):
        quote_delivery(PEOPLES_SQUARE, DeliveryArea(radius_m=8000), RULES, XUJIAHUI, items_fen=5000)


def test_fee_tiers_must_ascend() -> None:
    with pytest.raises(ValueError):
        DeliveryFeeRules(tiers=(FeeTier(5000, 800), FeeTier(3000, 500)))


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"), ("02112345678", "021****5678"), ("12345", "***45"), ("", ""),
])
def test_phone_numbers_are_masked_in_the_middle(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(("name", "masked"), [("赵大勇", "赵**"), ("刘阳", "刘*"), ("李", "李*"), ("", "")])
def test_rider_names_keep_their_first_character_only(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_a_riders_arrival_is_the_street_distance_at_rider_speed_in_whole_minutes_and_none_without_an_address() -> None:
    at = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    distance = haversine_m(PEOPLES_SQUARE, THE_BUND)  # about 1.9 km: × 1.3 / 250 m a minute ≈ 9.9 → 10 minutes
    assert RiderPosition.reported(PEOPLES_SQUARE, at, THE_BUND).eta_at == at + timedelta(
        minutes=-(-distance * 1.3 // 250))
    assert RiderPosition.reported(PEOPLES_SQUARE, at, THE_BUND).eta_at == at + timedelta(minutes=10)
    assert RiderPosition.reported(THE_BUND, at, THE_BUND).eta_at == at  # arrived
    assert RiderPosition.reported(PEOPLES_SQUARE, at, None).eta_at is None


def test_a_position_finer_than_the_platform_reports_is_the_same_place() -> None:
    at = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert RiderPosition(lat=31.23040004, lng=121.47370001, at=at) == RiderPosition(lat=31.2304, lng=121.4737, at=at)


# --- courier status -------------------------------------------------------------------------------

T0 = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
HAPPY = [(1, 0), (2, 10), (100, 200), (3, 260), (4, 900)]
RIDER = Rider(rider_id="1001", name="张师傅", phone="13912345678")


def update(code: int, seconds: int, rider: Rider | None = RIDER, origin_id: str = "O1") -> CourierUpdate:
    return CourierUpdate(origin_id=origin_id, status=CourierStatus.from_dada(code), platform_status=code,
                         at=T0 + timedelta(seconds=seconds), rider=rider if code not in (1, 8) else None)


def apply_all(history: DeliveryHistory, updates: list[CourierUpdate]) -> DeliveryHistory:
    for u in updates:
        history = history.apply(u).history
    return history


@pytest.mark.parametrize(("code", "status"), [
    (1, CourierStatus.WAITING_RIDER), (8, CourierStatus.WAITING_RIDER), (2, CourierStatus.RIDER_ASSIGNED),
    (100, CourierStatus.RIDER_ARRIVED), (3, CourierStatus.PICKED_UP), (4, CourierStatus.DELIVERED),
    (5, CourierStatus.CANCELLED), (7, CourierStatus.EXPIRED), (9, CourierStatus.FAILED_RETURNING),
    (10, CourierStatus.RETURNED), (1000, CourierStatus.CREATE_FAILED),
])
def test_every_dada_order_status_maps_to_a_courier_status(code: int, status: CourierStatus) -> None:
    assert CourierStatus.from_dada(code) is status


def test_an_unknown_dada_status_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError):
        CourierStatus.from_dada(6)


def test_nothing_leaves_a_terminal_state_and_a_cancel_after_delivery_is_ignored() -> None:
    assert not is_forward(CourierStatus.DELIVERED, CourierStatus.CANCELLED)
    assert not is_forward(CourierStatus.CANCELLED, CourierStatus.DELIVERED)
    assert is_forward(CourierStatus.PICKED_UP, CourierStatus.CANCELLED)
    assert not is_forward(CourierStatus.PICKED_UP, CourierStatus.RIDER_ASSIGNED)
    assert is_forward(CourierStatus.PICKED_UP, CourierStatus.FAILED_RETURNING)


@pytest.mark.parametrize(("status", "action"), [
    (CourierStatus.RIDER_ASSIGNED, OrderAction.NONE), (CourierStatus.PICKED_UP, OrderAction.MARK_DELIVERING),
    (CourierStatus.DELIVERED, OrderAction.MARK_COMPLETED), (CourierStatus.CANCELLED, OrderAction.DECIDE_REDISPATCH),
    (CourierStatus.EXPIRED, OrderAction.DECIDE_REDISPATCH),
    (CourierStatus.FAILED_RETURNING, OrderAction.STORE_DECISION),
])
def test_each_courier_status_tells_what_the_order_should_do(status: CourierStatus, action: OrderAction) -> None:
    assert order_action_for(status) is action


@given(st.permutations([update(code, s) for code, s in HAPPY] * 2))
def test_duplicated_and_shuffled_callbacks_give_one_monotonic_history(updates: list[CourierUpdate]) -> None:
    history = apply_all(DeliveryHistory(origin_id="O1"), updates)
    ranks = [e.status.rank for e in history.events]
    assert history.status is CourierStatus.DELIVERED
    assert ranks == sorted(set(ranks))
    assert apply_all(history, updates) == history


def test_applying_the_same_callback_twice_reports_no_change_the_second_time() -> None:
    first = DeliveryHistory(origin_id="O1").apply(update(2, 10))
    again = first.history.apply(update(2, 10))
    assert first.changed and not again.changed and again.history is first.history


def test_a_new_rider_for_the_same_status_replaces_the_old_one() -> None:
    history = apply_all(DeliveryHistory(origin_id="O1"), [update(1, 0), update(2, 10)])
    other = Rider(rider_id="1002", name="李骑士", phone="13700001111")
    changed = history.apply(update(2, 60, rider=other))
    assert changed.changed and changed.history.rider == other


def test_a_cancel_arriving_after_delivery_changes_nothing() -> None:
    history = apply_all(DeliveryHistory(origin_id="O1"), [update(c, s) for c, s in HAPPY])
    assert not history.apply(update(5, 950)).changed


def test_after_a_redispatch_stale_updates_of_the_first_attempt_are_ignored() -> None:
    cancelled = apply_all(DeliveryHistory(origin_id="O1"), [update(1, 0), update(2, 10), update(5, 30)])
    reopened = cancelled.reopen()
    assert reopened.status is None and reopened.attempt == 2
    assert not reopened.apply(update(2, 10)).changed  # late duplicate from the first attempt
    assert not reopened.apply(update(5, 30)).changed
    fresh = apply_all(reopened, [update(1, 40), update(2, 50)])
    assert fresh.status is CourierStatus.RIDER_ASSIGNED
    assert [e.attempt for e in fresh.events] == [1, 1, 1, 2, 2]


def test_a_live_delivery_cannot_be_reopened() -> None:
    with pytest.raises(ValueError):
        apply_all(DeliveryHistory(origin_id="O1"), [update(1, 0)]).reopen()


def test_an_update_for_another_order_is_refused() -> None:
    with pytest.raises(ValueError):
        DeliveryHistory(origin_id="O1").apply(update(1, 0, origin_id="O2"))


def test_a_rider_shows_a_masked_phone() -> None:
    assert RIDER.masked_phone == "139****5678"
