"""The local WebSocket API, as API Gateway runs one: clients connect to ``ws://127.0.0.1:<port>/ws?...``; the
function that serves the routes (serverless.yml ``websocket`` events) is invoked with API Gateway's event shapes
(``$connect`` before the handshake is accepted: a non-2xx answer refuses it with that status; each message by
its ``action`` (route selection ``$request.body.action``), the answer's ``body`` sent back as a route response;
``$disconnect`` when the socket closes), and the ``@connections`` management API (POST a message, GET, DELETE)
is served by the gateway at ``/ws-api/@connections/<id>``, where the push consumer reaches it through
``DIANCAN_PUSH_ENDPOINT``. A connection that is not open answers 410 ``GoneException``, as API Gateway does."""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

logger = logging.getLogger(__name__)

PATH = "/ws"
MANAGEMENT_PREFIX = "/ws-api"  # the gateway path of the @connections endpoint
STAGE = "local"


class Invoker(Protocol):
    def invoke(self, name: str, event: Any) -> Any: ...


class Connections:
    """The open connections by id, shared by the WebSocket server and the ``@connections`` endpoint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, ServerConnection] = {}
        self._since: dict[str, float] = {}

    def add(self, connection_id: str, socket: ServerConnection) -> None:
        with self._lock:
            self._open[connection_id] = socket
            self._since[connection_id] = time.time()

    def remove(self, connection_id: str) -> None:
        with self._lock:
            self._open.pop(connection_id, None)
            self._since.pop(connection_id, None)

    def get(self, connection_id: str) -> ServerConnection | None:
        with self._lock:
            return self._open.get(connection_id)

    def connected_at(self, connection_id: str) -> float | None:
        with self._lock:
            return self._since.get(connection_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)


def _json(status: int, body: dict | None, start_response: Callable[..., Any]) -> Iterable[bytes]:
    data = b"" if body is None else json.dumps(body).encode()
    start_response(f"{status} {'OK' if status < 300 else 'Error'}", [("Content-Type", "application/json"),
                                                                   ("Content-Length", str(len(data)))])
    return [data]


class ConnectionsApi:
    """WSGI app of ``@connections/<id>`` (mounted at ``MANAGEMENT_PREFIX``): POST sends the body as a text
    frame, GET describes the connection, DELETE closes it; 410 GoneException for a connection not open."""

    def __init__(self, connections: Connections) -> None:
        self.connections = connections

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/@connections/"):
            return _json(404, {"message": "Not Found"}, start_response)
        connection_id = path.removeprefix("/@connections/")
        socket = self.connections.get(connection_id)
        if socket is None:
            return _json(410, {"__type": "GoneException", "message": None}, start_response)
        method = environ["REQUEST_METHOD"]
        try:
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                socket.send(environ["wsgi.input"].read(length).decode())
                return _json(200, None, start_response)
            if method == "DELETE":
                socket.close()
                return _json(204, None, start_response)
        except ConnectionClosed:
            self.connections.remove(connection_id)
            return _json(410, {"__type": "GoneException", "message": None}, start_response)
        if method == "GET":
            since = datetime.fromtimestamp(self.connections.connected_at(connection_id) or 0, UTC)
            return _json(200, {"connectedAt": since.isoformat(), "identity": {"sourceIp": "127.0.0.1"},
                               "lastActiveAt": datetime.now(UTC).isoformat()}, start_response)
        return _json(405, {"message": "Method Not Allowed"}, start_response)


class WebSocketApi:
    """The WebSocket server on loopback (its own port; ``port=0`` picks a free one)."""

    def __init__(self, runtime: Invoker, routes: dict[str, str], connections: Connections, *, port: int = 0,
                 api_id: str = "localws", region: str = "ap-east-1") -> None:
        self.runtime = runtime
        self.routes = dict(routes)  # route key -> function name
        self.connections = connections
        self.api_id = api_id
        self.region = region
        self._by_socket: dict[int, tuple[str, dict[str, Any]]] = {}
        self._server: Server = serve(self._serve, "127.0.0.1", port, process_request=self._connect,
                                     compression=None, max_size=128 * 1024)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="websocket-api")

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}{PATH}"

    def start(self) -> WebSocketApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    def _context(self, connection_id: str, route: str, event_type: str, source_ip: str) -> dict[str, Any]:
        now = time.time()
        return {"routeKey": route, "eventType": event_type, "connectionId": connection_id,
                "messageDirection": "IN", "extendedRequestId": uuid.uuid4().hex, "requestId": uuid.uuid4().hex,
                "requestTime": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "requestTimeEpoch": int(now * 1000), "stage": STAGE, "apiId": self.api_id,
                "domainName": f"{self.api_id}.execute-api.{self.region}.amazonaws.com",
                "connectedAt": int((self.connections.connected_at(connection_id) or now) * 1000),
                "identity": {"sourceIp": source_ip}}

    def _invoke(self, route: str, event: dict[str, Any]) -> dict[str, Any] | None:
        function = self.routes.get(route) or self.routes.get("$default")
        if function is None:
            return None
        try:
            answer = self.runtime.invoke(function, event)
        except Exception:
            logger.exception("websocket route raised", extra={"route": route})
            return {"statusCode": 502}
        return answer if isinstance(answer, dict) else {"statusCode": 200}

    def _connect(self, socket: ServerConnection, request: Request) -> Response | None:
        """``$connect`` before the handshake: a non-2xx answer refuses the upgrade with that status."""
        parts = urlsplit(request.path)
        if parts.path != PATH:
            return socket.respond(404, "no WebSocket API here\n")
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        connection_id = base64.b64encode(secrets.token_bytes(9)).decode()  # API Gateway's look: "L0SM9cOFvHcCIhw="
        headers = {name: value for name, value in request.headers.raw_items()}
        event = {"headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
                 "queryStringParameters": query or None,
                 "multiValueQueryStringParameters": {k: v for k, v in parse_qs(parts.query).items()} or None,
                 "requestContext": self._context(connection_id, "$connect", "CONNECT", _source_ip(socket)),
                 "isBase64Encoded": False}
        answer = self._invoke("$connect", event) if "$connect" in self.routes else {"statusCode": 200}
        status = int((answer or {}).get("statusCode") or 200)
        if not 200 <= status < 300:
            return socket.respond(status, (answer or {}).get("body") or "")
        self._by_socket[id(socket)] = (connection_id, query)
        self.connections.add(connection_id, socket)
        return None

    def _serve(self, socket: ServerConnection) -> None:
        connection_id, _ = self._by_socket.pop(id(socket))
        source_ip = _source_ip(socket)
        try:
            for frame in socket:
                body = frame if isinstance(frame, str) else frame.decode(errors="replace")
                try:
                    action = json.loads(body).get("action")
                except (ValueError, AttributeError):
                    action = None
                route = action if isinstance(action, str) and action in self.routes else "$default"
                if route not in self.routes:  # API Gateway's answer to a message no route takes
                    socket.send(json.dumps({"message": "Forbidden", "connectionId": connection_id,
                                            "requestId": uuid.uuid4().hex}))
                    continue
                event = {"requestContext": {**self._context(connection_id, route, "MESSAGE", source_ip),
                                            "messageId": uuid.uuid4().hex},
                         "body": body, "isBase64Encoded": False}
                answer = self._invoke(route, event)
                if answer and answer.get("body"):
                    socket.send(answer["body"])
        except ConnectionClosed:
            pass
        finally:
            self.connections.remove(connection_id)
            if "$disconnect" in self.routes:
                context = self._context(connection_id, "$disconnect", "DISCONNECT", source_ip)
                self._invoke("$disconnect", {"headers": {}, "requestContext": {
                    **context, "disconnectStatusCode": socket.close_code or 1006,
                    "disconnectReason": socket.close_reason or ""}, "isBase64Encoded": False})


def _source_ip(socket: ServerConnection) -> str:
    try:
        return str(socket.remote_address[0])
    except (TypeError, IndexError, OSError):
        return "127.0.0.1"
