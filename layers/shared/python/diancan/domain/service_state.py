"""How much the store can take right now: busy mode, delivery paused alone, and honest waiting times.

- **Busy** is switched by staff (the console) or automatic while the store's open kitchen tickets exceed
  ``KitchenSettings.busy_ticket_limit``. The open tickets are kept on the store's service item as tickets are
  created (print_dispatch) and bumped (the kitchen screen), so "automatic" is a comparison at read time, never
  a scan. While busy the menu says so (``BUSY_NOTICE``) and pre-order slots hold ``busy_slot_factor`` of their
  capacity (``slot_capacity``).
- **Delivery paused** is a switch of its own: delivery orders are refused at quote and place
  (``DeliveryPaused``), takeout and dine-in stay open.
- **Estimated ready time** of an order in the kitchen: the orders whose tickets entered before it (``orders
  ahead``) hold the kitchen's ``lanes`` (a store setting the service item carries) (orders cooked at once) for what is left of their preparation time; the
  order then takes its own (``estimate``). A dish's ``prep_minutes`` (default: the store's) sets an order's
  preparation time: its slowest dish, since a kitchen cooks an order's dishes side by side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from diancan.domain.clock import parse_iso
from diancan.domain.errors import Conflict

if TYPE_CHECKING:
    from diancan.domain.menu import Dish, Store
    from diancan.domain.order import Order

BUSY_NOTICE = {"message": "当前出餐高峰，出餐时间可能较长，请耐心等候",
               "message_en": "We are very busy right now: your food may take longer than usual"}
DELIVERY_PAUSED_NOTICE = {"message": "外卖暂停接单，可选择自取或堂食",
                          "message_en": "Delivery is paused for now: takeout and dine-in are open"}
STALE_AFTER = timedelta(hours=3)  # an open ticket older than this was finished without a bump: not counted
SWITCHES = ("busy", "delivery_paused")
DEFAULT_LANES = 2
DEFAULT_PREP_MINUTES = 15


class DeliveryPaused(Conflict):
    code, message_zh, message_en = "DELIVERY_PAUSED", DELIVERY_PAUSED_NOTICE["message"], DELIVERY_PAUSED_NOTICE["message_en"]


class KitchenSettings(BaseModel):
    """A store's ``settings["kitchen"]`` (console store settings; owner or manager)."""

    model_config = {"extra": "forbid", "frozen": True}

    busy_ticket_limit: int | None = Field(None, ge=1, le=1000,
                                          description="busy mode while more kitchen tickets than this are open")
    busy_slot_factor: float = Field(0.5, ge=0, le=1, description="pre-order slot capacity kept while busy")
    default_prep_minutes: int = Field(DEFAULT_PREP_MINUTES, ge=1, le=240, description="a dish's preparation time unless it sets one")
    lanes: int = Field(DEFAULT_LANES, ge=1, le=50, description="orders the kitchen cooks at the same time")

    @classmethod
    def of(cls, store: Store) -> KitchenSettings:
        return cls.model_validate(store.settings.get("kitchen") or {})

    def order_prep_minutes(self, dishes: list[Dish]) -> int:
        """An order's preparation time: its slowest dish (dishes are cooked side by side)."""
        return max((d.prep_minutes or self.default_prep_minutes for d in dishes), default=self.default_prep_minutes)


@dataclass(frozen=True)
class OpenTicket:
    """A kitchen ticket not yet bumped, as the store's service item keeps it."""

    ticket_id: str
    order_id: str
    at: str  # when its order entered the kitchen (paid, or the round was sent): the queue's order
    prep_minutes: int


@dataclass(frozen=True)
class ServiceState:
    """The store's service item: the staff's switches and its open kitchen tickets."""

    busy_switched: bool = False
    delivery_paused: bool = False
    tickets: tuple[OpenTicket, ...] = ()
    lanes: int = DEFAULT_LANES  # the store's setting, copied here as tickets enter: the estimate needs no profile

    def open_tickets(self, now: datetime) -> list[OpenTicket]:
        return [t for t in self.tickets if parse_iso(t.at) > now - STALE_AFTER]

    def stale(self, now: datetime) -> list[str]:
        """Ticket ids older than STALE_AFTER (finished without a bump): the writer removes them."""
        return [t.ticket_id for t in self.tickets if parse_iso(t.at) <= now - STALE_AFTER]

    def busy_automatic(self, settings: KitchenSettings, now: datetime) -> bool:
        limit = settings.busy_ticket_limit
        return limit is not None and len(self.open_tickets(now)) > limit

    def busy(self, settings: KitchenSettings, now: datetime) -> bool:
        return self.busy_switched or self.busy_automatic(settings, now)

    def view(self, settings: KitchenSettings, now: datetime) -> dict:
        """What the menu and the console show (``busy_slot_factor`` is what pre-order slots keep while busy)."""
        busy = self.busy(settings, now)
        return {"busy": busy, "busy_reason": ("staff" if self.busy_switched else "tickets") if busy else None,
                "busy_notice": BUSY_NOTICE if busy else None, "busy_slot_factor": settings.busy_slot_factor,
                "delivery_paused": self.delivery_paused,
                "delivery_paused_notice": DELIVERY_PAUSED_NOTICE if self.delivery_paused else None}

    def check_delivery(self, mode: str) -> None:
        if mode == "delivery" and self.delivery_paused:
            raise DeliveryPaused()

    def queue(self, now: datetime) -> list[tuple[datetime, str, int]]:
        """Open orders in the order they entered the kitchen: (entered at, order id, prep minutes)."""
        orders: dict[str, tuple[datetime, int]] = {}
        for t in self.open_tickets(now):
            at, prep = parse_iso(t.at), t.prep_minutes
            first, slowest = orders.get(t.order_id, (at, prep))
            orders[t.order_id] = (min(first, at), max(slowest, prep))
        return sorted((at, order_id, prep) for order_id, (at, prep) in orders.items())


def slot_capacity(capacity: int, busy: bool, settings: KitchenSettings) -> int:
    """A pre-order slot's capacity now: ``busy_slot_factor`` of it while busy (rounded down)."""
    return math.floor(capacity * settings.busy_slot_factor) if busy else capacity


@dataclass(frozen=True)
class Estimate:
    orders_ahead: int
    ready_at: datetime


def estimate(state: ServiceState, order_id: str, *, entered_at: datetime, prep_minutes: int,
             now: datetime) -> Estimate:
    """When ``order_id`` should be ready. An order not (or no longer) among the open tickets counts as
    entering at ``entered_at``. Each order ahead still needs what is left of its preparation time (at least a
    minute: it is not bumped yet), shared by ``lanes``; then this order takes its own. Never before it could
    be done if it had the kitchen alone, never in the past."""
    queue = state.queue(now)
    key = next(((at, oid) for at, oid, _ in queue if oid == order_id), (entered_at, order_id))
    ahead = [(at, prep) for at, oid, prep in queue if (at, oid) < key]
    own = timedelta(minutes=prep_minutes)
    if ahead:
        left = sum(min(max((at + timedelta(minutes=prep) - now).total_seconds() / 60, 1), prep) for at, prep in ahead)
        ready = max(entered_at + own, now + timedelta(minutes=left / state.lanes) + own)
    else:
        ready = max(entered_at + own, now + timedelta(minutes=1))
    return Estimate(orders_ahead=len(ahead), ready_at=_minute_up(ready))


def order_estimate(state: ServiceState, order: Order, now: datetime) -> Estimate:
    """``estimate`` for an order as of ``now``: it entered the kitchen when paid, a pre-order paid ahead at its
    release (``now`` if not yet, or if ``now`` is an earlier moment the caller asks about); a pre-order is not
    ready before its pickup time."""
    entered = min(parse_iso(order.kitchen_at), now) if order.kitchen_at else now
    result = estimate(state, order.order_id, entered_at=entered,
                      prep_minutes=order.prep_minutes or DEFAULT_PREP_MINUTES, now=now)
    if order.pickup_at and parse_iso(order.pickup_at) > result.ready_at:
        return Estimate(result.orders_ahead, parse_iso(order.pickup_at))
    return result


def _minute_up(moment: datetime) -> datetime:
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)
