"""Push over WebSocket: connect (who is it), subscribe (may they), disconnect, and deliver an order event to
the connections that listen to its order or its store.

A push never fails the event for anyone else: the push consumer has its own queue, a gone connection (410)
is forgotten, and a failed send is logged and counted; only a failure that a retry can cure (throttling,
the endpoint unreachable) fails the record, and only when every listener failed that way (docs/push.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from diancan.domain.clock import iso, utcnow
from diancan.domain.errors import DomainError, Unauthorized
from diancan.domain.exceptions import PushFailed
from diancan.domain.push import (
    CONNECTION_SECONDS,
    MAX_TOPICS,
    Listener,
    NotSubscribable,
    TooManyTopics,
    check_store_topic,
    error_message,
    parse_topic,
    push_for,
)

if TYPE_CHECKING:
    from diancan.domain.events import OrderEvent
    from diancan.services.ports import PushChannel, PushConnections, PushTicketVerifier, TokenVerifier

logger = logging.getLogger(__name__)


class PushRetry(Exception):
    """Every listener's send failed in a way a retry can cure: the record goes back to the queue."""


@dataclass
class Delivered:
    """What one event's push did (counts only: no listener's id goes to logs)."""

    sent: int = 0
    gone: int = 0
    failed: int = 0
    retryable: int = 0
    topics: set[str] = field(default_factory=set)


class PushService:
    def __init__(self, connections: PushConnections, channel: PushChannel, *, guest_tokens: TokenVerifier,
                 staff_tickets: PushTicketVerifier, clock: Callable[[], datetime] = utcnow) -> None:
        self._connections = connections
        self._channel = channel
        self._guest_tokens = guest_tokens
        self._staff_tickets = staff_tickets
        self._clock = clock

    def connect(self, connection_id: str, query: dict[str, str]) -> Listener:
        """``$connect``: a guest token (``?token=``) or a console page's push ticket (``?ticket=``, short-lived,
        signed: the session token itself never goes into a URL), else Unauthorized. One PutItem (the
        connection) after the check, which reads nothing."""
        token, ticket = query.get("token"), query.get("ticket")
        if token:
            listener = Listener.guest(self._guest_tokens.verify(token))
        elif ticket:
            listener = Listener.staff(*self._staff_tickets.verify(ticket, self._clock().timestamp()))
        else:
            raise Unauthorized("a token or ticket is required", "请先登录", code="UNAUTHORIZED")
        now = self._clock()
        self._connections.connect(connection_id, listener, iso(now), int(now.timestamp()) + CONNECTION_SECONDS)
        return listener

    def subscribe(self, connection_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """The ``subscribe`` route: the answer to send back (subscribed, or the error)."""
        try:
            topic = parse_topic(body.get("topic"))
            listener, topics, expires_at = self._connections.listener(connection_id)
            if topic.name not in topics and len(topics) >= MAX_TOPICS:
                raise TooManyTopics()
            if topic.kind == "order":
                if listener.kind != "guest" or self._connections.order_owner(topic.order_id or "") != listener.subject:
                    raise NotSubscribable()
            else:
                check_store_topic(listener, topic)
            self._connections.subscribe(connection_id, topic, expires_at)
        except DomainError as refused:
            return error_message(refused)
        return {"type": "subscribed", "topic": topic.name}

    def disconnect(self, connection_id: str) -> int:
        return self._connections.forget(connection_id)

    def deliver(self, event: OrderEvent | None) -> Delivered:
        """Push an event's messages: one Query for the order's listeners, one for its store's."""
        push = None if event is None else push_for(event)
        done = Delivered()
        if push is None:
            return done
        audiences = [(self._connections.subscribers(push.order_id, None), push.to_order)]
        if push.to_store is not None:
            audiences.append((self._connections.subscribers(None, push.store_id), push.to_store))
        for subscribers, message in audiences:
            for subscriber in subscribers:
                self._send(subscriber.connection_id, message, done)
                done.topics.add(subscriber.topic.split(":", 1)[0])
        if done.retryable and not done.sent and not done.gone and done.retryable == done.failed:
            raise PushRetry(f"{done.retryable} sends failed, all retryable")
        return done

    def _send(self, connection_id: str, message: dict[str, Any], done: Delivered) -> None:
        try:
            delivered = self._channel.send(connection_id, message)
        except PushFailed as error:
            done.failed += 1
            done.retryable += int(error.retryable)
            logger.warning("push failed", extra={"reason": str(error), "retryable": error.retryable})
            return
        if delivered:
            done.sent += 1
            return
        done.gone += 1
        try:
            self._connections.forget(connection_id)
        except Exception:
            logger.exception("forgetting a gone connection failed")
