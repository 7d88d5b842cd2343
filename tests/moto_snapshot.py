"""moto's in-process state kept and put back, so that each test gets the stack of infra/*.yml without paying
for moto's CloudFormation again (about 1 s a test on 2 busy cores, the largest cost of the handler tiers).

``take()`` deep-copies every moto backend in use (the objects moto keeps per service, account and region),
``restore()`` puts a fresh deep copy of them in place inside a new ``mock_aws``: the same tables, queues,
rules, bucket, topic and secrets, with nothing a previous test wrote. The copies are whole and independent
(one deepcopy of all services at once, so references between them stay inside the copy). moto's objects hold
locks, which cannot be copied: a copy gets new ones.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Snapshot = list[tuple[Any, dict[str, dict[str, Any]]]]  # (BackendDict, {account: {region: backend}})
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


def _new_condition(condition: threading.Condition, memo: dict) -> threading.Condition:
    return threading.Condition(copy.deepcopy(condition._lock, memo))  # type: ignore[attr-defined]


def _new_event(event: threading.Event, memo: dict) -> threading.Event:
    copied = threading.Event()
    if event.is_set():
        copied.set()
    return copied


@contextmanager
def _locks_copied_new() -> Iterator[None]:
    """Locks, conditions and events copied as new ones (a condition's bound methods would otherwise still
    point at the original's lock)."""
    dispatch = copy._deepcopy_dispatch  # type: ignore[attr-defined]
    copiers: dict[type, Any] = {kind: (lambda lock, memo, kind=kind: kind()) for kind in _LOCK_TYPES}
    copiers |= {threading.Condition: _new_condition, threading.Event: _new_event}
    saved = {kind: dispatch.get(kind) for kind in copiers}
    dispatch.update(copiers)
    try:
        yield
    finally:
        for kind, before in saved.items():
            if before is None:
                dispatch.pop(kind, None)
            else:
                dispatch[kind] = before


def take() -> Snapshot:
    """Every moto backend in use now, deep-copied."""
    from moto.core.base_backend import BackendDict

    in_use = list(BackendDict._instances)
    with _locks_copied_new():
        copied = copy.deepcopy([{account: dict(regions) for account, regions in backends.items()}
                                for backends in in_use])
    return list(zip(in_use, copied, strict=True))


def restore(snapshot: Snapshot) -> None:
    """Put a fresh copy of ``snapshot`` in place (call inside a ``mock_aws`` that has just started)."""
    with _locks_copied_new():
        copied = copy.deepcopy([accounts for _, accounts in snapshot])
    for (backends, _), accounts in zip(snapshot, copied, strict=True):
        for account, regions in accounts.items():
            for region, backend in regions.items():
                backends[account][region] = backend  # also registers the BackendDict as in use, for moto's reset
                if hasattr(backends, "bucket_accounts"):  # S3 finds a bucket's account by the bucket's name
                    for name in backend.buckets:
                        backends.bucket_accounts[name] = (region, account)


def table(name: str, account: str, region: str) -> Any | None:
    """The current mock's DynamoDB table ``name`` (moto's object), or None."""
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[account][region].tables.get(name)


def is_empty(table: Any) -> bool:
    return not any(table.items.values())


def take_items(table: Any) -> dict:
    """The items of one DynamoDB table, deep-copied (moto computes the indexes from them on each query)."""
    return copy.deepcopy(table.items)


def restore_items(table: Any, items: dict) -> None:
    """Put a fresh copy of ``items`` in place of the table's own."""
    table.items.clear()
    table.items.update(copy.deepcopy(items))
