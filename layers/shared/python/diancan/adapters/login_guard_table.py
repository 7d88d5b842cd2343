"""Login throttle counters in the table, so that they hold across Lambda environments (adapters of
domain.login_throttle). Low-level botocore, like adapters.counters.

Per attempt: one BatchGetItem reads the login name's item (which staff id it names) and both counters
together. Before the password is checked, one transaction counts the attempt on both counters, each
conditioned on the counter being as it was read: of attempts made at the same moment one wins and the others
are refused, so a parallel burst cannot guess more than one at a time. A right password then takes the
count back in a second transaction (the name's counter deleted, the address's decremented). Every counter
carries the table's TTL (``expires_at``); reads ignore a forgotten one, since TTL deletion runs late.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from diancan.adapters import keys
from diancan.adapters.aws import client
from diancan.domain.login_throttle import Failures

GUARD_KIND = "login_guard"


@dataclass(frozen=True)
class GuardRead:
    staff_id: str | None  # the account the login name belongs to, if any
    counters: dict[str, Failures] = field(default_factory=dict)  # guard key → as stored (absent: no item)


@dataclass(frozen=True)
class Claim:
    """Count one attempt on ``key``: ``count`` from now on, if the counter is still ``seen``."""

    key: str
    seen: Failures | None
    count: int
    now: int
    expires_at: int


class LoginGuardTable:
    def __init__(self, table_name: str, region: str) -> None:
        self._table = table_name
        self._region = region

    def read(self, login: str | None, guard_keys: list[str]) -> GuardRead:
        """One BatchGetItem (consistent): ``STAFFLOGIN#<login>`` (when given) and the counters."""
        wanted = [self._key(key) for key in guard_keys]
        if login:
            wanted.append({"PK": {"S": keys.staff_login(login)}, "SK": {"S": keys.LOGIN_SK}})
        dynamodb = client("dynamodb", self._region)
        request = {self._table: {"Keys": wanted, "ConsistentRead": True}}
        staff_id, counters = None, {}
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(self._table, []):
                if item["SK"]["S"] == keys.GUARD_SK:
                    counters[item["PK"]["S"]] = Failures(int(item.get("failures", {}).get("N", "0")),
                                                         int(item.get("last_at", {}).get("N", "0")))
                else:
                    staff_id = item["staff_id"]["S"]
            request = answer.get("UnprocessedKeys") or None
        return GuardRead(staff_id, counters)

    def claim(self, claims: list[Claim]) -> bool:
        """One transaction counting the attempt on every counter; False if any changed since it was read."""
        items = []
        for c in claims:
            values = {":count": {"N": str(c.count)}, ":now": {"N": str(c.now)}, ":exp": {"N": str(c.expires_at)},
                      ":kind": {"S": GUARD_KIND}}
            if c.seen is None:
                condition = "attribute_not_exists(PK)"
            else:
                condition = "failures = :seen AND last_at = :seen_at"
                values |= {":seen": {"N": str(c.seen.count)}, ":seen_at": {"N": str(c.seen.last_at)}}
            items.append({"Update": {
                "TableName": self._table, "Key": self._key(c.key), "ConditionExpression": condition,
                "UpdateExpression": "SET failures = :count, last_at = :now, expires_at = :exp, #kind = :kind",
                "ExpressionAttributeNames": {"#kind": "kind"}, "ExpressionAttributeValues": values}})
        return self._transact(items)

    def _transact(self, items: list[dict]) -> bool:
        """One TransactWriteItems; False when DynamoDB cancelled it (a condition, or a concurrent transaction)."""
        try:
            client("dynamodb", self._region).transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("TransactionCanceledException", "ConditionalCheckFailedException"):
                return False
            raise
        return True

    def release(self, account_key: str, client_key: str) -> bool:
        """A right password: the name's counter goes, the address's loses the attempt just counted. False when
        another attempt's transaction on the same counter got in the way (the count then stays one higher)."""
        return self._transact([
            {"Delete": {"TableName": self._table, "Key": self._key(account_key)}},
            {"Update": {"TableName": self._table, "Key": self._key(client_key),
                        "UpdateExpression": "SET failures = failures - :one",
                        "ConditionExpression": "attribute_exists(failures)",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}])

    def count_lockout(self, hour: str, expires_at: int) -> int:
        """One more lockout in the clock hour ``hour`` (``yyyy-mm-ddTHH``, UTC); the hour's count so far."""
        answer = client("dynamodb", self._region).update_item(
            TableName=self._table, Key={"PK": {"S": keys.LOCKOUTS_PK}, "SK": {"S": hour}},
            UpdateExpression="SET lockouts = if_not_exists(lockouts, :zero) + :one, expires_at = :exp, #kind = :kind",
            ExpressionAttributeNames={"#kind": "kind"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":zero": {"N": "0"}, ":exp": {"N": str(expires_at)},
                                       ":kind": {"S": "login_lockouts"}},
            ReturnValues="UPDATED_NEW")
        return int(answer["Attributes"]["lockouts"]["N"])

    @staticmethod
    def _key(guard_key: str) -> dict:
        return {"PK": {"S": guard_key}, "SK": {"S": keys.GUARD_SK}}
