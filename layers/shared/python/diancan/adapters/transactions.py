"""Labelled DynamoDB transactions: which item's condition failed, as a domain-level answer.

Every adapter that writes several items atomically goes through ``Transaction`` so that AWS
cancellation reasons are turned into ``ConditionFailed(label)`` or a retryable error in one place.
"""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from diancan.domain.errors import UpstreamUnavailable
from diancan.domain.exceptions import ConditionFailed


def raise_for_cancellation(error: TransactWriteError, labels: list[str]) -> None:
    """Map a cancelled transaction to the domain error of the first item whose condition failed."""
    reasons = error.cancellation_reasons or []
    for label, reason in zip(labels, reasons, strict=False):
        if reason is None or reason.code in (None, "None"):
            continue
        if reason.code == "ConditionalCheckFailed":
            raise ConditionFailed(label)
        if reason.code in ("TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"):
            raise UpstreamUnavailable("busy, retry", "下单人数较多，请稍后重试", code="BUSY_RETRY")
    raise UpstreamUnavailable("database unavailable", "系统繁忙，请稍后再试") from error


class Transaction:
    """A TransactWrite that labels each item in the order pynamodb sends them (condition checks,
    deletes, puts, updates), so that a cancellation reason can be traced to its item."""

    def __init__(self, connection: Connection) -> None:
        self._tx = TransactWrite(connection=connection)
        self._labels: dict[str, list[str]] = {"check": [], "delete": [], "put": [], "update": []}

    @property
    def labels(self) -> list[str]:
        return [*self._labels["check"], *self._labels["delete"], *self._labels["put"], *self._labels["update"]]

    def __enter__(self) -> Transaction:
        self._tx.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._tx.__exit__(*exc)

    def put(self, label: str, record: Model, condition=None) -> None:
        self._tx.save(record, condition=condition)
        self._labels["put"].append(label)

    def update(self, label: str, record: Model, actions: list, condition=None) -> None:
        self._tx.update(record, actions=actions, condition=condition)
        self._labels["update"].append(label)

    def check(self, label: str, record: Model, condition) -> None:
        self._tx.condition_check(type(record), record.PK, record.SK, condition=condition)
        self._labels["check"].append(label)

    def delete(self, label: str, record: Model, condition=None) -> None:
        self._tx.delete(record, condition=condition)
        self._labels["delete"].append(label)
