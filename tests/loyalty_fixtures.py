"""Helpers for loyalty tests: orders placed through place_order, moved along, and bus events delivered to
the loyalty consumer as SQS batches (events/bus samples inside the events/loyalty SQS record)."""

from __future__ import annotations

import json

from diancan.domain.order_status import OrderAction
from tests.conftest import FakeContext, handler_of, http_call, load_event

STORE = "sh-jingan"
AT = "2026-11-24T04:30:00.000Z"


def place(token: str, items: list[dict], key: str, **extra) -> dict:
    status, order = http_call("place_order", "place_order/post_orders",
                              body={"store_id": STORE, "mode": "takeout", "items": items, **extra},
                              headers={"authorization": f"Bearer {token}", "idempotency-key": key})
    assert status == 201, order
    return order


def move(order_id: str, *actions: OrderAction):
    from diancan import bootstrap

    repository = bootstrap.repository()
    order = repository.get_order(order_id)
    for action in actions:
        repository.transition(order_id, order.mode, action, at=AT)
    return repository.get_order(order_id, consistent=True)


def bus_event(name: str, order_id: str, **detail) -> dict:
    event = load_event(f"bus/{name}")
    event["detail"].update(order_id=order_id, store_id=STORE, **detail)
    return event


def deliver(*events: dict) -> dict:
    """Run the loyalty function on one SQS batch holding ``events``."""
    template = load_event("loyalty/sqs_batch")["Records"][0]
    batch = {"Records": [{**template, "messageId": f"msg-{n}", "body": json.dumps(e, ensure_ascii=False)}
                         for n, e in enumerate(events)]}
    return handler_of("loyalty")(batch, FakeContext())
