"""Lambda function URL translation: an HTTP request into the payload-2.0 event AWS sends, and the function's
answer back into HTTP the way a function URL turns it into a response.

Documented behaviour followed here: header names are lower-cased and repeated headers joined with
commas; the ``Cookie`` header moves to ``cookies``; repeated query parameters are comma-joined in
``queryStringParameters``; keys with nothing to say (``cookies``, ``queryStringParameters``, ``body``) are
left out; bodies whose content type is not text are base64-encoded. AWS adds ``x-forwarded-*`` and
``x-amzn-trace-id`` headers; they are added here too. The ``host`` header is the local one (so links a
function builds from it work), while ``requestContext.domainName`` is a function-URL-shaped name.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
_TEXT_TYPES = (
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-www-form-urlencoded",
)


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def url_id(function_name: str, stack_name: str) -> str:
    """A stable 32-character id like the one in ``https://<id>.lambda-url.<region>.on.aws``."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha256(f"{stack_name}/{function_name}".encode()).digest()
    return "".join(alphabet[byte % len(alphabet)] for byte in digest[:32])


def is_text(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return (
        media_type.startswith("text/") or media_type in _TEXT_TYPES or media_type.endswith(("+json", "+xml"))
    )


def build_event(request: Request, raw_path: str, *, api_id: str, region: str, body: bytes) -> dict[str, Any]:
    """The payload-2.0 event for ``request``; ``raw_path`` is the path after the function's prefix."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers.items():
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    source_ip = request.remote_addr or "127.0.0.1"
    headers.setdefault("x-forwarded-for", source_ip)
    headers.setdefault("x-forwarded-proto", request.scheme)
    headers.setdefault("x-forwarded-port", str(request.environ.get("SERVER_PORT", "")))
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}")
    raw_query = request.environ.get("QUERY_STRING", "")
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path or "/",
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": api_id,
            "domainName": f"{api_id}.lambda-url.{region}.on.aws",
            "domainPrefix": api_id,
            "http": {
                "method": request.method,
                "path": raw_path or "/",
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": source_ip,
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if body:
        text = _utf8_text(body) if is_text(request.content_type) else None
        event["body"] = text if text is not None else base64.b64encode(body).decode()
        event["isBase64Encoded"] = text is None
    return event


def _utf8_text(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def to_http(result: Any) -> HttpAnswer:
    """A function URL's response: a dict with ``statusCode`` is taken apart, anything else is JSON of it."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return HttpAnswer(200, [("Content-Type", "application/json")], json.dumps(result).encode())
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    headers.extend(("Set-Cookie", cookie) for cookie in result.get("cookies") or [])
    body = result.get("body")
    if body is None:
        payload = b""
    elif result.get("isBase64Encoded"):
        payload = base64.b64decode(body)
    else:
        payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return HttpAnswer(int(result["statusCode"]), headers, payload)


def json_answer(status: int, payload: dict[str, Any]) -> HttpAnswer:
    return HttpAnswer(status, [("Content-Type", "application/json")], json.dumps(payload).encode())
