"""The local WebSocket API (local/websocket.py) gives the route function API Gateway's event shapes, refuses the
handshake with the status ``$connect`` answers, sends a route's answer back, and serves ``@connections`` with
410 GoneException for a connection that is not open; botocore's apigatewaymanagementapi client talks to it."""

from __future__ import annotations

import json
import threading

import botocore.session
import pytest
from botocore.exceptions import ClientError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from local.serve import serving
from local.websocket import Connections, ConnectionsApi, WebSocketApi
from tests.conftest import wait_for

pytestmark = pytest.mark.handlers


class Recorder:
    """Stands in for the runtime: keeps each event; $connect lets in only ``?token=good``."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self._lock = threading.Lock()

    def invoke(self, name: str, event: dict) -> dict:
        with self._lock:
            self.events.append(event)
        route = event["requestContext"]["routeKey"]
        if route == "$connect":
            good = (event.get("queryStringParameters") or {}).get("token") == "good"
            return {"statusCode": 200} if good else {"statusCode": 401, "body": '{"code":"UNAUTHORIZED"}'}
        if route == "subscribe":
            return {"statusCode": 200, "body": json.dumps({"type": "subscribed", "echo": json.loads(event["body"])})}
        return {"statusCode": 200}

    def of(self, route: str) -> list[dict]:
        with self._lock:
            return [e for e in self.events if e["requestContext"]["routeKey"] == route]


@pytest.fixture
def api():
    recorder, connections = Recorder(), Connections()
    routes = {"$connect": "push_socket", "$disconnect": "push_socket", "subscribe": "push_socket"}
    server = WebSocketApi(recorder, routes, connections).start()
    with serving(ConnectionsApi(connections)) as management:
        yield server, recorder, connections, management.base_url
    server.stop()


def management_client(endpoint: str):
    return botocore.session.get_session().create_client(
        "apigatewaymanagementapi", region_name="ap-east-1", endpoint_url=endpoint,
        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_connect_is_refused_with_the_status_connect_answers(api):
    server, recorder, connections, _ = api
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{server.url}?token=bad", open_timeout=10)
    assert refused.value.response.status_code == 401
    assert len(connections) == 0 and recorder.of("$disconnect") == []


def test_events_have_api_gateways_shapes_and_a_route_answer_goes_back(api):
    server, recorder, _, endpoint = api
    with connect(f"{server.url}?token=good", open_timeout=10) as socket:
        socket.send(json.dumps({"action": "subscribe", "topic": "board:s1"}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "subscribed",
                                                       "echo": {"action": "subscribe", "topic": "board:s1"}}
        socket.send(json.dumps({"action": "nothing"}))  # no such route and no $default: API Gateway's answer
        assert json.loads(socket.recv(timeout=10))["message"] == "Forbidden"
        (connected,) = recorder.of("$connect")
        connection_id = connected["requestContext"]["connectionId"]
        assert connected["queryStringParameters"] == {"token": "good"}
        assert connected["requestContext"]["eventType"] == "CONNECT" and connected["headers"]
        (message,) = recorder.of("subscribe")
        assert message["requestContext"]["connectionId"] == connection_id
        assert message["requestContext"]["eventType"] == "MESSAGE" and isinstance(message["body"], str)

        management_client(endpoint).post_to_connection(ConnectionId=connection_id, Data=b'{"type":"order"}')
        assert json.loads(socket.recv(timeout=10)) == {"type": "order"}
    (gone,) = wait_for(lambda: recorder.of("$disconnect"), "the $disconnect event", timeout=30)
    assert gone["requestContext"]["connectionId"] == connection_id
    assert gone["requestContext"]["eventType"] == "DISCONNECT"
    with pytest.raises(ClientError) as answered:
        management_client(endpoint).post_to_connection(ConnectionId=connection_id, Data=b"{}")
    assert answered.value.response["Error"]["Code"] == "GoneException"
    assert answered.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
