"""The WeChat access token shared by every container, in the table: ``WECHAT#<appid>`` / ``ACCESS_TOKEN``
(docs/table.md, AP-W1..3). Low-level botocore: the writes are conditional updates that keep the force-claim
fields when the token changes.

- read: GetItem, consistent (a container that just lost a write reads the winner).
- save: UpdateItem SET token, valid_until if the item holds no token, holds the same token, or holds a token that
  ends no later; otherwise the stored (longer-lived) token is read and returned. Two containers that fetched
  at once therefore agree on one token, and a slow one never puts back a token a force already replaced.
- claim a forced refresh: UpdateItem SET force_claim (a new random id), forced_at, forced_day, forced_count
  on the condition that force_claim is still the one read; the 30 s spacing and daily count are checked on
  what was read (``force_allowed``), so of containers racing for it exactly one wins.
"""

from __future__ import annotations

import logging
import uuid

from diancan.adapters import keys
from diancan.adapters.aws import client
from diancan.adapters.wechat_token import HeldToken, force_allowed

logger = logging.getLogger(__name__)
KIND = "wechat_token"


class TableTokenCache:
    def __init__(self, table_name: str, region: str) -> None:
        self._table = table_name
        self._region = region

    def read(self, appid: str) -> HeldToken | None:
        item = client("dynamodb", self._region).get_item(TableName=self._table, Key=_key(appid),
                                                         ConsistentRead=True).get("Item")
        return _held(item) if item and "token" in item else None

    def save(self, appid: str, token: str, valid_until: float) -> HeldToken:
        dynamodb = client("dynamodb", self._region)
        try:
            answer = dynamodb.update_item(
                TableName=self._table, Key=_key(appid),
                UpdateExpression="SET #kind = :kind, #token = :token, valid_until = :until",
                ConditionExpression="attribute_not_exists(valid_until) OR #token = :token OR valid_until <= :until",
                ExpressionAttributeNames={"#kind": "kind", "#token": "token"},
                ExpressionAttributeValues={":kind": {"S": KIND}, ":token": {"S": token},
                                           ":until": {"N": str(round(valid_until, 3))}},
                ReturnValues="ALL_NEW")
        except dynamodb.exceptions.ConditionalCheckFailedException:
            stored = self.read(appid)
            if stored is not None:
                return stored
            raise
        return _held(answer["Attributes"])

    def claim_force(self, appid: str, seen: HeldToken | None, now: float, day: str) -> bool:
        if not force_allowed(seen, now, day):
            return False
        count = (seen.forced_count if seen and seen.forced_day == day else 0) + 1
        values = {":kind": {"S": KIND}, ":claim": {"S": uuid.uuid4().hex}, ":at": {"N": str(round(now, 3))},
                  ":day": {"S": day}, ":count": {"N": str(count)}}
        if seen is not None and seen.force_claim:
            condition = "force_claim = :seen"
            values[":seen"] = {"S": seen.force_claim}
        else:
            condition = "attribute_not_exists(force_claim)"
        dynamodb = client("dynamodb", self._region)
        try:
            dynamodb.update_item(
                TableName=self._table, Key=_key(appid),
                UpdateExpression="SET #kind = :kind, force_claim = :claim, forced_at = :at, forced_day = :day, "
                                 "forced_count = :count",
                ConditionExpression=condition, ExpressionAttributeNames={"#kind": "kind"},
                ExpressionAttributeValues=values)
        except dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True


def _held(item: dict) -> HeldToken:
    return HeldToken(item["token"]["S"], float(item["valid_until"]["N"]), item.get("force_claim", {}).get("S"),
                     item.get("forced_day", {}).get("S"), int(item.get("forced_count", {}).get("N", "0")),
                     float(item.get("forced_at", {}).get("N", "0")))


def _key(appid: str) -> dict:
    return {"PK": {"S": keys.wechat_app(appid)}, "SK": {"S": keys.ACCESS_TOKEN}}
