"""Push over WebSocket: push_socket ($connect, subscribe, $disconnect) with API Gateway's event shapes, and the
push consumer on the real SQS event shape, sending through the local ``@connections`` endpoint on loopback
(local/websocket.py: the same paths and 410 GoneException as API Gateway) to stand-in sockets."""

from __future__ import annotations

import copy
import json
import threading

import pytest

from local.serve import serving
from local.websocket import Connections, ConnectionsApi
from tests.conftest import FakeContext, handler_of, load_event
from tests.handlers.test_print_dispatch import paid_order

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"


class Socket:
    """Stands in for an open WebSocket: keeps what was sent; ``fail`` makes a send raise (a broken endpoint)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail = False
        self._lock = threading.Lock()

    def send(self, text: str) -> None:
        if self.fail:
            raise RuntimeError("the socket broke")
        with self._lock:
            self.received.append(json.loads(text))

    def close(self) -> None:
        pass


@pytest.fixture
def sockets(demo_chain, monkeypatch):
    """The @connections endpoint on loopback, the product pointed at it; the registry of open sockets."""
    from diancan import bootstrap

    connections = Connections()
    with serving(ConnectionsApi(connections)) as server:
        monkeypatch.setenv("DIANCAN_PUSH_ENDPOINT", server.base_url)
        bootstrap.reset()
        yield connections
    bootstrap.reset()


def socket_event(route: str, connection_id: str, *, query: dict | None = None, body: dict | None = None) -> dict:
    sample = {"$connect": "push_socket/1_connect", "subscribe": "push_socket/2_subscribe",
              "$disconnect": "push_socket/3_disconnect"}[route]
    event = load_event(sample)
    event["requestContext"]["connectionId"] = connection_id
    if route == "$connect":
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in (query or {}).items()} or None
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def connect(connections: Connections, connection_id: str, **query: str) -> tuple[int, Socket]:
    answer = handler_of("push_socket")(socket_event("$connect", connection_id, query=query), FakeContext())
    socket = Socket()
    if answer["statusCode"] == 200:
        connections.add(connection_id, socket)
    return answer["statusCode"], socket


def subscribe(connection_id: str, topic: str) -> dict:
    answer = handler_of("push_socket")(
        socket_event("subscribe", connection_id, body={"action": "subscribe", "topic": topic}), FakeContext())
    assert answer["statusCode"] == 200
    return json.loads(answer["body"])


def staff_ticket(login: str) -> str:
    """The push ticket the console gives a demo staff member's live page (``POST /admin/api/push-ticket``)."""
    from diancan import bootstrap
    from local.demo_staff import DEMO_STAFF

    staff = next(staff for staff, _ in DEMO_STAFF if staff.login == login)
    return bootstrap.push_tickets().issue(staff.staff_id, staff.role.value, staff.store_ids)


def push(*events: tuple[str, dict], receive_count: int = 1) -> dict:
    """The push consumer's answer to a batch of bus events (detail-type, detail)."""
    batch = load_event("push/sqs_order_events")
    template = batch["Records"][0]
    records = []
    for n, (detail_type, detail) in enumerate(events):
        record = copy.deepcopy(template)
        body = json.loads(record["body"])
        body.update({"detail-type": detail_type, "detail": detail})
        record.update(messageId=f"m-{n}", body=json.dumps(body))
        record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
        records.append(record)
    return handler_of("push")({"Records": records}, FakeContext())


def ready(order_id: str) -> tuple[str, dict]:
    return "OrderReady", {"order_id": order_id, "store_id": STORE, "at": "2026-11-24T04:42:10.250Z",
                          "pickup_no": 17, "table_no": None, "by": "staff:cook-jingan"}


def subscriptions_of(order_id: str) -> list:
    from diancan.adapters.push_table import PushTable

    return PushTable().subscribers(order_id, None)


# ---- $connect ---------------------------------------------------------------------------------------------


def test_connect_is_refused_without_a_token_or_with_a_forged_one(sockets, guest_token):
    assert connect(sockets, "c-none")[0] == 401
    assert connect(sockets, "c-forged", token=guest_token("alice")[:-2] + "xx")[0] == 401
    assert connect(sockets, "c-session", session="not.a-session")[0] == 401  # the session is no credential
    assert connect(sockets, "c-ticket", ticket="not.a-ticket")[0] == 401
    assert connect(sockets, "c-good", token=guest_token("alice"))[0] == 200


def test_a_forged_or_expired_push_ticket_is_refused(sockets):
    import time

    from diancan import bootstrap
    from diancan.adapters.tokens import PushTickets

    good = staff_ticket("cook")
    payload, _, signature = good.partition(".")
    owner = PushTickets(b"k" * 32).issue("cook-jingan", "owner", ())  # signed with another key
    expired = bootstrap.push_tickets().issue("cook-jingan", "kitchen", ("sh-jingan",), now=time.time() - 61)
    assert connect(sockets, "c-forged", ticket=owner)[0] == 401
    assert connect(sockets, "c-tampered", ticket=payload[:-2] + "xx." + signature)[0] == 401
    assert connect(sockets, "c-expired", ticket=expired)[0] == 401
    assert connect(sockets, "c-good", ticket=good)[0] == 200


def test_a_subscription_needs_a_stored_connection(sockets):
    answer = subscribe("never-connected", "order:T1")
    assert answer["type"] == "error" and answer["code"] == "CONNECTION_GONE" and answer["message_en"]


def test_staff_may_listen_only_to_their_own_stores_screens_with_their_rights(sockets):
    assert connect(sockets, "c-cook", ticket=staff_ticket("cook"))[0] == 200
    assert subscribe("c-cook", f"kitchen:{STORE}:hot") == {"type": "subscribed", "topic": f"kitchen:{STORE}:hot"}
    assert subscribe("c-cook", f"board:{STORE}")["type"] == "subscribed"
    assert subscribe("c-cook", f"dashboard:{STORE}")["code"] == "TOPIC_FORBIDDEN"  # a cook sees no dashboard
    assert subscribe("c-cook", "board:sh-xuhui")["code"] == "TOPIC_FORBIDDEN"  # another store
    assert subscribe("c-cook", "order:T1")["code"] == "TOPIC_FORBIDDEN"  # guests' orders are the guests'

    assert connect(sockets, "c-xuhui", ticket=staff_ticket("xuhui"))[0] == 200
    assert subscribe("c-xuhui", f"dashboard:{STORE}")["code"] == "TOPIC_FORBIDDEN"
    assert subscribe("c-xuhui", "dashboard:sh-xuhui")["type"] == "subscribed"
    assert subscribe("c-xuhui", "nonsense")["code"] == "INVALID_TOPIC"


# ---- what reaches whom ----------------------------------------------------------------------------------------


def test_a_guest_receives_their_own_order_only_and_the_stores_screens_every_order(sockets, guest_token):
    mine, theirs = paid_order(), paid_order()  # both openid-alice's
    assert connect(sockets, "c-alice", token=guest_token("alice"))[0] == 200
    assert connect(sockets, "c-bob", token=guest_token("bob"))[0] == 200
    _, alice = connect(sockets, "c-alice-2", token=guest_token("alice"))
    assert subscribe("c-alice-2", f"order:{mine}")["type"] == "subscribed"
    assert subscribe("c-bob", f"order:{mine}")["code"] == "TOPIC_FORBIDDEN"  # not bob's order
    assert subscribe("c-bob", f"board:{STORE}")["code"] == "TOPIC_FORBIDDEN"
    _, board = connect(sockets, "c-board", ticket=staff_ticket("cashier"))
    assert subscribe("c-board", f"board:{STORE}")["type"] == "subscribed"

    answer = push(ready(mine), ready(theirs))

    assert answer == {"batchItemFailures": []}
    assert alice.received == [{"type": "order", "order_id": mine, "status": "READY", "at": "2026-11-24T04:42:10.250Z"}]
    assert [m["order_id"] for m in board.received] == [mine, theirs]
    assert all(m["store_id"] == STORE and m["status"] == "READY" for m in board.received)
    assert sockets.get("c-bob") is not None and not sockets.get("c-bob").received


def test_the_rider_moving_is_pushed_to_the_guest_only(sockets, guest_token):
    order_id = paid_order(mode="delivery")
    _, guest = connect(sockets, "c-guest", token=guest_token("alice"))
    subscribe("c-guest", f"order:{order_id}")
    _, board = connect(sockets, "c-board", ticket=staff_ticket("jingan"))
    subscribe("c-board", f"board:{STORE}")
    moved = {"order_id": order_id, "store_id": STORE, "lat": 31.2291, "lng": 121.4452, "eta_at": None,
             "at": "2026-11-24T04:52:30.000Z"}

    assert push(("RiderMoved", moved)) == {"batchItemFailures": []}

    assert guest.received == [{"type": "rider", **{k: moved[k] for k in ("order_id", "lat", "lng", "eta_at", "at")}}]
    assert board.received == []


# ---- gone and failing connections -----------------------------------------------------------------------------


def test_a_gone_connection_is_forgotten_with_its_subscriptions(sockets, guest_token):
    order_id = paid_order()
    connect(sockets, "c-gone", token=guest_token("alice"))
    subscribe("c-gone", f"order:{order_id}")
    _, still = connect(sockets, "c-still", token=guest_token("alice"))
    subscribe("c-still", f"order:{order_id}")
    sockets.remove("c-gone")  # the phone went away without a $disconnect reaching us: @connections says 410
    assert {s.connection_id for s in subscriptions_of(order_id)} == {"c-gone", "c-still"}

    assert push(ready(order_id)) == {"batchItemFailures": []}

    assert [s.connection_id for s in subscriptions_of(order_id)] == ["c-still"]
    assert subscribe("c-gone", f"order:{order_id}")["code"] == "CONNECTION_GONE"  # the connection item too
    assert len(still.received) == 1


def test_disconnect_forgets_the_connection_and_is_safe_twice(sockets, guest_token):
    order_id = paid_order()
    connect(sockets, "c-bye", token=guest_token("alice"))
    subscribe("c-bye", f"order:{order_id}")
    for _ in range(2):
        answer = handler_of("push_socket")(socket_event("$disconnect", "c-bye"), FakeContext())
        assert answer["statusCode"] == 200
    assert subscriptions_of(order_id) == []


def test_a_push_that_fails_does_not_fail_the_event_when_another_listener_got_it(sockets, guest_token):
    order_id = paid_order()
    _, broken = connect(sockets, "c-broken", token=guest_token("alice"))
    subscribe("c-broken", f"order:{order_id}")
    _, fine = connect(sockets, "c-fine", token=guest_token("alice"))
    subscribe("c-fine", f"order:{order_id}")
    broken.fail = True  # the endpoint answers 500 for this connection

    assert push(ready(order_id)) == {"batchItemFailures": []}
    assert len(fine.received) == 1
    assert {s.connection_id for s in subscriptions_of(order_id)} == {"c-broken", "c-fine"}  # kept: not gone


def test_when_nothing_could_be_delivered_for_a_passing_reason_only_that_record_is_retried(sockets, guest_token):
    order_id, other = paid_order(), paid_order()
    _, broken = connect(sockets, "c-broken", token=guest_token("alice"))
    subscribe("c-broken", f"order:{order_id}")
    _, fine = connect(sockets, "c-fine", token=guest_token("alice"))
    subscribe("c-fine", f"order:{other}")
    broken.fail = True

    answer = push(ready(order_id), ready(other))

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}  # the other event went through
    assert len(fine.received) == 1


def test_an_unreachable_endpoint_fails_no_other_consumer(demo_chain, monkeypatch, guest_token):
    """The push consumer has its own queue: at worst its own record is retried (then its DLQ); the handler
    itself never raises, so no other record of the batch is held back."""
    from diancan import bootstrap

    connections = Connections()
    with serving(ConnectionsApi(connections)) as server:
        monkeypatch.setenv("DIANCAN_PUSH_ENDPOINT", server.base_url)
        bootstrap.reset()
        order_id = paid_order()
        connect(connections, "c-1", token=guest_token("alice"))
        subscribe("c-1", f"order:{order_id}")
    monkeypatch.setenv("DIANCAN_PUSH_ENDPOINT", "http://127.0.0.1:9/ws-api")  # nothing listens there
    bootstrap.reset()

    answer = push(ready(order_id), ("OrderPaid", {"order_id": "T-none", "store_id": STORE, "at": "x", "mode": "takeout",
                                                  "total_fen": 100, "transaction_id": None, "pickup_no": 3}))

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    bootstrap.reset()
