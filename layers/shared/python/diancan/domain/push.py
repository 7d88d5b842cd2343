"""Push over WebSocket: who may listen to what, and what each order event says to the listeners.

A connection belongs to a guest (their openid, checked from the guest token at ``$connect``) or to a staff
member (their role and stores, from the console session at ``$connect``). It subscribes to topics:
``order:<order_id>`` (a guest's own order), ``kitchen:<store_id>:<station_id>``, ``board:<store_id>`` and
``dashboard:<store_id>`` (staff of that store, with the console's rights for the page). Messages are small:
a screen refreshes its own data when told that an order of its store moved."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from diancan.domain.errors import DomainError, Forbidden, InvalidRequest
from diancan.domain.events import (
    OrderAccepted,
    OrderCancelled,
    OrderCompleted,
    OrderEvent,
    OrderOutForDelivery,
    OrderPaid,
    OrderPreparing,
    OrderReady,
    OrderRefunded,
    OrderReleased,
    RiderMoved,
)
from diancan.domain.staff import RIGHTS, Action, Role

CONNECTION_SECONDS = 2 * 3600  # API Gateway closes a WebSocket connection after 2 hours: the items' TTL
MAX_TOPICS = 20  # per connection: a console page listens to 1-3, a guest to a few orders

_ID = r"[A-Za-z0-9_-]{1,64}"
_TOPIC = re.compile(rf"^(?:order:(?P<order>{_ID})|kitchen:(?P<kstore>{_ID}):(?P<station>{_ID})"
                    rf"|board:(?P<bstore>{_ID})|dashboard:(?P<dstore>{_ID}))$")
_STORE_TOPIC_RIGHT = {"kitchen": Action.KITCHEN_VIEW, "board": Action.KITCHEN_VIEW, "dashboard": Action.DASHBOARD_VIEW}

# The status each event announces (a partial refund changes no status: it is not pushed).
_STATUS = {OrderPaid: "PAID", OrderReleased: "PAID", OrderAccepted: "PREPARING",
           OrderPreparing: "PREPARING", OrderReady: "READY", OrderOutForDelivery: "DELIVERING",
           OrderCompleted: "COMPLETED", OrderCancelled: "CANCELLED"}


class NotSubscribable(Forbidden):
    code, message_zh, message_en = "TOPIC_FORBIDDEN", "无权订阅该消息", "You may not subscribe to this topic"


class BadTopic(InvalidRequest):
    code, message_zh, message_en = "INVALID_TOPIC", "订阅主题无效", "Unknown topic"


class TooManyTopics(InvalidRequest):
    code, message_zh, message_en = "TOO_MANY_TOPICS", "订阅过多", f"At most {MAX_TOPICS} topics per connection"


@dataclass(frozen=True)
class Listener:
    """Who holds a connection: a guest (``openid``) or staff (``staff_id``, ``role``, ``store_ids``)."""

    kind: str  # "guest" | "staff"
    subject: str
    role: str | None = None
    store_ids: tuple[str, ...] = ()

    @classmethod
    def guest(cls, openid: str) -> Listener:
        return cls("guest", openid)

    @classmethod
    def staff(cls, staff_id: str, role: str, store_ids: tuple[str, ...]) -> Listener:
        return cls("staff", staff_id, role, tuple(store_ids))


@dataclass(frozen=True)
class Subscriber:
    """One connection listening to one topic."""

    connection_id: str
    topic: str


@dataclass(frozen=True)
class Topic:
    """A parsed topic: ``scope`` is the partition its subscriptions live in (the order's or the store's)."""

    name: str
    kind: str  # order | kitchen | board | dashboard
    order_id: str | None = None
    store_id: str | None = None


def parse_topic(name: object) -> Topic:
    match = _TOPIC.fullmatch(name) if isinstance(name, str) else None
    if match is None:
        raise BadTopic()
    if match["order"]:
        return Topic(name, "order", order_id=match["order"])
    kind = name.split(":", 1)[0]
    return Topic(name, kind, store_id=match["kstore"] or match["bstore"] or match["dstore"])


def check_store_topic(listener: Listener, topic: Topic) -> None:
    """Staff may listen to a store's screens with the console's right for that page, in their own stores
    (owners: every store). Guests never listen to a store."""
    if listener.kind != "staff" or listener.role is None:
        raise NotSubscribable()
    try:
        role = Role(listener.role)
    except ValueError:
        raise NotSubscribable() from None
    if _STORE_TOPIC_RIGHT[topic.kind] not in RIGHTS[role]:
        raise NotSubscribable()
    if role is not Role.OWNER and topic.store_id not in listener.store_ids:
        raise NotSubscribable()


def error_message(error: DomainError) -> dict[str, Any]:
    """The contract's error answer on the socket."""
    return {"type": "error", "code": error.code, "message": error.message_zh, "message_en": error.message_en}


@dataclass(frozen=True)
class Push:
    """What one event says: the message to the order's listeners and the one to its store's screens."""

    order_id: str
    store_id: str
    to_order: dict[str, Any]
    to_store: dict[str, Any] | None


def push_for(event: OrderEvent) -> Push | None:
    """The messages an event pushes, None for an event that moves no status the listeners see."""
    if isinstance(event, RiderMoved):
        message = {"type": "rider", "order_id": event.order_id, "lat": event.lat, "lng": event.lng,
                   "eta_at": event.eta_at, "at": event.at}
        return Push(event.order_id, event.store_id, message, None)
    if isinstance(event, OrderRefunded):
        status = "REFUNDED" if event.full else None
    elif isinstance(event, OrderPaid) and event.release_at:
        status = "SCHEDULED"  # a pre-order paid ahead waits; its OrderReleased says PAID
    else:
        status = _STATUS.get(type(event))
    if status is None or not event.store_id:
        return None
    message = {"type": "order", "order_id": event.order_id, "status": status, "at": event.at}
    return Push(event.order_id, event.store_id, message, {**message, "store_id": event.store_id})
