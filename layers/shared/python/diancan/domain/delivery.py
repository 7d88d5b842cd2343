"""Delivery: where a store delivers, what the guest pays for it, and how courier updates move a delivery.

Coordinates are GCJ-02 (what WeChat's location APIs, AMap and Dada use), as (lat, lng). Distances are
straight-line (haversine); the courier's own route distance is its business, not the guest's price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from diancan.domain.errors import Unprocessable
from diancan.domain.geo import haversine_m
from diancan.domain.money import Fen, yuan

_ON_EDGE_TOLERANCE_DEG = 1e-9  # about 0.1 mm: a point this close to an edge counts as on it


class GeoPoint(NamedTuple):
    lat: float
    lng: float


def _on_segment(p: GeoPoint, a: GeoPoint, b: GeoPoint) -> bool:
    cross = (b.lng - a.lng) * (p.lat - a.lat) - (b.lat - a.lat) * (p.lng - a.lng)
    length = math.hypot(b.lng - a.lng, b.lat - a.lat)
    if abs(cross) > _ON_EDGE_TOLERANCE_DEG * max(length, 1e-12):
        return False
    return (min(a.lat, b.lat) - _ON_EDGE_TOLERANCE_DEG <= p.lat <= max(a.lat, b.lat) + _ON_EDGE_TOLERANCE_DEG
            and min(a.lng, b.lng) - _ON_EDGE_TOLERANCE_DEG <= p.lng <= max(a.lng, b.lng) + _ON_EDGE_TOLERANCE_DEG)


def point_in_polygon(point: GeoPoint | tuple[float, float], polygon: tuple[GeoPoint, ...] | list) -> bool:
    """Ray casting on (lng, lat) as a plane, fine at city scale. Vertices and edges count as inside.

    The half-open test ``(a.lat > y) != (b.lat > y)`` counts a ray that passes exactly through a vertex
    once, so concave polygons and rays grazing a vertex give the right answer.
    """
    p = GeoPoint(*point)
    vertices = [GeoPoint(*v) for v in polygon]
    inside = False
    for a, b in zip(vertices, vertices[1:] + vertices[:1], strict=True):
        if _on_segment(p, a, b):
            return True
        if (a.lat > p.lat) != (b.lat > p.lat):
            crossing_lng = a.lng + (p.lat - a.lat) * (b.lng - a.lng) / (b.lat - a.lat)
            if p.lng < crossing_lng:
                inside = not inside
    return inside


class DeliveryArea(BaseModel):
    """Where a store delivers: a radius around the store, or a polygon (GCJ-02 (lat, lng) points)."""

    model_config = {"frozen": True}

    radius_m: int | None = Field(None, gt=0)
    polygon: tuple[GeoPoint, ...] | None = None

    @model_validator(mode="after")
    def _exactly_one_shape(self) -> Self:
        if (self.radius_m is None) == (self.polygon is None):
            raise ValueError("a delivery area is either radius_m or polygon, not both or neither")
        if self.polygon is not None and len(self.polygon) < 3:
            raise ValueError("a polygon needs at least 3 points")
        return self

    def covers(self, store: GeoPoint, point: GeoPoint) -> bool:
        if self.polygon is not None:
            return point_in_polygon(point, self.polygon)
        return haversine_m(store, point) <= self.radius_m


class FeeTier(NamedTuple):
    up_to_m: int
    fee_fen: Fen


class DeliveryFeeRules(BaseModel):
    """Guest-facing delivery fee: tiers by distance, free from an items amount, a minimum order (起送价).

    A distance beyond the last tier cannot be priced, so it is refused as out of range.
    """

    model_config = {"frozen": True}

    tiers: tuple[FeeTier, ...] = Field(min_length=1)
    free_from_fen: Fen | None = Field(None, ge=0, description="items at or above this ship free (满…免配送费)")
    minimum_order_fen: Fen = Field(0, ge=0)

    @field_validator("tiers")
    @classmethod
    def _ascending(cls, tiers: tuple[FeeTier, ...]) -> tuple[FeeTier, ...]:
        if any(t.fee_fen < 0 or t.up_to_m <= 0 for t in tiers):
            raise ValueError("tiers need a positive distance and a fee of 0 or more")
        if [t.up_to_m for t in tiers] != sorted({t.up_to_m for t in tiers}):
            raise ValueError("tiers must be in strictly ascending order of up_to_m")
        return tiers

    def tier_fee(self, distance_m: int) -> Fen | None:
        return next((t.fee_fen for t in self.tiers if distance_m <= t.up_to_m), None)


class DeliveryQuote(BaseModel):
    model_config = {"frozen": True}

    distance_m: int
    tier_fee_fen: Fen
    fee_fen: Fen

    @property
    def waived_fen(self) -> Fen:
        return self.tier_fee_fen - self.fee_fen


class OutOfDeliveryRange(Unprocessable):
    code, message_zh, message_en = "OUT_OF_DELIVERY_RANGE", "超出配送范围", "The address is outside the delivery area"


class BelowDeliveryMinimum(Unprocessable):
    code, message_zh, message_en = "BELOW_DELIVERY_MINIMUM", "未达到起送金额", "The order is below the delivery minimum"


def quote_delivery(store_point: GeoPoint, area: DeliveryArea, rules: DeliveryFeeRules,
                   address_point: GeoPoint, items_fen: Fen) -> DeliveryQuote:
    """Price delivery of ``items_fen`` worth of goods (before the delivery fee) to ``address_point``."""
    distance_m = round(haversine_m(store_point, address_point))
    tier_fee = rules.tier_fee(distance_m)
    if tier_fee is None or not area.covers(store_point, address_point):
        km = f"{distance_m / 1000:.1f}"
        raise OutOfDeliveryRange(
            f"The address is {km} km away, outside the delivery area",
            f"收货地址距门店 {km} 公里，超出配送范围",
            details={"distance_m": distance_m})
    if items_fen < rules.minimum_order_fen:
        short = rules.minimum_order_fen - items_fen
        raise BelowDeliveryMinimum(
            f"Delivery starts at ¥{yuan(rules.minimum_order_fen)}; add ¥{yuan(short)} more",
            f"满 ¥{yuan(rules.minimum_order_fen)} 起送，还差 ¥{yuan(short)}",
            details={"minimum_order_fen": rules.minimum_order_fen, "short_by_fen": short})
    free = rules.free_from_fen is not None and items_fen >= rules.free_from_fen
    return DeliveryQuote(distance_m=distance_m, tier_fee_fen=tier_fee, fee_fen=0 if free else tier_fee)


def mask_name(name: str) -> str:
    """``张小明`` → ``张**``: the first character only (a rider's name is shown, not kept whole, to the guest)."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``: keep 3 first and 4 last digits; short numbers keep 2 last."""
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


# --- courier status -------------------------------------------------------------------------------


class CourierStatus(StrEnum):
    """A courier order's state, platform-neutral. ``rank`` orders the live states; the rest are terminal."""

    WAITING_RIDER = "WAITING_RIDER"
    RIDER_ASSIGNED = "RIDER_ASSIGNED"
    RIDER_ARRIVED = "RIDER_ARRIVED"
    PICKED_UP = "PICKED_UP"  # the rider has the food and is delivering (Dada 3 配送中)
    FAILED_RETURNING = "FAILED_RETURNING"
    DELIVERED = "DELIVERED"
    RETURNED = "RETURNED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    CREATE_FAILED = "CREATE_FAILED"

    @classmethod
    def from_dada(cls, order_status: int) -> CourierStatus:
        """Map Dada's ``order_status``; an unknown code raises ValueError rather than being guessed."""
        try:
            return _DADA_STATUS[int(order_status)]
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"unknown Dada order_status {order_status!r}") from None

    @property
    def terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def rank(self) -> int:
        return _RANK[self]


_DADA_STATUS = {
    1: CourierStatus.WAITING_RIDER, 8: CourierStatus.WAITING_RIDER,  # 8: offered to one rider, not yet taken
    2: CourierStatus.RIDER_ASSIGNED, 100: CourierStatus.RIDER_ARRIVED, 3: CourierStatus.PICKED_UP,
    4: CourierStatus.DELIVERED, 5: CourierStatus.CANCELLED, 7: CourierStatus.EXPIRED,
    9: CourierStatus.FAILED_RETURNING, 10: CourierStatus.RETURNED, 1000: CourierStatus.CREATE_FAILED,
}
_TERMINAL = frozenset({CourierStatus.DELIVERED, CourierStatus.RETURNED, CourierStatus.CANCELLED,
                       CourierStatus.EXPIRED, CourierStatus.CREATE_FAILED})
_RANK = {status: rank for rank, status in enumerate(CourierStatus)}
REDISPATCHABLE = frozenset({CourierStatus.CANCELLED, CourierStatus.EXPIRED, CourierStatus.CREATE_FAILED,
                            CourierStatus.RETURNED})


def is_forward(current: CourierStatus, new: CourierStatus) -> bool:
    """Whether ``new`` moves a delivery on: nothing leaves a terminal state, a terminal state ends any live
    one (a platform cancel after pickup is real), and live states only climb the rank."""
    if current.terminal:
        return False
    return new.terminal or new.rank > current.rank


class OrderAction(StrEnum):
    """What a courier status asks of the order (the order state machine decides if it is allowed)."""

    NONE = "NONE"
    MARK_DELIVERING = "MARK_DELIVERING"
    MARK_COMPLETED = "MARK_COMPLETED"
    DECIDE_REDISPATCH = "DECIDE_REDISPATCH"
    STORE_DECISION = "STORE_DECISION"


def order_action_for(status: CourierStatus) -> OrderAction:
    match status:
        case CourierStatus.PICKED_UP:
            return OrderAction.MARK_DELIVERING
        case CourierStatus.DELIVERED:
            return OrderAction.MARK_COMPLETED
        case CourierStatus.CANCELLED | CourierStatus.EXPIRED | CourierStatus.CREATE_FAILED:
            return OrderAction.DECIDE_REDISPATCH
        case CourierStatus.FAILED_RETURNING | CourierStatus.RETURNED:
            return OrderAction.STORE_DECISION
        case _:
            return OrderAction.NONE


class Rider(BaseModel):
    model_config = {"frozen": True}

    rider_id: str = ""
    name: str = ""
    phone: str = ""

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class CourierUpdate(BaseModel):
    """One observed courier status: from a verified callback (``at`` = the platform's time) or a status
    query (``at`` = when we asked)."""

    model_config = {"frozen": True}

    origin_id: str
    status: CourierStatus
    at: datetime
    platform_status: int
    platform_order_no: str = ""
    rider: Rider | None = None
    cancel_reason: str = ""

    @field_validator("at")
    @classmethod
    def _aware(cls, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        return at


class DeliveryEvent(BaseModel):
    model_config = {"frozen": True}

    attempt: int
    status: CourierStatus
    at: datetime
    platform_status: int
    rider: Rider | None = None
    cancel_reason: str = ""


class AppliedUpdate(NamedTuple):
    history: DeliveryHistory
    changed: bool


class DeliveryHistory(BaseModel):
    """The delivery of one order as a monotonic timeline: duplicates, stale and out-of-order updates
    change nothing. ``reopen`` starts a new attempt after a re-dispatch (Dada reAddOrder keeps origin_id),
    and updates timed at or before the end of the previous attempt are then ignored as stale."""

    model_config = {"frozen": True}

    origin_id: str
    attempt: int = 1
    events: tuple[DeliveryEvent, ...] = ()
    platform_order_no: str = ""

    @property
    def current(self) -> DeliveryEvent | None:
        return next((e for e in reversed(self.events) if e.attempt == self.attempt), None)

    @property
    def status(self) -> CourierStatus | None:
        return self.current.status if self.current else None

    @property
    def rider(self) -> Rider | None:
        return self.current.rider if self.current else None

    def apply(self, update: CourierUpdate) -> AppliedUpdate:
        if update.origin_id != self.origin_id:
            raise ValueError(f"update for {update.origin_id} applied to delivery {self.origin_id}")
        if self._belongs_to_previous_attempt(update) or not self._moves_on(update):
            return AppliedUpdate(self, False)
        event = DeliveryEvent(attempt=self.attempt, status=update.status, at=update.at,
                              platform_status=update.platform_status,
                              rider=update.rider or self.rider,
                              cancel_reason=update.cancel_reason)
        return AppliedUpdate(self.model_copy(update={
            "events": (*self.events, event),
            "platform_order_no": update.platform_order_no or self.platform_order_no}), True)

    def reopen(self) -> DeliveryHistory:
        """A new attempt after a successful re-dispatch; only from a state the platform re-publishes."""
        if self.status not in REDISPATCHABLE:
            raise ValueError(f"delivery {self.origin_id} in {self.status} cannot be re-dispatched")
        return self.model_copy(update={"attempt": self.attempt + 1})

    def _belongs_to_previous_attempt(self, update: CourierUpdate) -> bool:
        previous_end = next((e for e in reversed(self.events) if e.attempt < self.attempt), None)
        if previous_end is None:
            return False
        return update.at < previous_end.at or (update.at == previous_end.at
                                              and update.status == previous_end.status)

    def _moves_on(self, update: CourierUpdate) -> bool:
        current = self.current
        if current is None:
            return True
        if update.status == current.status:  # the platform gave the order to another rider
            return (not update.status.terminal and update.rider is not None
                    and update.rider != current.rider and update.at >= current.at)
        return is_forward(current.status, update.status)


# ---- the rider on the map ------------------------------------------------------------------------------

RIDER_SPEED_M_PER_MIN = 250  # about 15 km/h: an e-bike in city traffic
ROUTE_FACTOR = 1.3  # riding distance over straight-line distance in a city grid
RIDER_TASK = "rider"  # the sweeper's due work: ask where the rider is (once a minute while out for delivery)
POSITION_DECIMALS = 6  # what Dada reports (about 0.1 m): finer differences are the same place


class RiderPosition(BaseModel):
    """The rider's latest reported position while the order is out for delivery (only the latest is kept,
    never a trail) and when they should arrive: straight line × ``ROUTE_FACTOR`` at ``RIDER_SPEED_M_PER_MIN``."""

    model_config = {"frozen": True}

    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    at: datetime
    eta_at: datetime | None = None

    @field_validator("lat", "lng")
    @classmethod
    def _rounded(cls, value: float) -> float:
        return round(value, POSITION_DECIMALS)

    @classmethod
    def reported(cls, point: GeoPoint, at: datetime, destination: GeoPoint | None) -> RiderPosition:
        eta = None
        if destination is not None:
            minutes = haversine_m(point, destination) * ROUTE_FACTOR / RIDER_SPEED_M_PER_MIN
            eta = at + timedelta(minutes=math.ceil(minutes))
        return cls(lat=point.lat, lng=point.lng, at=at, eta_at=eta)


# ---- what crosses the courier port (services.ports.Courier) ------------------------------------------

@dataclass(frozen=True)
class CourierOrder:
    """What a courier needs to deliver one order. ``shop_no`` overrides the adapter's default shop."""

    origin_id: str
    city_code: str
    cargo_fen: Fen
    receiver_name: str
    receiver_address: str
    receiver_phone: str
    receiver_point: GeoPoint
    callback_url: str
    shop_no: str | None = None
    info: str = ""
    pickup_mark: str = ""  # our pickup number, shown to the rider (Dada origin_mark_no, e.g. "A012")
    cargo_weight_kg: Decimal = Decimal("1")
    tip_fen: Fen = 0


@dataclass(frozen=True)
class CourierQuote:
    origin_id: str
    platform_order_no: str
    fee_fen: Fen
    distance_m: int
    expires_at: datetime | None = None


@dataclass(frozen=True)
class CourierBooking:
    origin_id: str
    fee_fen: Fen
    distance_m: int
    platform_order_no: str = ""


@dataclass(frozen=True)
class CourierTracking:
    """A status query's answer: the update to apply plus what only a query tells."""

    update: CourierUpdate
    fee_fen: Fen
    tip_fen: Fen
    distance_m: int
    rider_point: GeoPoint | None = None
