"""Push over the running local stack: a guest and a pickup board connect to the local WebSocket API, subscribe,
and the order's status changes reach them through bus → PushQueue → push → @connections; a connection without
a valid token is refused at the handshake, and another guest cannot listen to the order."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.conftest import wait_for

pytestmark = pytest.mark.e2e
STORE = "sh-jingan"


def guest_login(base: str) -> str:
    answer = requests.post(f"{base}/auth/login", json={"code": f"test-push{uuid.uuid4().hex[:6]}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def staff_ticket(base: str, login: str, password: str) -> str:
    """A push ticket as a script gets one: sign in, then ``POST /admin/api/push-ticket`` with the bearer session."""
    answer = requests.post(f"{base}/admin/api/session", json={"login": login, "password": password}, timeout=30)
    assert answer.status_code == 200, answer.text
    ticket = requests.post(f"{base}/admin/api/push-ticket", timeout=30,
                           headers={"Authorization": f"Bearer {answer.json()['token']}"})
    assert ticket.status_code == 200, ticket.text
    return ticket.json()["ticket"]


def subscribed(socket: ClientConnection, topic: str) -> dict:
    socket.send(json.dumps({"action": "subscribe", "topic": topic}))
    return json.loads(socket.recv(timeout=30))


def next_message(socket: ClientConnection, wanted, timeout: float = 60.0) -> dict:
    """The first message ``wanted`` accepts (others, e.g. an earlier status, are skipped)."""
    def receive():
        message = json.loads(socket.recv(timeout=timeout))
        return message if wanted(message) else None

    return wait_for(receive, timeout=timeout)


def test_a_status_change_reaches_the_subscribed_guest_and_board_and_no_one_else(local_stack):
    from diancan import bootstrap

    base, ws = local_stack.base_url, local_stack.ws_url
    token = guest_login(base)
    guest = {"Authorization": f"Bearer {token}"}
    placed = requests.post(f"{base}/place_order/orders", timeout=30,
                           headers={**guest, "Idempotency-Key": str(uuid.uuid4())},
                           json={"store_id": STORE, "mode": "takeout", "items": [{"dish_id": "d-cola", "qty": 1}]})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]

    with pytest.raises(InvalidStatus) as refused:
        connect(ws, open_timeout=30)
    assert refused.value.response.status_code == 401
    with pytest.raises(InvalidStatus):
        connect(f"{ws}?token={token[:-3]}abc", open_timeout=30)

    with connect(f"{ws}?token={token}", open_timeout=30) as phone, \
            connect(f"{ws}?ticket={staff_ticket(base, 'cashier', 'cashier-demo-2026')}", open_timeout=30) as board, \
            connect(f"{ws}?token={guest_login(base)}", open_timeout=30) as stranger:
        assert subscribed(phone, f"order:{order_id}") == {"type": "subscribed", "topic": f"order:{order_id}"}
        assert subscribed(board, f"board:{STORE}")["type"] == "subscribed"
        assert subscribed(stranger, f"order:{order_id}")["code"] == "TOPIC_FORBIDDEN"

        prepay_id = placed.json()["pay_params"]["package"].removeprefix("prepay_id=")
        assert requests.post(f"{base}/sim/wxpay/pay", json={"prepay_id": prepay_id}, timeout=10).status_code == 200
        paid = next_message(phone, lambda m: m.get("status") == "PAID")
        assert paid["type"] == "order" and paid["order_id"] == order_id and paid["at"]

        bootstrap.reset()  # this process runs with the stack's environment: the console's kitchen service
        bootstrap.kitchen().call_number(order_id, "staff:boss")
        assert next_message(phone, lambda m: m.get("status") == "READY")["order_id"] == order_id
        on_board = next_message(board, lambda m: m.get("order_id") == order_id and m.get("status") == "READY")
        assert on_board["store_id"] == STORE

        local_stack.pump.drain(timeout=30)
        with pytest.raises(TimeoutError):
            stranger.recv(timeout=0.5)  # nothing was pushed to the other guest
