"""Delivery through the handlers: range and fee in quote/place_order, courier_dispatch and courier_callback
against moto and the Dada simulator over loopback HTTP. The simulator's riders move only when a test says so
(QA routes); the tests post Dada's signed callbacks themselves, built from the protocol, not the adapter."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from local.demo_delivery import DADA_SHOPS
from local.serve import serving
from local.simulators.dada import DadaSimulator, create_app, sign_callback, sign_envelope
from tests.conftest import TEST_SECRETS, FakeContext, handler_of, http_call, load_event, wait_for

pytestmark = pytest.mark.handlers

STORE = "sh-jingan"
PEOPLES_SQUARE = {"contact": "王女士", "phone": "13800138000", "text": "黄浦区人民大道120号", "lat": 31.2304,
                  "lng": 121.4737}
HONGQIAO_STATION = {**PEOPLES_SQUARE, "text": "闵行区申贵路1500号虹桥火车站", "lat": 31.1940, "lng": 121.3200}
CART = [{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}]  # 38.00


def order_body(address: dict, items: list | None = None) -> dict:
    return {"store_id": STORE, "mode": "delivery", "address": address, "items": items or CART}


# ---- range and fee -----------------------------------------------------------------------------------------


def test_quote_prices_delivery_from_the_stores_distance_tiers(demo_chain):
    status, quote = http_call("place_order", "place_order/post_quote", body=order_body(PEOPLES_SQUARE))
    assert status == 200
    assert quote["delivery_fee_fen"] == 500  # about 2.7 km from 南京西路1266号: the ≤3 km tier
    assert quote["total_fen"] == quote["items_fen"] + quote["packing_fee_fen"] + 500


def test_quote_drops_the_fee_from_the_stores_free_delivery_amount(demo_chain):
    big = [{"dish_id": "d-hongshao", "qty": 2, "options": []}]  # 116.00 ≥ 88.00
    assert http_call("place_order", "place_order/post_quote", body=order_body(PEOPLES_SQUARE, big))[1][
        "delivery_fee_fen"] == 0


def test_placing_outside_the_area_is_refused_with_the_distance(demo_chain, guest_token):
    status, error = http_call("place_order", "place_order/post_orders", body=order_body(HONGQIAO_STATION),
                              headers={"authorization": f"Bearer {guest_token()}", "idempotency-key": "far-away-1"})
    assert status == 422
    assert error["code"] == "OUT_OF_DELIVERY_RANGE"
    assert 12_000 < error["details"]["distance_m"] < 14_000
    assert "公里" in error["message"]


def test_an_order_below_the_delivery_minimum_is_refused_once_with_what_is_missing(demo_chain):
    status, error = http_call("place_order", "place_order/post_quote",
                              body=order_body(PEOPLES_SQUARE, [{"dish_id": "d-cola", "qty": 1}]))
    assert status == 422
    assert error["code"] == "BELOW_DELIVERY_MINIMUM"
    assert error["details"] == {"minimum_order_fen": 2000, "short_by_fen": 1500}


# ---- dispatch and callbacks ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dada_server():
    dada = TEST_SECRETS["dada"]
    sim = DadaSimulator(app_key=dada["app_key"], app_secret=dada["app_secret"], source_id=dada["source_id"],
                        shops=dict(DADA_SHOPS), step_seconds=None)
    with serving(create_app(sim)) as server:
        yield sim, server.base_url


@pytest.fixture
def dada(demo_chain, dada_server, monkeypatch):
    """The Dada simulator (reset, riders moved by the tests) and alerts collected from the stack's topic. The
    simulator's own callbacks go to a closed port: the tests deliver callbacks themselves."""
    from diancan import bootstrap

    sim, base_url = dada_server
    sim.reset()
    monkeypatch.setenv("DADA_API_BASE", base_url)
    monkeypatch.setenv("DIANCAN_PUBLIC_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("DIANCAN_ALERT_TOPIC_ARN", demo_chain.alert_topic_arn)
    bootstrap.reset()
    sqs = boto3.client("sqs")
    inbox = sqs.create_queue(QueueName="delivery-alerts")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns").subscribe(TopicArn=demo_chain.alert_topic_arn, Protocol="sqs", Endpoint=arn,
                                  Attributes={"RawMessageDelivery": "true"})
    sim.alert_inbox = inbox
    sim.base_url = base_url
    return sim


def alerts(sim) -> list[dict]:
    messages = boto3.client("sqs").receive_message(QueueUrl=sim.alert_inbox, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def paid_delivery_order(address: dict = PEOPLES_SQUARE, *, ahead: bool = False) -> str:
    """A delivery order with its encrypted address, created through the Repository and moved to PAID
    (``ahead``: a pre-order paid ahead, SCHEDULED)."""
    from diancan import bootstrap
    from diancan.adapters.records import OrderRecord
    from diancan.domain.cart import CartItem, build_lines
    from diancan.domain.clock import business_day, iso, utcnow
    from diancan.domain.order import DeliveryAddress, Order
    from diancan.domain.order_status import OrderAction

    repository = bootstrap.repository()
    _, dishes, _ = repository.load_for_order(STORE, ["d-gongbao"], None)
    lines = build_lines(dishes, [CartItem(dish_id="d-gongbao", qty=1, options=["spicy-mild"])])
    now, order_id = utcnow(), f"D{time.monotonic_ns()}"
    order = Order(order_id=order_id, store_id=STORE, openid="openid-alice", mode="delivery",
                  address=DeliveryAddress(**address), lines=lines, items_fen=3800, delivery_fee_fen=500,
                  total_fen=4300, created_at=iso(now), business_day=business_day(now).isoformat(),
                  pay_expires_at=iso(now + timedelta(minutes=15)))
    repository.create_order(order, encrypted_address=bootstrap.pii_cipher().encrypt(order.address.model_dump_json()),
                            idempotency_key=f"k-{order_id}", request_hash="h", prices={"d-gongbao": 3800},
                            expires_at_epoch=int(now.timestamp()))
    repository.transition(order_id, "delivery", OrderAction.PAY_AHEAD if ahead else OrderAction.PAY, at=iso(now),
                          extra=[OrderRecord.pickup_no.set(17), OrderRecord.paid_at.set(iso(now)),
                                 OrderRecord.paid_fen.set(4300), OrderRecord.transaction_id.set(f"42{order_id}")])
    return order_id


def sqs_event(order_id: str, detail_type: str = "OrderPaid", receive_count: int = 1, **detail) -> dict:
    event = load_event("courier_dispatch/sqs_order_paid")
    record = event["Records"][0]
    body = json.loads(record["body"])
    body["detail-type"] = detail_type
    body["detail"] = {**body["detail"], "order_id": order_id, "store_id": STORE, **detail}
    record["body"] = json.dumps(body, ensure_ascii=False)
    record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return event


def dispatch(order_id: str, **options) -> list:
    return handler_of("courier_dispatch")(sqs_event(order_id, **options), FakeContext())["batchItemFailures"]


def qa(sim, operation: str, order_id: str) -> None:
    """Drive the sandbox (接单 accept / 取货 fetch / 完成 finish / cancel / expire) through its signed API."""
    dada = TEST_SECRETS["dada"]
    envelope = {"app_key": dada["app_key"], "timestamp": str(int(time.time())), "format": "json", "v": "1.0",
                "source_id": dada["source_id"], "body": json.dumps({"order_id": order_id})}
    envelope["signature"] = sign_envelope(envelope, dada["app_secret"])
    answer = requests.post(f"{sim.base_url}/api/order/{operation}", json=envelope, timeout=5).json()
    assert answer["status"] == "success", answer


def callback(sim, order_id: str, order_status: int, update_time: int, *, token: str | None = None,
             signature: str | None = None, **extra) -> tuple[int, dict]:
    """POST a status callback as Dada signs it, to the URL the product gave Dada (its per-order token)."""
    client_id = sim.orders[order_id].client_id
    given = urlsplit(sim.orders[order_id].body["callback"])
    query = {k: v[0] for k, v in parse_qs(given.query).items()}
    if token is not None:
        query["token"] = token
    body = {"client_id": client_id, "order_id": order_id, "order_status": order_status, "cancel_reason": "",
            "cancel_from": 0, "update_time": update_time,
            "signature": signature or sign_callback(client_id, order_id, str(update_time)), **extra}
    return http_call("courier_callback", "courier_callback/post_dada", path=given.path.removeprefix("/courier_callback"),
                     body=body, query=query)


RIDER = {"dm_id": 1003, "dm_name": "赵大勇", "dm_mobile": "13912345678"}


def order_of(order_id: str):
    from diancan import bootstrap

    return bootstrap.repository().get_order(order_id, consistent=True)


def order_and_delivery(order_id: str) -> tuple[str, dict]:
    from diancan import bootstrap

    order = bootstrap.repository().get_order(order_id, consistent=True)
    return order.status.value, bootstrap.delivery().tracking(order_id)


def test_dispatch_books_one_rider_and_a_retried_event_books_no_second(dada):
    order_id = paid_delivery_order()
    assert dispatch(order_id) == []
    assert dispatch(order_id, receive_count=2) == []  # SQS delivered it again
    assert list(dada.orders) == [order_id]
    assert dada.orders[order_id].timeline == [(1, dada.orders[order_id].timeline[0][1])]
    assert order_and_delivery(order_id)[1]["state"] == "BOOKED"
    sent = dada.orders[order_id].body
    assert (sent["shop_no"], sent["receiver_phone"], sent["origin_mark_no"]) == ("11047059", "13800138000", "017")


def test_a_delivery_pre_order_books_its_rider_at_its_release_not_at_payment(dada):
    from diancan import bootstrap

    order_id = paid_delivery_order(ahead=True)
    assert dispatch(order_id, release_at="2026-12-06T03:15:00.000Z") == []  # OrderPaid of a pre-order paid ahead
    assert list(dada.orders) == []
    assert bootstrap.payments().release(order_id) == "released"
    assert order_of(order_id).status == "PAID"
    assert dispatch(order_id, detail_type="OrderReleased", pickup_at="2026-12-06T04:00:00.000Z") == []
    assert list(dada.orders) == [order_id]
    assert order_and_delivery(order_id)[1]["state"] == "BOOKED"


def test_a_timed_out_dispatch_is_retried_by_sqs_and_still_books_one_rider(dada, monkeypatch):
    monkeypatch.setenv("DIANCAN_HTTP_TIMEOUT_SECONDS", "0.3")
    from diancan import bootstrap

    bootstrap.reset()
    order_id = paid_delivery_order()
    dada.add_faults({"slow_calls": 1, "slow_seconds": 0.6})  # the order lands, the answer comes too late
    assert len(dispatch(order_id)) == 1  # failed record: SQS retries after the visibility timeout
    wait_for(lambda: order_id in dada.orders)  # the slow call landed on the simulator's side, however busy the machine
    assert order_and_delivery(order_id)[1]["state"] == "BOOKING"
    assert dispatch(order_id, receive_count=2) == []
    assert list(dada.orders) == [order_id] and order_and_delivery(order_id)[1]["state"] == "BOOKED"


def test_an_unreachable_courier_on_the_last_receive_flags_the_order_and_alerts_the_store(dada):
    from diancan import bootstrap

    order_id = paid_delivery_order()
    dada.add_faults({"fail_calls": 2})
    assert len(dispatch(order_id)) == 1
    assert dispatch(order_id, receive_count=5) == []
    assert order_and_delivery(order_id)[1]["problem"] == "DISPATCH_FAILED"
    assert "DISPATCH_FAILED" in bootstrap.repository().get_order(order_id, consistent=True).flags
    assert [a["problem"] for a in alerts(dada)] == ["DISPATCH_FAILED"]
    bootstrap.delivery().redispatch(order_id, by="staff:mgr")  # the console's 重新派单
    assert order_and_delivery(order_id)[1]["state"] == "BOOKED"
    assert bootstrap.repository().get_order(order_id, consistent=True).flags == []


def test_a_signed_callback_moves_the_order_and_a_forged_one_changes_nothing(dada):
    order_id = paid_delivery_order()
    dispatch(order_id)
    now = int(time.time())
    forged = [callback(dada, order_id, 3, now, signature="0" * 32, **RIDER),
              callback(dada, order_id, 3, now, token="f" * 32, **RIDER)]
    assert [status for status, _ in forged] == [400, 400]
    assert order_and_delivery(order_id) == ("PAID", order_and_delivery(order_id)[1])
    assert order_and_delivery(order_id)[1]["steps"] == []
    status, ack = callback(dada, order_id, 3, now, **RIDER)
    assert (status, ack) == (200, {"status": "ok"})
    order_status, delivery = order_and_delivery(order_id)
    assert order_status == "DELIVERING"
    assert delivery["rider"] == {"name": "赵大勇", "phone": "139****5678"}


def test_duplicated_and_shuffled_callbacks_give_one_history_and_a_completed_order(dada):
    order_id = paid_delivery_order()
    dispatch(order_id)
    start = int(time.time())
    steps = [(1, start), (2, start + 60), (100, start + 300), (3, start + 360), (4, start + 1200)]
    deliveries = steps * 2
    random.Random(7).shuffle(deliveries)
    for status, at in deliveries:
        assert callback(dada, order_id, status, at, **(RIDER if status != 1 else {}))[0] == 200
    order_status, delivery = order_and_delivery(order_id)
    assert order_status == "COMPLETED" and delivery["state"] == "DELIVERED"
    assert "OrderCompleted" in order_of(order_id).published  # points are earned through the one completion path
    statuses = [s["status"] for s in delivery["steps"]]
    assert statuses[-1] == "DELIVERED" and len(statuses) == len(set(statuses))
    ranks = ["WAITING_RIDER", "RIDER_ASSIGNED", "RIDER_ARRIVED", "PICKED_UP", "DELIVERED"]
    assert [ranks.index(s) for s in statuses] == sorted(ranks.index(s) for s in statuses)


def test_a_platform_cancel_is_re_dispatched_once_then_the_store_is_alerted(dada):
    order_id = paid_delivery_order()
    dispatch(order_id)
    qa(dada, "cancel", order_id)
    assert callback(dada, order_id, 5, int(time.time()), cancel_reason="系统取消")[0] == 200
    assert dada.orders[order_id].status == 1  # re-published (reAddOrder): waiting for a rider again
    assert order_and_delivery(order_id)[1]["state"] == "BOOKED"
    assert alerts(dada) == []
    qa(dada, "expire", order_id)
    assert callback(dada, order_id, 7, int(time.time()) + 1)[0] == 200
    assert callback(dada, order_id, 7, int(time.time()) + 1)[0] == 200  # Dada sends it again
    assert [t[0] for t in dada.orders[order_id].timeline] == [1, 5, 1, 7]
    delivery = order_and_delivery(order_id)[1]
    assert (delivery["state"], delivery["problem"]) == ("NEEDS_STAFF", "COURIER_GAVE_UP")
    assert [a["problem"] for a in alerts(dada)] == ["COURIER_GAVE_UP"]


def test_a_failed_delivery_waits_for_the_store_which_may_refund(dada):
    from diancan import bootstrap

    refunds = []

    class Refunds:
        def refund(self, order_id, amount_fen, *, reason, by, food_made=False, day_limit_fen=None):
            refunds.append((order_id, amount_fen, reason, food_made))

    order_id = paid_delivery_order()
    dispatch(order_id)
    now = int(time.time())
    callback(dada, order_id, 3, now, **RIDER)
    callback(dada, order_id, 9, now + 600, **RIDER)
    assert order_and_delivery(order_id)[1]["problem"] == "DELIVERY_FAILED"
    assert "DELIVERY_FAILED" in bootstrap.repository().get_order(order_id, consistent=True).flags
    service = bootstrap.delivery()
    service._refunds = Refunds  # the store chose a refund; PaymentService is tested with WeChat Pay elsewhere
    assert service.close_with_refund(order_id, by="staff:mgr")["state"] == "CANCELLED"
    assert refunds == [(order_id, None, "delivery_failed", True)]
    assert service.active(STORE) == []


def test_the_console_lists_active_deliveries_and_the_guest_sees_the_steps(dada, guest_token):
    from bench.calls import recorded_calls
    from diancan import bootstrap

    order_id = paid_delivery_order()
    dispatch(order_id)
    callback(dada, order_id, 2, int(time.time()), **RIDER)
    active = bootstrap.delivery().active(STORE)
    assert [(d["order_id"], d["state"]) for d in active] == [(order_id, "BOOKED")]
    token = guest_token("alice")
    with recorded_calls() as log:  # the order, its address and its DELIVERY in the order's one Query
        status, detail = http_call("orders", "orders/get_order", path=f"/orders/{order_id}",
                                   headers={"authorization": f"Bearer {token}"})
    assert log.dynamodb() == {"Query": 1, "GetItem": 1}  # and, while the kitchen has it, the store's open tickets
    assert status == 200
    assert [s["status"] for s in detail["delivery"]["steps"]] == ["RIDER_ASSIGNED"]
    assert detail["delivery"]["rider"]["phone"] == "139****5678"
    datetime.fromisoformat(detail["delivery"]["steps"][0]["at"].replace("Z", "+00:00")).astimezone(UTC)


def test_the_riders_pickup_publishes_out_for_delivery_once_however_often_the_callback_comes(dada):
    """Picked up (3) moves the order to DELIVERING and publishes OrderOutForDelivery for guest_notify; the same
    callback again and the delivered callback publish no second one."""
    from unittest import mock

    from diancan import bootstrap
    from diancan.domain.events import OrderOutForDelivery

    order_id = paid_delivery_order()
    dispatch(order_id)
    now = int(time.time())
    with mock.patch.object(bootstrap.event_bus(), "publish") as publish:
        assert callback(dada, order_id, 2, now, **RIDER)[0] == 200  # rider assigned: nothing for the guest yet
        assert publish.call_count == 0
        for _ in range(2):
            assert callback(dada, order_id, 3, now + 60, **RIDER)[0] == 200
    events = [e for call in publish.call_args_list for e in call.args[0]]
    assert [type(e) for e in events] == [OrderOutForDelivery]
    [event] = events
    assert (event.order_id, event.store_id, event.courier, event.by) == (order_id, STORE, "dada", "courier:dada")
    assert order_and_delivery(order_id)[0] == "DELIVERING"
