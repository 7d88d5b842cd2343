"""Orders nobody accepts, through the handlers against the WeChat Pay simulator: a store that accepts by hand
gets the order sweeper's due work when the order's OrderPaid reaches print_dispatch, an SNS alarm once after
N minutes and an automatic full refund (reason not_accepted: the guest is told, portions come back) after M;
an order accepted meanwhile is left alone; a store that prints on payment is not watched."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from tests.conftest import FakeContext, handler_of, load_event, wait_for
from tests.handlers.test_payments import order_state, paid_order

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"


@pytest.fixture
def inbox(live, monkeypatch):
    """The alert topic's messages, through an SQS subscription."""
    from diancan import bootstrap

    monkeypatch.setenv("DIANCAN_ALERT_TOPIC_ARN", live.resources.alert_topic_arn)
    bootstrap.reset()
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="unaccepted-alerts")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns").subscribe(TopicArn=live.resources.alert_topic_arn, Protocol="sqs", Endpoint=arn,
                                  Attributes={"RawMessageDelivery": "true"})
    return url


def alerts(url: str) -> list[dict]:
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def accepts_by_hand(alarm: int = 2, cancel: int = 5, print_when: str = "accept") -> None:
    from diancan import bootstrap

    store = bootstrap.repository().load_menu(STORE).store
    bootstrap.repository().put_store(store.model_copy(update={"settings": {
        **store.settings, "print_when": print_when, "unaccepted": {"alarm_after_min": alarm, "cancel_after_min": cancel}}}))


def paid_event_reaches_print_dispatch(order_id: str) -> None:
    order = order_state(order_id)
    event = load_event("print_dispatch/sqs_order_paid")
    body = json.loads(event["Records"][0]["body"])
    body["detail"] = {**body["detail"], "order_id": order_id, "store_id": STORE, "at": order.paid_at,
                      "total_fen": order.total_fen, "pickup_no": order.pickup_no}
    event["Records"][0]["body"] = json.dumps(body, ensure_ascii=False)
    assert handler_of("print_dispatch")(event, FakeContext())["batchItemFailures"] == []


def after(order_id: str, minutes: int):
    from diancan.domain.clock import parse_iso

    return parse_iso(order_state(order_id).paid_at) + timedelta(minutes=minutes, seconds=30)


def test_an_order_nobody_accepts_alarms_once_then_is_refunded_and_its_portions_come_back(live, guest_token, inbox):
    from diancan import bootstrap

    accepts_by_hand()
    order = paid_order(live, guest_token(), key="unaccepted-key-1")
    order_id = order["order_id"]
    assert bootstrap.repository().get_dish(STORE, "d-hongshao").portions_left == 18
    paid_event_reaches_print_dispatch(order_id)
    paid_event_reaches_print_dispatch(order_id)  # a replayed OrderPaid files the same two tasks
    payments = bootstrap.payments()

    assert payments.sweep(now=after(order_id, 1)) == {}
    assert payments.sweep(now=after(order_id, 3)) == {"alarmed": 1}
    [alarm] = alerts(inbox)
    assert (alarm["kind"], alarm["order_id"], alarm["store_id"]) == ("order_unaccepted", order_id, STORE)
    assert payments.alarm_unaccepted(order_id) == "replay" and alerts(inbox) == []  # once per order
    assert order_state(order_id).status == "PAID"

    assert payments.sweep(now=after(order_id, 6)) == {"auto_refunded": 1}
    wait_for(lambda: order_state(order_id).status == "REFUNDED")
    [refund] = bootstrap.payment_table().refunds(order_id)
    assert (refund.amount_fen, refund.reason, refund.requested_by) == (
        order["total_fen"], "not_accepted", "system:accept_timeout")
    # the refund notify settles the order first and gives the portions back after it
    wait_for(lambda: bootstrap.repository().get_dish(STORE, "d-hongshao").portions_left == 20)
    assert payments.refund_unaccepted(order_id) == "accepted"  # a repeat refunds nothing more
    assert len(bootstrap.payment_table().refunds(order_id)) == 1


def test_an_order_accepted_meanwhile_is_neither_alarmed_nor_refunded(live, guest_token, inbox):
    from diancan import bootstrap
    from diancan.domain.clock import iso, utcnow
    from diancan.domain.order_status import OrderAction

    accepts_by_hand()
    order_id = paid_order(live, guest_token(), key="unaccepted-key-2")["order_id"]
    paid_event_reaches_print_dispatch(order_id)
    bootstrap.repository().transition(order_id, "takeout", OrderAction.START, at=iso(utcnow()), by="staff:mgr")
    assert bootstrap.payments().sweep(now=after(order_id, 6)) == {"accepted": 2}
    assert alerts(inbox) == [] and bootstrap.payment_table().refunds(order_id) == []
    assert order_state(order_id).status == "PREPARING"


def test_a_store_that_prints_on_payment_is_not_watched(live, guest_token, inbox):
    from diancan import bootstrap
    from diancan.domain.clock import minute_of

    accepts_by_hand(print_when="payment")
    order_id = paid_order(live, guest_token(), key="unaccepted-key-3")["order_id"]
    paid_event_reaches_print_dispatch(order_id)
    due = [task.task for minutes in range(0, 20) for task in bootstrap.payment_table().due(
        minute_of(after(order_id, minutes)))]
    assert "accept_alarm" not in due and "accept_timeout" not in due
