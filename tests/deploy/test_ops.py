"""The operator's dead-letter commands (tools/ops.py) against the stack's queues in moto."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.conftest import TEST_STACK, load_event
from tools import ops

pytestmark = pytest.mark.handlers


def dead_letters(aws, queue: str, count: int) -> None:
    sqs = boto3.client("sqs")
    dlq_url = aws.queue_urls[aws.dlq_of[queue]]
    for _ in range(count):
        sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps(load_event("bus/OrderPaid")))


def test_redrive_moves_every_dead_letter_back_to_its_queue_unchanged(aws):
    dead_letters(aws, "PrintQueue", 13)
    sqs = boto3.client("sqs")
    pair = ops.queue_pair(sqs, TEST_STACK, "print")
    assert ops.redrive(sqs, pair) == 13
    assert ops.depth(sqs, pair.dlq_url) == 0
    assert ops.depth(sqs, pair.url) == 13
    body = sqs.receive_message(QueueUrl=pair.url)["Messages"][0]["Body"]
    assert json.loads(body) == load_event("bus/OrderPaid")


def test_redrive_stops_at_the_limit_it_is_given(aws):
    dead_letters(aws, "StockQueue", 5)
    sqs = boto3.client("sqs")
    pair = ops.queue_pair(sqs, TEST_STACK, "stock")
    assert ops.redrive(sqs, pair, limit=2) == 2
    assert ops.depth(sqs, pair.dlq_url) == 3


def test_the_dlq_command_lists_every_consumer_queue_with_its_dead_letters(aws, capsys):
    dead_letters(aws, "CourierQueue", 1)
    assert ops.main(["--stack", TEST_STACK, "dlq"]) == 0
    out = capsys.readouterr().out
    assert "courier: 1 dead letters" in out
    assert "print: 0 dead letters" in out


def test_peek_shows_the_event_type_and_order_without_removing_it(aws, capsys):
    dead_letters(aws, "PrintQueue", 1)
    ops.main(["--stack", TEST_STACK, "peek", "print"])
    shown = json.loads(capsys.readouterr().out)
    assert shown[0]["detail-type"] == "OrderPaid"
    assert shown[0]["order_id"] == load_event("bus/OrderPaid")["detail"]["order_id"]
