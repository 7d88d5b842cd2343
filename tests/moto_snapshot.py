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
