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

from bench import capacity


@dataclass(frozen=True)
class Call:
    """One outside call: ``service`` is the botocore service name, or ``http`` for a requests call."""

    service: str
    operation: str
    seconds: float
    what: str = ""  # the item or index a DynamoDB call touches (for explaining a count)
    units: tuple[tuple[str, float], ...] = ()  # what it is billed on (bench/capacity.py): RRU, WRU, events …


class CallLog(list[Call]):
    """The calls of one block, in order."""

    def dynamodb(self) -> Counter[str]:
        return Counter(call.operation for call in self if call.service == "dynamodb")

    def seconds(self) -> float:
        return sum(call.seconds for call in self)

    def units(self) -> Counter[str]:
        """Billed units of every call: DynamoDB RRU/WRU, EventBridge events, SQS requests, S3 puts."""
        total: Counter[str] = Counter()
        for call in self:
            total.update(dict(call.units))
        return total


@contextlib.contextmanager
def recorded_calls(billing: bool = False) -> Iterator[CallLog]:
    """Every botocore, requests and urllib call made by this thread inside the block; with ``billing``, each
    with the units it is billed on (a DynamoDB write then reads its items before and after, unrecorded but
    inside its time: never time calls with ``billing``)."""
    log, owner = CallLog(), threading.get_ident()
    original_api_call, original_send = botocore.client.BaseClient._make_api_call, requests.Session.send
    original_open = urllib.request.OpenerDirector.open

    def timed(service: str, operation: str, call, what: str = "", billed=None):
        if threading.get_ident() != owner:
            return call()
        started, units = time.perf_counter(), {}
        try:
            if billed is None:
                return call()
            answer, units = billed()
            return answer
        finally:
            log.append(Call(service, operation, time.perf_counter() - started, what, tuple(units.items())))

    def api_call(client, operation_name, api_params):
        service = client.meta.service_model.service_name
        call = lambda: original_api_call(client, operation_name, api_params)  # noqa: E731
        return timed(service, operation_name, call, _what(api_params) if service == "dynamodb" else "",
                     (lambda: _billed(client, service, operation_name, api_params, call, original_api_call))
                     if billing else None)

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


def _billed(client, service: str, operation: str, params: dict, call, original) -> tuple[dict, dict[str, float]]:
    """Make the call; return its answer and the units it is billed on (the time of the unrecorded reads that
    size a DynamoDB write is inside the call's figure: the overhead section does not use these units)."""
    if service == "dynamodb" and operation in capacity.WRITES:
        def fetch(table: str, key: dict) -> dict | None:
            return original(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True}).get("Item")

        answer, wru = capacity.write_units(operation, params, call, fetch)
        return answer, {"WRU": wru}
    answer = call()
    if service == "dynamodb" and operation in capacity.READS:
        return answer, {"RRU": capacity.read_units(operation, params, answer)}
    if service == "events" and operation == "PutEvents":
        return answer, {"EventBridge events": float(len(params["Entries"]))}
    if service == "sqs" and operation.startswith(("SendMessage", "ReceiveMessage", "DeleteMessage")):
        return answer, {"SQS requests": 1.0}
    if service == "s3" and operation in ("PutObject", "CopyObject", "CompleteMultipartUpload"):
        return answer, {"S3 puts": 1.0}
    return answer, {}


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
