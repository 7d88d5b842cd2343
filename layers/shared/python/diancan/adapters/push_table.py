"""DynamoDB access of push connections and their subscriptions (docs/table.md, AP-WS1..4).

- connect: PutItem ``WSCONN#<cid>`` / ``CONN`` (the listener, TTL 2 h)
- subscribe: UpdateItem of the connection (ADD the topic, only while it exists), PutItem of the subscription
  ``PUSH#ORDER#<oid>`` or ``PUSH#STORE#<sid>`` / ``<topic>#<cid>`` (same TTL)
- one push: one Query per audience partition (the order's, the store's), no Scan
- disconnect / gone (410): the connection read once, its subscriptions and itself deleted (BatchWriteItem)
"""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from diancan.adapters import keys
from diancan.adapters.records import OrderRecord, PushConnectionRecord, PushSubscriptionRecord
from diancan.domain.exceptions import ConnectionGone
from diancan.domain.push import Listener, Subscriber, Topic, parse_topic


class PushTable:
    def connect(self, connection_id: str, listener: Listener, at: str, expires_at: int) -> None:
        PushConnectionRecord(keys.push_connection(connection_id), keys.PUSH_CONNECTION,
                             listener=_listener_doc(listener), connected_at=at, expires_at=expires_at).save()

    def listener(self, connection_id: str) -> tuple[Listener, set[str], int]:
        """Who holds the connection, its topics and its expiry; ``ConnectionGone`` when it is not stored."""
        try:
            record = PushConnectionRecord.get(keys.push_connection(connection_id), keys.PUSH_CONNECTION,
                                              consistent_read=True)
        except PushConnectionRecord.DoesNotExist:
            raise ConnectionGone() from None
        doc = record.listener
        listener = Listener(doc["kind"], doc["subject"], doc.get("role"), tuple(doc.get("store_ids") or ()))
        return listener, set(record.topics or ()), int(record.expires_at or 0)

    def order_owner(self, order_id: str) -> str | None:
        """The openid that placed the order (None: no such order); one GetItem of two attributes."""
        try:
            record = OrderRecord.get(keys.order(order_id), keys.ORDER, attributes_to_get=["kind", "openid"])
        except OrderRecord.DoesNotExist:
            return None
        return record.openid

    def subscribe(self, connection_id: str, topic: Topic, expires_at: int) -> None:
        try:
            PushConnectionRecord(keys.push_connection(connection_id), keys.PUSH_CONNECTION).update(
                actions=[PushConnectionRecord.topics.add({topic.name})],
                condition=PushConnectionRecord.PK.exists())
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise ConnectionGone() from None
        PushSubscriptionRecord(keys.push_listeners(topic.order_id, topic.store_id),
                               keys.push_subscription(topic.name, connection_id), connection_id=connection_id,
                               topic=topic.name, expires_at=expires_at).save()

    def subscribers(self, order_id: str | None, store_id: str | None) -> list[Subscriber]:
        """Every subscription of the order's (or the store's) topics: one Query."""
        return [Subscriber(r.connection_id, r.topic)
                for r in PushSubscriptionRecord.query(keys.push_listeners(order_id, store_id))
                if isinstance(r, PushSubscriptionRecord)]

    def forget(self, connection_id: str) -> int:
        """Remove a connection and its subscriptions (disconnected, or gone at API Gateway); how many topics
        it had. Safe to repeat."""
        try:
            _, topics, _ = self.listener(connection_id)
        except ConnectionGone:
            return 0
        with PushSubscriptionRecord.batch_write() as batch:
            for name in topics:
                topic = parse_topic(name)
                batch.delete(PushSubscriptionRecord(keys.push_listeners(topic.order_id, topic.store_id),
                                                    keys.push_subscription(name, connection_id)))
            batch.delete(PushConnectionRecord(keys.push_connection(connection_id), keys.PUSH_CONNECTION))
        return len(topics)


def _listener_doc(listener: Listener) -> dict:
    return {"kind": listener.kind, "subject": listener.subject, "role": listener.role,
            "store_ids": list(listener.store_ids)}
