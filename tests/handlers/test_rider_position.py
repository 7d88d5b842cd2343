"""The rider on the map through the handlers, against the Dada simulator over loopback HTTP: the pickup
callback makes courier_callback ask the status query where the rider is, keep it (the latest only) and publish
RiderMoved on the bus; the guest's order detail shows it (masked rider, position, arrival estimate) and another
guest cannot see the order; the sweeper's minute query finds the same place and publishes nothing; the
retention job removes the position with the order's address."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from tests.conftest import FakeContext, handler_of, http_call, wait_for
from tests.handlers.test_delivery_live import ORDER, courier_queue_event, status_of

pytestmark = pytest.mark.handlers


@pytest.fixture
def rider_moves(live):
    """RiderMoved events of the bus, through a rule to an SQS queue."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="rider-moves")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = live.resources.bus_name
    events.put_rule(Name="rider-moves", EventBusName=bus, EventPattern=json.dumps({"detail-type": ["RiderMoved"]}))
    events.put_targets(Rule="rider-moves", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    seen: list[dict] = []

    def received() -> list[dict]:
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            seen.extend(json.loads(m["Body"])["detail"] for m in messages)
            sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                            for i, m in enumerate(messages)])
        return seen

    return received


def rider_kept(order_id: str):
    from diancan import bootstrap

    return bootstrap.delivery_table().rider(order_id)


def out_for_delivery(live, token: str, key: str) -> str:
    """A paid delivery order booked with Dada, its rider out with the food (driven by the QA routes, so the
    simulated rider stands halfway along the route until moved)."""
    live.dada.step_seconds = None
    status, order = http_call("place_order", "place_order/post_orders", body=ORDER,
                              headers={"authorization": f"Bearer {token}", "idempotency-key": key})
    assert status == 201, order
    order_id = order["order_id"]
    prepay = next(t for t in live.wxpay.state()["transactions"] if t["out_trade_no"] == order_id)["prepay_id"]
    live.wxpay.pay(prepay)
    wait_for(lambda: status_of(order_id) == "PAID")
    event = wait_for(lambda: (e := courier_queue_event(live.resources))["Records"] and e)
    assert handler_of("courier_dispatch")(event, FakeContext())["batchItemFailures"] == []
    live.dada.qa_move({"order_id": order_id}, 2, {1, 8})
    live.dada.qa_move({"order_id": order_id}, 3, {2, 100})
    wait_for(lambda: status_of(order_id) == "DELIVERING" and rider_kept(order_id), "the rider's first position")
    return order_id


def detail(order_id: str, token: str) -> tuple[int, dict]:
    return http_call("orders", "orders/get_order", path=f"/orders/{order_id}",
                     headers={"authorization": f"Bearer {token}"})


def test_the_pickup_callback_places_the_rider_on_the_guests_order_only(live, guest_token, rider_moves):
    from local.simulators.dada import along, route

    order_id = out_for_delivery(live, guest_token("alice"), "rider-map-1")
    sim_order = live.dada.orders[order_id]
    halfway = along(route(sim_order.shop_point, sim_order.receiver_point), 0.5)

    status, shown = detail(order_id, guest_token("alice"))
    assert status == 200
    rider = shown["rider"]
    name = sim_order.rider["name"]
    assert rider["name"] == name[0] + "*" * (len(name) - 1) and rider["phone"].count("*") == 4
    assert (rider["lat"], rider["lng"]) == pytest.approx(halfway, abs=1e-6)
    assert rider["eta_at"] > rider["located_at"]
    [moved] = wait_for(rider_moves, "RiderMoved on the bus")
    assert (moved["order_id"], moved["lat"], moved["lng"], moved["eta_at"]) == (
        order_id, rider["lat"], rider["lng"], rider["eta_at"])

    status, other = detail(order_id, guest_token("bob"))
    assert status == 404 and "rider" not in other


def test_the_sweepers_minute_query_publishes_nothing_for_the_same_place_and_a_move_for_a_new_one(
        live, guest_token, rider_moves):
    from diancan import bootstrap
    from diancan.domain.clock import utcnow

    order_id = out_for_delivery(live, guest_token("alice"), "rider-map-2")
    first = rider_kept(order_id)
    wait_for(lambda: len(rider_moves()) == 1, "the first RiderMoved")

    counts = bootstrap.payments().sweep(now=utcnow() + timedelta(minutes=2))  # the rider's query is due
    assert counts == {"rider_still": 1}
    assert rider_kept(order_id) == first

    live.dada.ride_seconds = 100.0  # the simulated rider rides on: 80 of 100 seconds along
    sim_order = live.dada.orders[order_id]
    sim_order.timeline[-1] = (3, sim_order.timeline[-1][1] - 80)
    assert bootstrap.delivery().locate(order_id) == "rider_moved"
    moved = rider_kept(order_id)
    assert (moved.lat, moved.lng) != (first.lat, first.lng) and moved.eta_at <= first.eta_at + timedelta(minutes=1)
    wait_for(lambda: len(rider_moves()) == 2, "the second RiderMoved")
    assert rider_moves()[-1]["lat"] == moved.lat


def test_the_retention_job_removes_the_riders_position_with_the_address(aws, demo_chain):
    from diancan.adapters.delivery_table import DeliveryTable
    from diancan.domain.clock import utcnow
    from diancan.domain.delivery import RiderPosition
    from tests.handlers.test_erasure import ADDRESS, delivered_order
    from tests.handlers.test_privacy_retention import job

    order, _ = delivered_order("openid-rider", address=ADDRESS)
    table = DeliveryTable()
    assert table.locate(order.order_id, order.store_id, RiderPosition(lat=31.23, lng=121.47, at=utcnow()))
    assert job(29).run()["addresses"] == 0 and table.rider(order.order_id) is not None
    assert job(30).run()["addresses"] == 1
    assert table.rider(order.order_id) is None
