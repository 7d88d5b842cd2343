"""Per-store per-day counters (``STORE#<sid>/STATS#<yyyy-mm-dd>``) updated with atomic ADD, so the
dashboard reads one item per store and day instead of scanning the day's orders.

Low-level botocore rather than pynamodb: the counter names are dynamic (one per hour, status, dish).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from diancan.adapters import keys
from diancan.adapters.aws import client
from diancan.domain.stats import CounterUpdate

STATS_KIND = "stats"
logger = logging.getLogger(__name__)


class Counters:
    def __init__(self, table_name: str, region: str) -> None:
        self._table = table_name
        self._region = region

    def apply(self, store_id: str, day: str, update: CounterUpdate) -> None:
        """One UpdateItem: ADD every number, SET every name. Creates the item on first use."""
        names: dict[str, str] = {"#kind": "kind"}
        values: dict[str, dict] = {":kind": {"S": STATS_KIND}}
        adds, sets = [], ["#kind = :kind"]
        for i, (counter, amount) in enumerate(sorted(update.add.items())):
            names[f"#a{i}"], values[f":a{i}"] = counter, {"N": str(int(amount))}
            adds.append(f"#a{i} :a{i}")
        for i, (attribute, text) in enumerate(sorted(update.names.items())):
            names[f"#n{i}"], values[f":n{i}"] = attribute, {"S": text}
            sets.append(f"#n{i} = :n{i}")
        expression = "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else "")
        client("dynamodb", self._region).update_item(
            TableName=self._table, Key=self._key(store_id, day), UpdateExpression=expression,
            ExpressionAttributeNames=names, ExpressionAttributeValues=values)

    def count(self, store_id: str, day: str, update: CounterUpdate) -> None:
        """``apply`` for a move that already happened: counters are derived figures, so a failed ADD is
        logged, never allowed to undo or fail the order's move (payment, refund, status change)."""
        try:
            self.apply(store_id, day, update)
        except Exception:  # any failure of the counter write: the move itself already applied
            logger.exception("dashboard counter not updated", extra={"store_id": store_id, "day": day})

    def read(self, store_ids: Iterable[str], days: Iterable[str]) -> dict[tuple[str, str], dict]:
        """(store, day) → its counters (missing items are empty), in BatchGetItem calls of 100."""
        wanted = [(s, d) for s in dict.fromkeys(store_ids) for d in dict.fromkeys(days)]
        found: dict[tuple[str, str], dict] = {pair: {} for pair in wanted}
        dynamodb = client("dynamodb", self._region)
        for start in range(0, len(wanted), 100):
            request = {self._table: {"Keys": [self._key(s, d) for s, d in wanted[start:start + 100]]}}
            while request:
                answer = dynamodb.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self._table, []):
                    store_id = item["PK"]["S"].removeprefix(keys.store(""))
                    day = item["SK"]["S"].removeprefix(keys.stats(""))
                    found[(store_id, day)] = {name: _plain(value) for name, value in item.items()
                                              if name not in ("PK", "SK", "kind")}
                request = answer.get("UnprocessedKeys") or None
        return found

    @staticmethod
    def _key(store_id: str, day: str) -> dict:
        return {"PK": {"S": keys.store(store_id)}, "SK": {"S": keys.stats(day)}}


def _plain(value: dict) -> int | str:
    return int(value["N"]) if "N" in value else value.get("S", "")
