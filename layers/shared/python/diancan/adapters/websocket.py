"""The WebSocket API's ``@connections`` management API (API Gateway; the local stack serves the same paths):
send a message to one connection. A connection that is gone answers 410 ``GoneException``."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from diancan.adapters.aws import client_at
from diancan.domain.exceptions import PushFailed


class WebSocketConnections:
    def __init__(self, endpoint_url: str, region: str) -> None:
        self._endpoint_url = endpoint_url
        self._region = region

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        """True when delivered, False when the connection is gone (410); ``PushFailed`` otherwise."""
        api = client_at("apigatewaymanagementapi", self._region, self._endpoint_url)
        data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            api.post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "GoneException" or status == 410:
                return False
            raise PushFailed(f"@connections answered {code or status}", retryable=_retryable(status)) from None
        except BotoCoreError as error:  # timeouts, connection refused: the endpoint is unreachable
            raise PushFailed(type(error).__name__, retryable=True) from None
        return True


def _retryable(status: object) -> bool:
    return status in (429, 500, 502, 503, 504)
