"""Helpers for stock tests: paid orders made through the Repository, SQS events around events/bus samples."""

from __future__ import annotations

import json
import secrets

from diancan.adapters.repository import Repository
from diancan.domain.cart import CartItem, build_lines, portions_needed
from diancan.domain.clock import business_day, iso, utcnow
from diancan.domain.order import Order
from diancan.domain.order_status import OrderAction
from tests.conftest import load_event

STORE = "sh-jingan"


def place(repository: Repository, items: list[dict], *, store_id: str = STORE, pay: bool = True) -> Order:
    """An order created with its portion reservations (as place_order does) and, by default, paid."""
    dishes = {d.dish_id: d for d in repository.load_menu(store_id).dishes}
    lines = build_lines(dishes, [CartItem(**item) for item in items])
    now = utcnow()
    at, total = iso(now), sum(line.line_total_fen for line in lines)
    order = Order(order_id=secrets.token_hex(10).upper(), store_id=store_id, openid="openid-stock", mode="takeout",
                  lines=lines, items_fen=total, total_fen=total, reserved=portions_needed(lines, dishes),
                  created_at=at, business_day=business_day(now).isoformat(), pay_expires_at=at)
    repository.create_order(order, encrypted_address=None, idempotency_key=f"key-{order.order_id}", request_hash="h",
                            prices={line.dish_id: line.base_price_fen for line in lines},
                            expires_at_epoch=int(now.timestamp()))
    if pay:
        repository.transition(order.order_id, order.mode, OrderAction.PAY, at=at)
    return order


def bus_event(name: str, order: Order, **detail) -> dict:
    event = load_event(f"bus/{name}")
    event["detail"].update(order_id=order.order_id, store_id=order.store_id, **detail)
    return event


def sqs_batch(*events: dict) -> dict:
    """The SQS event Lambda gets from the stock queue: one record per EventBridge event."""
    template = load_event("stock_decrement/sqs_batch")["Records"][0]
    return {"Records": [{**template, "messageId": f"msg-{n}", "body": json.dumps(event, ensure_ascii=False)}
                        for n, event in enumerate(events)]}
