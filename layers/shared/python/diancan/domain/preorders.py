"""Pre-orders: when a paid pre-order goes to the kitchen, and the 15-minute pickup slots a store can take.

A pre-order is an order with a ``pickup_at``. Paid while its release time (``pickup_at`` minus the store's
lead time for its mode) is still ahead, it waits as SCHEDULED and the sweeper releases it at that minute;
paid later it goes to the kitchen at once. Every pre-order takes one place in the store's slot of its
pickup time (``Store.settings["preorder"]["slot_capacity"]`` orders per 15 minutes, all modes together);
while the store is busy a slot keeps ``busy_slot_factor`` of that (``domain/service_state.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, Field, ValidationError, field_validator

from diancan.domain.clock import iso, local, zone
from diancan.domain.errors import Conflict
from diancan.domain.events import OrderEvent, OrderPaid
from diancan.domain.menu import Store
from diancan.domain.service_state import KitchenSettings
from diancan.domain.service_state import slot_capacity as busy_capacity

SLOT_MINUTES = 15
DEFAULT_LEAD_MINUTES = {"takeout": 20, "delivery": 45}
DEFAULT_SLOT_CAPACITY = 10
MAX_NEXT_FREE = 4


class PreorderSettings(BaseModel):
    """``Store.settings["preorder"]``: how long before the pickup (or delivery) time the kitchen starts, per
    mode, and how many pre-orders one 15-minute slot takes."""

    lead_minutes: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_LEAD_MINUTES))
    slot_capacity: int = Field(DEFAULT_SLOT_CAPACITY, ge=0, le=500, description="pre-orders per 15 minutes")

    @classmethod
    def of(cls, store: Store) -> PreorderSettings:
        """The store's settings; the defaults where it set none (or a stored value no longer passes)."""
        try:
            return cls.model_validate(store.settings.get("preorder") or {})
        except ValidationError:
            return cls()

    @field_validator("lead_minutes")
    @classmethod
    def _known_modes(cls, value: dict[str, int]) -> dict[str, int]:
        for mode, minutes in value.items():
            if mode not in DEFAULT_LEAD_MINUTES or not 0 <= minutes <= 24 * 60:
                raise ValueError(f"the lead time of {mode!r}: 0-1440 minutes, takeout or delivery")
        return {**DEFAULT_LEAD_MINUTES, **value}

    def lead(self, mode: str) -> timedelta:
        return timedelta(minutes=self.lead_minutes.get(mode, DEFAULT_LEAD_MINUTES.get(mode, 0)))


def slot_capacity(store: Store, busy: bool) -> int:
    """Pre-orders one slot takes now: the store's ``slot_capacity``, of which a busy store keeps its kitchen's
    ``busy_slot_factor`` (busy mode's one rule, ``service_state.slot_capacity``)."""
    return busy_capacity(PreorderSettings.of(store).slot_capacity, busy, KitchenSettings.of(store))


def release_at(store: Store, mode: str, pickup_at: datetime) -> datetime:
    """When the kitchen must start a pre-order: its pickup (delivery) time minus the store's lead time."""
    return pickup_at - PreorderSettings.of(store).lead(mode)


def slot_of(store: Store, pickup_at: datetime) -> str:
    """The store-local slot a pickup time falls in, ``YYYY-MM-DDTHH:MM`` (its start, on the 15-minute grid)."""
    moment = local(pickup_at, store.timezone)
    start = moment.replace(minute=moment.minute - moment.minute % SLOT_MINUTES, second=0, microsecond=0)
    return start.strftime("%Y-%m-%dT%H:%M")


def waits_for_release(event: OrderEvent) -> bool:
    """An ``OrderPaid`` of a pre-order paid ahead: printing and the courier wait for its ``OrderReleased``."""
    return isinstance(event, OrderPaid) and event.release_at is not None


class Slot(BaseModel):
    slot: str = Field(description="store-local start, YYYY-MM-DDTHH:MM")
    pickup_at: str = Field(description="the slot's start as a UTC instant, what to send as pickup_at")
    taken: int
    capacity: int
    free: bool


def day_slots(store: Store, mode: str, day: date, *, now: datetime, taken: Mapping[str, int],
              busy: bool) -> list[Slot]:
    """The slots of ``day`` a guest may choose for ``mode``: the store is open at their start, they start at
    least the mode's lead time from ``now`` and within the pre-order window. ``taken``: slot → orders in it;
    ``busy``: the store is busy now (its slots are smaller)."""
    settings, capacity = PreorderSettings.of(store), slot_capacity(store, busy)
    earliest, latest = now + settings.lead(mode), now + timedelta(days=store.preorder_days)
    start = datetime.combine(day, time(0, 0), tzinfo=zone(store.timezone))
    slots = []
    for index in range(24 * 60 // SLOT_MINUTES):
        moment = start + timedelta(minutes=index * SLOT_MINUTES)
        if moment < earliest or moment > latest or not store.is_open_at(moment):
            continue
        key = moment.strftime("%Y-%m-%dT%H:%M")
        used = int(taken.get(key, 0))
        slots.append(Slot(slot=key, pickup_at=iso(moment), taken=used, capacity=capacity, free=used < capacity))
    return slots


class SlotFull(Conflict):
    code, message_zh, message_en = "SLOT_FULL", "该时段预约已满，请选择其他时间", "This time slot is full; choose another time"


def next_free(slots: list[Slot], after: str, limit: int = MAX_NEXT_FREE) -> list[str]:
    """The first free slots after ``after`` (their ``pickup_at``), for the guest to choose instead."""
    return [slot.pickup_at for slot in slots if slot.slot > after and slot.free][:limit]
