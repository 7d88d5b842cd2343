"""End to end over loopback HTTP: a guest's delivery order is paid through the WeChat Pay simulator, booked
with the Dada simulator by courier_dispatch (fed from the real CourierQueue), and ends COMPLETED through the
simulator's timed riders and their signed callbacks to courier_callback, as in the local stack."""

from __future__ import annotations

import boto3
import pytest

from tests.conftest import FakeContext, handler_of, http_call, wait_for

pytestmark = pytest.mark.handlers

ADDRESS = {"contact": "王女士", "phone": "13800138000", "text": "黄浦区人民大道120号", "lat": 31.2304, "lng": 121.4737}
ORDER = {"store_id": "sh-jingan", "mode": "delivery", "address": ADDRESS,
         "items": [{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}]}


def status_of(order_id: str) -> str:
    from diancan import bootstrap

    return bootstrap.repository().get_order(order_id, consistent=True).status.value


def courier_queue_event(resources) -> dict:
    """The CourierQueue's waiting messages as the SQS event Lambda would be given."""
    from local.pump import sqs_event

    sqs, url = boto3.client("sqs"), resources.queue_urls["CourierQueue"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                   MessageAttributeNames=["All"]).get("Messages", [])
    return sqs_event(messages, arn, resources.region)


def test_a_paid_delivery_order_ends_completed_through_the_simulated_courier(live, guest_token):
    pay, riders, resources = live.wxpay, live.dada, live.resources
    token = guest_token("alice")
    status, order = http_call("place_order", "place_order/post_orders", body=ORDER,
                              headers={"authorization": f"Bearer {token}", "idempotency-key": "deliver-e2e-1"})
    assert status == 201, order
    assert order["delivery_fee_fen"] == 500
    order_id = order["order_id"]
    prepay = next(t for t in pay.state()["transactions"] if t["out_trade_no"] == order_id)["prepay_id"]
    pay.pay(prepay)
    wait_for(lambda: status_of(order_id) == "PAID")

    # OrderPaid reaches the courier queue through the bus (pay_notify publishes just after the PAID write)
    event = wait_for(lambda: (e := courier_queue_event(resources))["Records"] and e)
    assert handler_of("courier_dispatch")(event, FakeContext())["batchItemFailures"] == []

    wait_for(lambda: status_of(order_id) == "COMPLETED")
    status, detail = http_call("orders", "orders/get_order", path=f"/orders/{order_id}",
                               headers={"authorization": f"Bearer {token}"})
    assert status == 200
    steps = [s["status"] for s in detail["delivery"]["steps"]]
    assert steps == ["WAITING_RIDER", "RIDER_ASSIGNED", "RIDER_ARRIVED", "PICKED_UP", "DELIVERED"]
    assert detail["delivery"]["state"] == "DELIVERED"
    assert "****" in detail["delivery"]["rider"]["phone"]
    assert [h["status"] for h in detail["history"]][-2:] == ["DELIVERING", "COMPLETED"]
    assert {c["outcome"] for c in riders.snapshot()["callbacks"]} == {200}
