"""Push on in-memory ports: who may connect and subscribe, who receives an event, and when a failed push is
retried (only when nothing could be delivered, for a reason a retry cures) or simply logged."""

from __future__ import annotations

import time

import pytest

from diancan.adapters.tokens import PushTickets
from diancan.domain.errors import Unauthorized
from diancan.domain.events import OrderReady
from diancan.domain.push import MAX_TOPICS
from diancan.services.push import PushRetry, PushService
from tests.services.fakes import FakePushChannel, FakePushConnections, World

pytestmark = pytest.mark.service
AT = "2026-11-24T04:42:10.250Z"


TICKETS = PushTickets(b"k" * 32)  # pure HMAC, no I/O: the real adapter


class Tokens:
    def verify(self, token: str, now: float | None = None) -> str:
        if not token.startswith("ok-"):
            raise Unauthorized("invalid token", "登录状态无效，请重新登录", code="INVALID_TOKEN")
        return token.removeprefix("ok-")


@pytest.fixture
def scene():
    world = World()
    connections, channel = FakePushConnections(world), FakePushChannel(world)
    connections.given_order("o1", "alice")

    return PushService(connections, channel, guest_tokens=Tokens(), staff_tickets=TICKETS), connections, channel


def ready(order_id: str = "o1") -> OrderReady:
    return OrderReady(order_id=order_id, store_id="s1", at=AT, pickup_no=7, table_no=None, by="staff:x")


def test_connect_needs_a_valid_token_and_subscribing_the_guests_own_order(scene):
    push, _, _ = scene
    for query in ({}, {"token": "forged"}, {"session": "x"}, {"ticket": "x"}):
        with pytest.raises(Unauthorized):
            push.connect("c0", query)
    push.connect("c1", {"token": "ok-alice"})
    push.connect("c2", {"token": "ok-bob"})
    assert push.subscribe("c1", {"topic": "order:o1"}) == {"type": "subscribed", "topic": "order:o1"}
    assert push.subscribe("c2", {"topic": "order:o1"})["code"] == "TOPIC_FORBIDDEN"
    assert push.subscribe("c2", {"topic": "order:unknown"})["code"] == "TOPIC_FORBIDDEN"
    assert push.subscribe("gone", {"topic": "order:o1"})["code"] == "CONNECTION_GONE"


def test_staff_connect_with_a_fresh_push_ticket_and_listen_as_its_role_and_stores(scene):
    push, _, _ = scene
    listener = push.connect("c-cook", {"ticket": TICKETS.issue("cook-jingan", "kitchen", ("s1",))})
    assert (listener.kind, listener.subject, listener.role, listener.store_ids) == (
        "staff", "cook-jingan", "kitchen", ("s1",))
    assert push.subscribe("c-cook", {"topic": "board:s1"})["type"] == "subscribed"
    assert push.subscribe("c-cook", {"topic": "dashboard:s1"})["code"] == "TOPIC_FORBIDDEN"
    stale = TICKETS.issue("cook-jingan", "kitchen", ("s1",), now=time.time() - TICKETS.ttl_seconds - 1)
    with pytest.raises(Unauthorized) as refused:
        push.connect("c-late", {"ticket": stale})
    assert refused.value.code == "TICKET_EXPIRED"


def test_a_connection_holds_a_bounded_number_of_topics(scene):
    push, connections, _ = scene
    push.connect("c1", {"token": "ok-alice"})
    for n in range(MAX_TOPICS):
        connections.given_order(f"o{n}", "alice")
        assert push.subscribe("c1", {"topic": f"order:o{n}"})["type"] == "subscribed"
    connections.given_order("one-more", "alice")
    assert push.subscribe("c1", {"topic": "order:one-more"})["code"] == "TOO_MANY_TOPICS"
    assert push.subscribe("c1", {"topic": "order:o0"})["type"] == "subscribed"  # again: no new topic


def test_a_gone_listener_is_forgotten_and_the_others_still_receive(scene):
    push, connections, channel = scene
    for cid in ("c1", "c2"):
        push.connect(cid, {"token": "ok-alice"})
        push.subscribe(cid, {"topic": "order:o1"})
    channel.given_gone("c1")
    done = push.deliver(ready())
    assert (done.sent, done.gone, done.failed) == (1, 1, 0)
    assert "c1" not in connections.connections and channel.sent["c2"][0]["status"] == "READY"


@pytest.mark.parametrize(("failing", "retried"), [
    ({"c1": True, "c2": True}, True),     # nobody reached, all for a passing reason: SQS retries the record
    ({"c1": True}, False),                # c2 got it: a retry would send it twice
    ({"c1": False, "c2": True}, False),   # one refusal a retry cannot cure
])
def test_a_failed_push_is_retried_only_when_nothing_was_delivered_for_a_passing_reason(scene, failing, retried):
    push, _, channel = scene
    for cid in ("c1", "c2"):
        push.connect(cid, {"token": "ok-alice"})
        push.subscribe(cid, {"topic": "order:o1"})
    for cid, retryable in failing.items():
        channel.given_failing(cid, retryable=retryable)
    if retried:
        with pytest.raises(PushRetry):
            push.deliver(ready())
    else:
        assert push.deliver(ready()).failed == len(failing)


def test_an_event_without_listeners_or_without_a_status_costs_nothing(scene):
    push, _, channel = scene
    assert push.deliver(ready("nobody-listens")).sent == 0
    assert push.deliver(None).sent == 0 and channel.sent == {}
