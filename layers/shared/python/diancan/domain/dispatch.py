"""One order's delivery as the store runs it: who carries it, the courier timeline, and what staff must decide.

The dispatch is claimed (``BOOKING``) before the courier platform is called, so a retried dispatch finds the
claim and never books a second rider; every later change is a new version of the same record.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from diancan.domain.clock import iso
from diancan.domain.delivery import (
    AppliedUpdate,
    CourierStatus,
    CourierUpdate,
    DeliveryHistory,
    Rider,
    RiderPosition,
    mask_name,
    mask_phone,
)
from diancan.domain.errors import Conflict
from diancan.domain.money import Fen


class DispatchState(StrEnum):
    BOOKING = "BOOKING"  # claimed; the platform call is under way or its outcome is unknown
    BOOKED = "BOOKED"  # the platform has it; the history says where the rider is
    AWAITING_STAFF = "AWAITING_STAFF"  # an own-staff store: waiting for staff to send someone
    OWN_STAFF = "OWN_STAFF"  # store staff are delivering it
    NEEDS_STAFF = "NEEDS_STAFF"  # dispatch failed, the platform gave up twice, or delivery failed
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"  # staff cancelled the delivery (with a reason) or closed it with a refund


ENDED = frozenset({DispatchState.DELIVERED, DispatchState.CANCELLED})


class Problem(StrEnum):
    """Why a dispatch waits for staff; also the order's console flag."""

    DISPATCH_FAILED = "DISPATCH_FAILED"  # the platform refused or stayed unreachable through every retry
    COURIER_GAVE_UP = "COURIER_GAVE_UP"  # cancelled or expired by the platform after the automatic re-dispatch
    DELIVERY_FAILED = "DELIVERY_FAILED"  # the rider could not deliver and is bringing the food back


class DispatchStateRefused(Conflict):
    code, message_zh, message_en = "DISPATCH_STATE", "配送状态不允许此操作", "The delivery's state does not allow this"


def masked(rider: Rider | None) -> Rider | None:
    """A rider as we keep them: name and masked phone only (the full number stays with the platform)."""
    return rider.model_copy(update={"phone": mask_phone(rider.phone)}) if rider and rider.phone else rider


class Dispatch(BaseModel):
    model_config = {"frozen": True}

    order_id: str
    store_id: str
    courier: str  # "dada" | "own_staff"
    city_code: str = ""
    state: DispatchState
    history: DeliveryHistory
    created_at: str
    updated_at: str
    fee_fen: Fen = 0  # what the platform charges the store (not the guest's fee)
    tip_fen: Fen = 0
    distance_m: int = 0
    auto_redispatches: int = 0
    problem: Problem | None = None
    note: str = ""
    version: int = 0  # the optimistic-concurrency token of the stored record (0 = not stored yet)

    @classmethod
    def claim(cls, order_id: str, store_id: str, courier: str, city_code: str, at: datetime) -> Dispatch:
        state = DispatchState.AWAITING_STAFF if courier == "own_staff" else DispatchState.BOOKING
        return cls(order_id=order_id, store_id=store_id, courier=courier, city_code=city_code, state=state,
                   history=DeliveryHistory(origin_id=order_id), created_at=iso(at), updated_at=iso(at))

    @property
    def active(self) -> bool:
        return self.state not in ENDED

    def require(self, *states: DispatchState) -> None:
        if self.state not in states:
            raise DispatchStateRefused(details={"state": self.state.value, "allowed": [s.value for s in states]})

    def moved(self, at: datetime, **changes) -> Dispatch:
        return self.model_copy(update={**changes, "updated_at": iso(at)})

    @property
    def ever_booked(self) -> bool:
        """Whether the platform ever had this delivery (then it is re-published, not created again)."""
        return bool(self.history.events) or self.history.attempt > 1

    def next_attempt(self) -> Dispatch:
        """Start a new attempt unless the current one has no events yet (staff retry after a failed call)."""
        if self.history.current is None:
            return self
        return self.model_copy(update={"history": self.history.model_copy(update={"attempt": self.history.attempt + 1})})

    def apply(self, update: CourierUpdate) -> tuple[Dispatch, bool]:
        """Apply a courier status (rider phone masked first, so a duplicate compares equal)."""
        applied: AppliedUpdate = self.history.apply(update.model_copy(update={"rider": masked(update.rider)}))
        return self.model_copy(update={"history": applied.history}), applied.changed

    def view(self) -> dict:
        """What the guest and the console see: state, each step with its time, the rider (masked phone)."""
        rider = self.history.rider
        return {
            "state": self.state.value, "courier": self.courier, "status": self.history.status,
            "dispatched_at": self.created_at, "problem": self.problem, "note": self.note,
            "steps": [{"status": e.status.value, "at": iso(e.at), "attempt": e.attempt} for e in self.history.events],
            "rider": {"name": rider.name, "phone": rider.phone} if rider else None,
        }

    def rider_on_map(self, position: RiderPosition | None) -> dict | None:
        """The rider as the guest's map shows them while they have the food: masked name and phone, the latest
        position (None until the courier reports one) and the estimated arrival; None otherwise."""
        rider = self.history.rider
        if rider is None or self.history.status != CourierStatus.PICKED_UP:
            return None
        return {"name": mask_name(rider.name), "phone": mask_phone(rider.phone),
                "lat": position.lat if position else None, "lng": position.lng if position else None,
                "located_at": iso(position.at) if position else None,
                "eta_at": iso(position.eta_at) if position and position.eta_at else None}
