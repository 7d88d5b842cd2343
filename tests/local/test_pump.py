"""The pump feeds a queue to its consumer as Lambda's event source mapping does (against a moto server)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import SqsModel

from local.functions import FunctionSpec
from local.infra import create_stack
from local.lambda_runtime import LambdaRuntime
from local.moto_server import MotoServer
from local.pump import Pump

pytestmark = pytest.mark.handlers

CONSUMER = FunctionSpec(
    "consumer",
    Path(__file__).resolve().parents[1] / "fixtures" / "consumer_function" / "handler.py",
    "handler",
    sqs_sources=(("StockQueue", 10),),
)


@pytest.fixture(scope="module")
def pump():
    with MotoServer(port=0) as moto:
        resources = create_stack("diancan-pump", endpoint_url=moto.url)
        runtime = LambdaRuntime({"consumer": CONSUMER}, stack_name="diancan-pump")
        started = Pump(runtime, resources, retry_backoff_seconds=0).start()
        yield started
        started.stop()


@pytest.fixture
def consumer(pump):
    module = pump.runtime.handler("consumer").__globals__
    module["forget"]()
    return module


def _sqs(pump: Pump):
    return boto3.client("sqs", region_name="us-east-1", endpoint_url=pump.resources.endpoint_url)


def _send(pump: Pump, *orders: dict) -> None:
    _sqs(pump).send_message_batch(
        QueueUrl=pump.resources.queue_urls["StockQueue"],
        Entries=[
            {
                "Id": str(n),
                "MessageBody": json.dumps(order),
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "test"}},
            }
            for n, order in enumerate(orders)
        ],
    )


def _deliveries_of(consumer: dict, order_id: str) -> list[dict]:
    return [record for record in consumer["DELIVERIES"] if json.loads(record["body"])["id"] == order_id]


def _dlq_bodies(pump: Pump) -> list[dict]:
    answer = _sqs(pump).receive_message(
        QueueUrl=pump.resources.queue_urls["StockDLQ"], MaxNumberOfMessages=10
    )
    return [json.loads(message["Body"]) for message in answer.get("Messages", [])]


def test_the_consumer_gets_the_event_lambda_sends_and_successes_are_deleted(pump, consumer):
    _send(pump, {"id": "ok"})
    pump.drain(timeout=60)
    [record] = _deliveries_of(consumer, "ok")
    SqsModel.model_validate({"Records": [record]})  # the shape Powertools' parser requires
    assert record["eventSource"] == "aws:sqs" and record["awsRegion"] == "us-east-1"
    assert record["eventSourceARN"] == pump.resources.queue_arns["StockQueue"]
    assert {
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    } <= set(record["attributes"])
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "test",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert [d.visible + d.in_flight for d in pump.queue_depths() if d.queue == "StockQueue"] == [0]


def test_a_reported_failure_comes_back_and_the_rest_of_the_batch_is_not_redelivered(pump, consumer):
    _send(pump, {"id": "fine"}, {"id": "flaky", "fail_times": 2})
    pump.drain(timeout=60)
    assert len(_deliveries_of(consumer, "fine")) == 1
    assert [r["attributes"]["ApproximateReceiveCount"] for r in _deliveries_of(consumer, "flaky")] == [
        "1",
        "2",
        "3",
    ]
    assert _dlq_bodies(pump) == []


def test_when_the_handler_raises_nothing_of_the_batch_is_deleted(pump, consumer):
    _send(pump, {"id": "bystander"}, {"id": "crasher", "raise_times": 1})
    pump.drain(timeout=60)
    first_crash = _deliveries_of(consumer, "crasher")[0]["messageId"]
    failed_batch = next(batch for batch in consumer["BATCHES"] if first_crash in batch)
    later = [i for batch in consumer["BATCHES"][consumer["BATCHES"].index(failed_batch) + 1 :] for i in batch]
    assert set(failed_batch) <= set(later)  # every message of that batch came back
    assert len(_deliveries_of(consumer, "crasher")) == 2


def test_a_poison_message_ends_in_the_dlq_after_max_receive_count(pump, consumer):
    _send(pump, {"id": "poison", "fail_times": 99})
    pump.drain(timeout=60)
    assert (
        len(_deliveries_of(consumer, "poison")) == 5
    )  # maxReceiveCount of StockQueue in infra/messaging.yml
    assert _dlq_bodies(pump) == [{"id": "poison", "fail_times": 99}]
