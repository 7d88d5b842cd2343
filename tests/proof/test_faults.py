"""Fault injection: each fault leaves no money lost, no event lost or doubled, nothing half-written, and
the system converges once the fault clears."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import FakeContext, handler_of, http_call, load_event
from tests.proof.orders import unpaid_order
from tests.proof.wechatpay_model import transaction
from tests.wxpay_fixtures import signed_notification

pytestmark = pytest.mark.handlers


def notify(headers: dict, body: str) -> int:
    event = load_event("pay_notify/notify")
    event["headers"] = {k.lower(): v for k, v in headers.items()} | {"content-type": "application/json"}
    event["body"] = body
    return handler_of("pay_notify")(event, FakeContext())["statusCode"]


def drain(resources, queue: str) -> list[dict]:
    """Every message waiting on a queue (received and deleted), as Lambda's SQS records."""
    sqs, url, records = boto3.client("sqs"), resources.queue_urls[queue], []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                       MessageSystemAttributeNames=["All"]).get("Messages", []):
        for message in batch:
            records.append({"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
                            "body": message["Body"], "attributes": {"ApproximateReceiveCount": "1"},
                            "messageAttributes": {}, "md5OfBody": message["MD5OfBody"], "eventSource": "aws:sqs",
                            "eventSourceARN": resources.queue_arns[queue], "awsRegion": "us-east-1"})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return records


def table_items() -> list[dict]:
    """The whole table, sorted (a fingerprint of every effect a consumer could have)."""
    from diancan import bootstrap

    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=bootstrap.settings().table_name)
    return sorted((item for page in pages for item in page["Items"]), key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


def paid_order(resources):
    """An order paid as a notification pays it (so the real OrderPaid events sit on the queues)."""
    from diancan import bootstrap

    order = unpaid_order(bootstrap.repository(), qty=2)
    assert bootstrap.payments().apply_transaction(transaction(order.order_id, order.total_fen)) == "paid"
    return order


class PublishOutage:
    """EventBridge refuses the next ``count`` PutEvents calls (as a partial failure answer would)."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __call__(self, original):
        def publish(bus, events):
            if self.count > 0:
                self.count -= 1
                from diancan.adapters.eventbus import EventPublishFailed

                raise EventPublishFailed("1 of 1 events not published")
            return original(bus, events)

        return publish


def test_a_failed_publish_after_payment_fails_the_notification_and_the_retry_publishes_once(demo_chain,
                                                                                           monkeypatch):
    from diancan import bootstrap
    from diancan.adapters.eventbus import EventBus

    order = unpaid_order(bootstrap.repository())
    headers, body = signed_notification(transaction(order.order_id, order.total_fen))
    monkeypatch.setattr(EventBus, "publish", PublishOutage(1)(EventBus.publish))

    assert notify(headers, body) >= 500  # WeChat Pay retries a notification that is not acknowledged
    assert bootstrap.repository().get_order(order.order_id, consistent=True).status == "PAID"
    assert drain(demo_chain, "StockQueue") == []

    assert [notify(headers, body) for _ in range(3)] == [204, 204, 204]
    stored = bootstrap.repository().get_order(order.order_id, consistent=True)
    assert [h.status for h in stored.history].count("PAID") == 1
    assert len(bootstrap.payment_table().order_vouchers(order.order_id)) == 1
    assert [json.loads(r["body"])["detail-type"] for r in drain(demo_chain, "StockQueue")] == ["OrderPaid"]


@pytest.mark.parametrize(("function", "queue"), [("stock_decrement", "StockQueue"), ("loyalty", "LoyaltyQueue")])
def test_every_message_delivered_twice_has_one_effect(demo_chain, function, queue):
    paid_order(demo_chain)
    records = drain(demo_chain, queue)
    assert records
    answer = handler_of(function)({"Records": records}, FakeContext())
    assert answer == {"batchItemFailures": []}
    once = table_items()

    twice = [dict(r, messageId=str(uuid.uuid4())) for r in records] + records
    assert handler_of(function)({"Records": twice}, FakeContext()) == {"batchItemFailures": []}
    assert table_items() == once


class LambdaTimeout(BaseException):
    """Lambda stops the runtime: no except clause of the handler sees it."""


def test_a_timeout_in_the_middle_of_a_batch_loses_and_doubles_nothing(demo_chain, monkeypatch):
    from diancan import bootstrap

    for _ in range(3):
        paid_order(demo_chain)
    records = drain(demo_chain, "StockQueue")
    assert len(records) == 3
    handle, seen = bootstrap.stock().handle, []

    def dies_on_the_third(event):
        seen.append(event.order_id)
        if len(seen) == 3:
            raise LambdaTimeout()
        return handle(event)

    monkeypatch.setattr(bootstrap.stock(), "handle", dies_on_the_third)
    with pytest.raises(LambdaTimeout):
        handler_of("stock_decrement")({"Records": records}, FakeContext())
    monkeypatch.setattr(bootstrap.stock(), "handle", handle)
    handler_of("stock_decrement")({"Records": records}, FakeContext())  # the whole batch comes back
    after_retry = table_items()
    handler_of("stock_decrement")({"Records": records}, FakeContext())
    assert table_items() == after_retry


def raising(operation: str, code: str, message: str = "injected", times: int = 1):
    """A ``_make_api_call`` that fails ``operation`` ``times`` times with ``code`` (botocore retries exhausted)."""
    import botocore.client

    original = botocore.client.BaseClient._make_api_call
    left = [times]

    def call(client, name, params):
        if name == operation and left[0] > 0:
            left[0] -= 1
            extra = {"CancellationReasons": [{"Code": "TransactionConflict"}]} if code.startswith("Transaction") else {}
            raise ClientError({"Error": {"Code": code, "Message": message}, **extra}, name)
        return original(client, name, params)

    return call


@pytest.mark.parametrize(("operation", "code"), [
    ("TransactWriteItems", "TransactionCanceledException"),
    ("TransactWriteItems", "ProvisionedThroughputExceededException"),
    ("BatchGetItem", "ThrottlingException"),
])
def test_dynamodb_contention_or_throttling_while_ordering_is_a_clear_503_and_writes_nothing(
        live, guest_token, monkeypatch, operation, code):
    import botocore.client

    from diancan import bootstrap

    token = guest_token("carol")
    before = table_items()
    with monkeypatch.context() as faulty:  # undoes only this patch, not the fixtures' environment
        faulty.setattr(botocore.client.BaseClient, "_make_api_call", raising(operation, code, times=10))
        status, body = http_call("place_order", "place_order/post_orders",
                                 body={"store_id": "sh-jingan", "mode": "takeout",
                                       "items": [{"dish_id": "d-cola", "qty": 1}]},
                                 headers={"authorization": f"Bearer {token}", "idempotency-key": "fault-key-001"})
    assert status == 503, body
    assert body["code"] in ("TABLE_BUSY", "BUSY_RETRY", "UPSTREAM_UNAVAILABLE") and body["message"]
    assert [i for i in table_items() if i not in before] == []
    assert bootstrap.repository().list_user_orders("openid-carol", start_key=None, limit=5)[0] == []
