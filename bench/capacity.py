"""DynamoDB request units of one recorded call, from the sizes of the items it read or wrote.

On-demand billing (the table is PAY_PER_REQUEST): a read request unit (RRU) reads up to 4 KB strongly
consistent (half for eventually consistent, twice in a transaction); a write request unit (WRU) writes up to
1 KB (twice in a transaction); an update or delete is billed on the larger of the item before and after; a
Query is billed on the summed size of every item it read, before any filter, rounded up once per page; each
global secondary index the item is (or was) in costs another write of its projected size (ours project ALL).
moto does not report consumed capacity, so the bench computes it: item sizes by DynamoDB's rules (attribute
name + value bytes; numbers ≈ 1 byte per 2 digits + 1), the items before and after a write read with a
consistent GetItem that is not recorded.
"""

from __future__ import annotations

import math
from collections.abc import Callable

KEY = ("PK", "SK")
INDEXES = (("GSI1PK", "GSI1SK"), ("GSI2PK", "GSI2SK"))
READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}

Fetch = Callable[[str, dict], dict | None]  # (table, key) → the item now, or None


def value_size(value: dict) -> int:
    (kind, raw), = value.items()
    if kind == "S":
        return len(raw.encode())
    if kind == "N":
        return math.ceil(len(raw.lstrip("-").replace(".", "").strip("0") or "0") / 2) + 1
    if kind == "B":
        return len(raw)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: member}) for member in raw)
    if kind == "L":
        return 3 + sum(value_size(member) + 1 for member in raw)
    if kind == "M":
        return 3 + sum(len(name.encode()) + value_size(member) + 1 for name, member in raw.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict | None) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def _read(size: int, consistent: bool, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / 4096))
    return units * (2 if transactional else 1 if consistent else 0.5)


def read_units(operation: str, params: dict, response: dict) -> float:
    consistent = bool(params.get("ConsistentRead"))
    if operation == "GetItem":
        return _read(item_size(response.get("Item")), consistent)
    if operation == "BatchGetItem":
        units = 0.0
        for table, request in params["RequestItems"].items():
            found = response.get("Responses", {}).get(table, [])
            consistent = bool(request.get("ConsistentRead"))
            units += sum(_read(item_size(item), consistent) for item in found)
            units += _read(0, consistent) * max(0, len(request["Keys"]) - len(found))
        return units
    if operation in ("Query", "Scan"):
        items = response.get("Items", [])
        size = sum(item_size(item) for item in items)
        scanned = response.get("ScannedCount", len(items))
        if items and scanned > len(items):  # filtered out: billed too, at the returned items' mean size
            size = size * scanned / len(items)
        return _read(int(size), consistent)
    if operation == "TransactGetItems":
        return sum(_read(item_size(r.get("Item")), True, True) for r in response.get("Responses", []))
    return 0.0


def _written(params: dict, operation: str) -> list[tuple[str, dict, str]]:
    """(table, key, kind) of every item a write names."""
    def key_of(body: dict) -> dict:
        return body["Key"] if "Key" in body else {name: body["Item"][name] for name in KEY}

    if operation == "TransactWriteItems":
        return [(body["TableName"], key_of(body), kind) for entry in params["TransactItems"]
                for kind, body in entry.items()]
    if operation == "BatchWriteItem":
        return [(table, request.get("PutRequest", request.get("DeleteRequest", {})).get("Key")
                 or {name: request["PutRequest"]["Item"][name] for name in KEY},
                 "Put" if "PutRequest" in request else "Delete")
                for table, requests in params["RequestItems"].items() for request in requests]
    return [(params["TableName"], key_of(params), operation.removesuffix("Item"))]


def _write(before: dict | None, after: dict | None, kind: str, transactional: bool) -> float:
    size = max(item_size(before), item_size(after))
    units = max(1, math.ceil(size / 1024)) * (2 if transactional else 1)
    if kind == "ConditionCheck":
        return units
    for pk, sk in INDEXES:  # index writes: the new projection, and removing the old one if its key moved
        old = (before or {}).get(pk), (before or {}).get(sk)
        new = (after or {}).get(pk), (after or {}).get(sk)
        if new[0] is not None:
            units += max(1, math.ceil(item_size(after) / 1024))
        if old[0] is not None and old != new:
            units += max(1, math.ceil(item_size(before) / 1024))
    return units


def write_units(operation: str, params: dict, call: Callable[[], dict], fetch: Fetch) -> tuple[dict, float]:
    """Make the write (``call``) between two unrecorded reads of the items it names; its answer and WRUs."""
    named = _written(params, operation)
    before = [fetch(table, key) for table, key, _ in named]
    response = call()
    after = [fetch(table, key) for table, key, _ in named]
    transactional = operation == "TransactWriteItems"
    return response, sum(_write(b, a, kind, transactional) for (_, _, kind), b, a in zip(named, before, after, strict=True))
