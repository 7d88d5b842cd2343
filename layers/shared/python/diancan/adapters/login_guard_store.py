"""Login throttle counters in the table, so that they hold across Lambda environments (adapters of
domain.login_throttle). Low-level botocore, like adapters.counters: atomic ADD with the new value returned.

Per attempt: one BatchGetItem reads the login name's item (which staff id it names) and both throttle
counters together; a wrong password adds to both counters (two UpdateItems); a right one after earlier
failures deletes the account's counter. Every counter carries the table's TTL (``expires_at``), and reads
ignore a forgotten one, since TTL deletion runs late.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diancan.adapters import console_records as k
from diancan.adapters.aws import client
from diancan.domain.login_throttle import Failures

GUARD_KIND = "login_guard"


@dataclass(frozen=True)
class GuardRead:
    staff_id: str | None  # the account the login name belongs to, if any
    counters: dict[str, Failures] = field(default_factory=dict)  # guard key → failures (absent: none stored)


class LoginGuardStore:
    def __init__(self, table_name: str, region: str) -> None:
        self._table = table_name
        self._region = region

    def read(self, login: str | None, guard_keys: list[str]) -> GuardRead:
        """One BatchGetItem: ``STAFFLOGIN#<login>`` (when a login name is worth looking up) and the counters."""
        wanted = [{"PK": {"S": key}, "SK": {"S": k.GUARD_SK}} for key in guard_keys]
        if login:
            wanted.append({"PK": {"S": k.staff_login(login)}, "SK": {"S": k.LOGIN_SK}})
        dynamodb = client("dynamodb", self._region)
        request = {self._table: {"Keys": wanted, "ConsistentRead": True}}
        staff_id, counters = None, {}
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(self._table, []):
                if item["SK"]["S"] == k.GUARD_SK:
                    counters[item["PK"]["S"]] = Failures(int(item.get("failures", {}).get("N", "0")),
                                                         int(item.get("last_at", {}).get("N", "0")))
                else:
                    staff_id = item["staff_id"]["S"]
            request = answer.get("UnprocessedKeys") or None
        return GuardRead(staff_id, counters)

    def add_failure(self, guard_key: str, now: int, expires_at: int, *, restart: bool) -> int:
        """Count one failure (``restart``: the stored count was forgotten, start again at 1); the new count."""
        count = "failures = :one" if restart else "failures = if_not_exists(failures, :zero) + :one"
        values = {":one": {"N": "1"}, ":now": {"N": str(now)}, ":exp": {"N": str(expires_at)},
                  ":kind": {"S": GUARD_KIND}} | ({} if restart else {":zero": {"N": "0"}})
        answer = client("dynamodb", self._region).update_item(
            TableName=self._table, Key={"PK": {"S": guard_key}, "SK": {"S": k.GUARD_SK}},
            UpdateExpression=f"SET {count}, last_at = :now, expires_at = :exp, #kind = :kind",
            ExpressionAttributeNames={"#kind": "kind"},
            ExpressionAttributeValues=values, ReturnValues="UPDATED_NEW")
        return int(answer["Attributes"]["failures"]["N"])

    def clear(self, guard_key: str) -> None:
        client("dynamodb", self._region).delete_item(
            TableName=self._table, Key={"PK": {"S": guard_key}, "SK": {"S": k.GUARD_SK}})

    def count_lockout(self, hour: str, expires_at: int) -> int:
        """One more lockout in the clock hour ``hour`` (``yyyy-mm-ddTHH``, UTC); the hour's count so far."""
        answer = client("dynamodb", self._region).update_item(
            TableName=self._table, Key={"PK": {"S": k.LOCKOUTS_PK}, "SK": {"S": hour}},
            UpdateExpression="SET lockouts = if_not_exists(lockouts, :zero) + :one, expires_at = :exp, #kind = :kind",
            ExpressionAttributeNames={"#kind": "kind"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":zero": {"N": "0"}, ":exp": {"N": str(expires_at)},
                                       ":kind": {"S": "login_lockouts"}},
            ReturnValues="UPDATED_NEW")
        return int(answer["Attributes"]["lockouts"]["N"])
