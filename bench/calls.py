"""Record the outside calls the product makes in this thread: every botocore API call and every HTTP
request sent through ``requests`` (WeChat Pay, printers, couriers) or ``urllib`` (the WeChat adapters, which
keep requests out of the guest functions' cold start), each with its duration.

Why not a ``before-call.dynamodb.*`` event hook: a botocore client copies its session's event emitter
when it is created, so a hook must be on every session before its clients exist — and pynamodb makes a
new ``botocore.session.get_session()`` per thread (``Connection.session`` keeps it in a
``threading.local``) and its client on first use. Wrapping ``BaseClient._make_api_call``, the one
function every client of every session calls (the mechanism of tests/deploy/aws_calls.py), sees them all.
The time inside it is the bare call: botocore's serialisation, the HTTP round trip to moto, parsing.
"""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import botocore.client
import requests


@dataclass(frozen=True)
class Call:
    """One outside call: ``service`` is the botocore service name, or ``http`` for a requests call."""

    service: str
    operation: str
    seconds: float
    what: str = ""  # the item or index a DynamoDB call touches (for explaining a count)


class CallLog(list[Call]):
    """The calls of one block, in order."""

    def dynamodb(self) -> Counter[str]:
        return Counter(call.operation for call in self if call.service == "dynamodb")

    def seconds(self) -> float:
        return sum(call.seconds for call in self)


@contextlib.contextmanager
def recorded_calls() -> Iterator[CallLog]:
    """Every botocore, requests and urllib call made by this thread inside the block."""
    log, owner = CallLog(), threading.get_ident()
    original_api_call, original_send = botocore.client.BaseClient._make_api_call, requests.Session.send
    original_open = urllib.request.OpenerDirector.open

    def timed(service: str, operation: str, call, what: str = ""):
        if threading.get_ident() != owner:
            return call()
        started = time.perf_counter()
        try:
            return call()
        finally:
            log.append(Call(service, operation, time.perf_counter() - started, what))

    def api_call(client, operation_name, api_params):
        return timed(client.meta.service_model.service_name, operation_name,
                     lambda: original_api_call(client, operation_name, api_params),
                     _what(api_params) if client.meta.service_model.service_name == "dynamodb" else "")

    def send(session, request, **kwargs):
        return timed("http", f"{request.method} {request.path_url.split('?')[0]}",
                     lambda: original_send(session, request, **kwargs))

    def open_url(opener, request, *args, **kwargs):
        url = request if isinstance(request, str) else request.full_url
        method = "GET" if isinstance(request, str) else request.get_method()
        return timed("http", f"{method} {urllib.parse.urlsplit(url).path}",
                     lambda: original_open(opener, request, *args, **kwargs))

    botocore.client.BaseClient._make_api_call, requests.Session.send = api_call, send
    urllib.request.OpenerDirector.open = open_url
    try:
        yield log
    finally:
        botocore.client.BaseClient._make_api_call, requests.Session.send = original_api_call, original_send
        urllib.request.OpenerDirector.open = original_open


def _what(params: dict) -> str:
    """``PK/SK`` of a single-item call, the index or partition of a query, the size of a batch."""
    if "Key" in params:
        return "/".join(str(next(iter(v.values()))) for v in params["Key"].values())
    if "KeyConditionExpression" in params:
        values = [str(next(iter(v.values()))) for v in params.get("ExpressionAttributeValues", {}).values()]
        return f"{params.get('IndexName', 'table')}: {' '.join(values)[:60]}"
    if "TransactItems" in params:
        return f"{len(params['TransactItems'])} items: " + ", ".join(
            f"{kind} {_what(body)}" for item in params["TransactItems"] for kind, body in item.items())
    if "RequestItems" in params:
        return f"{sum(len(v.get('Keys', v) if isinstance(v, dict) else v) for v in params['RequestItems'].values())} keys"
    return ""
