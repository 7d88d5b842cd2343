"""Feed SQS queues to their consumer functions the way Lambda's event source mapping does.

One thread per (function, queue) long-polls the queue, hands the batch to the handler as Lambda's SQS
event, deletes what succeeded and leaves failures in the queue. Lambda leaves a failed message invisible
for the queue's visibility timeout (180 s here); locally it comes back after
``retry_backoff_seconds × receive count`` so that moto's redrive moves a poison message to the DLQ after
``maxReceiveCount`` receives within seconds. ``drain`` lets tests wait for quiet instead of sleeping.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3

from local.infra import StackResources
from local.lambda_runtime import LambdaRuntime

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueDepth:
    queue: str
    visible: int
    in_flight: int
    dlq: str | None
    dlq_visible: int


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda sends for a batch received from ``queue_arn``."""
    return {"Records": [_record(message, queue_arn, region) for message in messages]}


def _record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: _lambda_attribute(value) for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS API attribute (``StringValue``/``DataType``) → Lambda event attribute (``stringValue``/``dataType``)."""
    attribute: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


class Pump:
    """Pollers for every SQS source of the runtime's functions. ``start``/``stop``; ``drain`` to wait."""

    def __init__(
        self,
        runtime: LambdaRuntime,
        resources: StackResources,
        *,
        retry_backoff_seconds: int = 1,
        sqs_client: Callable[[], Any] | None = None,
    ) -> None:
        self.runtime = runtime
        self.resources = resources
        self.retry_backoff_seconds = retry_backoff_seconds
        self._new_client = sqs_client or (
            lambda: boto3.client("sqs", region_name=resources.region, endpoint_url=resources.endpoint_url)
        )
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()

    @property
    def sources(self) -> list[tuple[str, str, int]]:
        """(function, queue logical id, batch size) for every SQS source."""
        return [
            (name, queue, batch_size)
            for name, spec in sorted(self.runtime.specs.items())
            for queue, batch_size in spec.sqs_sources
        ]

    def start(self) -> Pump:
        for function_name, queue, batch_size in self.sources:
            if queue not in self.resources.queue_urls:
                raise ValueError(
                    f"function {function_name} consumes {queue}, which infra/*.yml does not define"
                )
            thread = threading.Thread(
                target=self._poll,
                args=(function_name, queue, batch_size),
                name=f"pump-{function_name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def _poll(self, function_name: str, queue: str, batch_size: int) -> None:
        client = self._new_client()
        url, arn = self.resources.queue_urls[queue], self.resources.queue_arns[queue]
        while not self._stopping.is_set():
            try:
                messages = client.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=min(batch_size, 10),
                    WaitTimeSeconds=1,
                    MessageSystemAttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
                if messages:
                    with self._in_flight_lock:
                        self._in_flight += 1
                    try:
                        self._deliver(client, function_name, url, arn, messages)
                    finally:
                        with self._in_flight_lock:
                            self._in_flight -= 1
            except Exception:
                if self._stopping.is_set():
                    return
                logger.exception("pump poll failed", extra={"function": function_name, "queue": queue})
                self._stopping.wait(1)

    def _deliver(
        self, client: Any, function_name: str, url: str, arn: str, messages: list[dict[str, Any]]
    ) -> None:
        by_id = {message["MessageId"]: message for message in messages}
        try:
            answer = self.runtime.invoke(function_name, sqs_event(messages, arn, self.resources.region))
            failed_ids = _failed_ids(answer, set(by_id))
        except Exception:
            logger.exception(
                "consumer raised; the whole batch will be retried", extra={"function": function_name}
            )
            failed_ids = set(by_id)
        succeeded = [by_id[i] for i in by_id if i not in failed_ids]
        for start in range(0, len(succeeded), 10):
            client.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(succeeded[start : start + 10])
                ],
            )
        for message_id in failed_ids:
            message = by_id[message_id]
            receive_count = int(message["Attributes"].get("ApproximateReceiveCount", "1"))
            client.change_message_visibility(
                QueueUrl=url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=self.retry_backoff_seconds * receive_count,
            )

    @cached_property
    def _query_client(self) -> Any:
        """One client for ``drain`` and ``queue_depths``: building one took longer than a drain's queries."""
        return self._new_client()

    def queue_depths(self) -> list[QueueDepth]:
        """Waiting and in-flight messages of every queue that has a DLQ, with that DLQ's depth."""
        client = self._query_client
        depths = []
        for queue, dlq in sorted(self.resources.dlq_of.items()):
            visible, in_flight = _counts(client, self.resources.queue_urls[queue])
            depths.append(
                QueueDepth(queue, visible, in_flight, dlq, _counts(client, self.resources.queue_urls[dlq])[0])
            )
        return depths

    def drain(self, timeout: float = 30.0) -> None:
        """Return once every consumed queue is empty and no batch is being received or handled.

        Raises ``TimeoutError`` (with the depths) if that does not happen within ``timeout`` seconds.
        """
        client = self._query_client
        urls = sorted({self.resources.queue_urls[queue] for _, queue, _ in self.sources})
        deadline = time.monotonic() + timeout
        quiet_checks = 0
        while True:
            busy = {url: _counts(client, url) for url in urls}
            with self._in_flight_lock:
                handling = self._in_flight
            quiet_checks = quiet_checks + 1 if not handling and not any(sum(c) for c in busy.values()) else 0
            if quiet_checks >= 2:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"queues still busy after {timeout}s: {busy}")
            time.sleep(0.02)


def _counts(client: Any, url: str) -> tuple[int, int]:
    attributes = client.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    waiting = int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes.get("ApproximateNumberOfMessagesDelayed", 0)
    )
    return waiting, int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _failed_ids(answer: Any, batch_ids: set[str]) -> set[str]:
    """Message ids the handler reported failed; an answer naming unknown or empty ids fails the batch (as Lambda)."""
    items = answer.get("batchItemFailures") if isinstance(answer, dict) else None
    if not items:
        return set()
    failed = {item.get("itemIdentifier") if isinstance(item, dict) else None for item in items}
    return failed if failed <= batch_ids else set(batch_ids)
