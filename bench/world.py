"""The local stack held still for measuring: moto server, infra, secrets, simulators and demo data as in
``make dev``, but with the queue pump and the scheduler stopped and WeChat Pay's notifications kept
instead of sent, so that every handler runs only when the bench calls it, in the bench's own thread."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.pump import sqs_event
from local.stack import LocalStack

EVENTS = Path(__file__).resolve().parents[1] / "events"
STORE = "sh-jingan"
TAKEOUT = [{"dish_id": "d-hongshao", "qty": 1}, {"dish_id": "d-milktea", "qty": 1, "options": ["size-large", "sugar-half"]}]
ADDRESS = {"contact": "王女士", "phone": "13800138000", "text": "黄浦区人民大道120号", "lat": 31.2304, "lng": 121.4737}


class KeptNotifications:
    """Stands in for the WeChat Pay simulator's outbox: keeps each signed notification for the bench."""

    def __init__(self) -> None:
        self.kept: list[tuple[dict, str]] = []

    def submit(self, event_type: str, url: str, body: str, sign) -> None:
        self.kept.append((sign(body), body))

    def reset(self) -> None:
        self.kept.clear()


def sample(name: str) -> dict:
    return copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8")))


def http_event(name: str, *, path: str | None = None, body: Any = None, raw_body: str | None = None,
               query: dict | None = None, headers: dict | None = None) -> dict:
    """A function-URL sample from events/, changed as asked."""
    event = sample(name)
    if path is not None:
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
    if query is not None:
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
        event["queryStringParameters"] = {k: str(v) for k, v in query.items()}
    if body is not None or raw_body is not None:
        event["body"] = raw_body if raw_body is not None else json.dumps(body, ensure_ascii=False)
    event["headers"] = {**event["headers"], **{k.lower(): v for k, v in (headers or {}).items()}}
    return event


class Bench:
    """The still stack and the few journeys the measurements are made of."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.notifications = KeptNotifications()
        stack.simulators["wxpay"].outbox = self.notifications
        stack.simulators["dada"].step_seconds = None  # riders move only when the bench says so

    def invoke(self, function: str, event: dict) -> Any:
        """The warm handler, called directly (what Lambda does), its log and metric lines swallowed."""
        runtime = self.stack.runtime
        with contextlib.redirect_stdout(io.StringIO()):
            return runtime.handler(function)(event, runtime.context_for(function))

    def token(self, name: str) -> str:
        from diancan import bootstrap

        return bootstrap.token_signer().issue(f"openid-{name}")

    def place_event(self, guest: str, items: list | None = None, **extra) -> dict:
        body = {"store_id": STORE, "mode": "takeout", "items": items or TAKEOUT, **extra}
        return http_event("place_order/post_orders", body=body,
                          headers={"authorization": f"Bearer {self.token(guest)}", "idempotency-key": str(uuid.uuid4())})

    def place(self, guest: str, **extra) -> dict:
        """A new order awaiting payment. A 200 means botocore retried a timed-out transaction that had in fact
        committed, and the service then closed that order's prepay (reported as a bug): place another."""
        for _ in range(3):
            answer = self.invoke("place_order", self.place_event(guest, **extra))
            order = json.loads(answer["body"])
            if answer["statusCode"] == 201:
                return order
        raise RuntimeError(f"placing an order failed: {answer['statusCode']} {order}")

    def join_table_event(self, guest: str, table_no: str = "A3") -> dict:
        """A guest scans a table's code: open the table's session, or join the one that is open."""
        from diancan import bootstrap

        scene = bootstrap.table_codes().scene_for(STORE, table_no)
        return http_event("tables/post_join", body={"scene": scene, "nickname": guest},
                          headers={"authorization": f"Bearer {self.token(guest)}"})

    def pay(self, order: dict) -> dict:
        """The guest pays in the simulator; the notification it would send, as pay_notify's event."""
        headers, body = self.notification(order)
        return http_event("pay_notify/notify", raw_body=body, headers=headers)

    def notification(self, order: dict) -> tuple[dict, str]:
        """The guest pays in the simulator; the signed notification it would send (headers, body)."""
        self.stack.simulators["wxpay"].pay(order["pay_params"]["package"].removeprefix("prepay_id="))
        headers, body = self.notifications.kept.pop()
        return {**headers, "content-type": "application/json"}, body

    def queued(self, function: str) -> dict:
        """The messages waiting in the function's queue, as Lambda's SQS event (the queue is emptied)."""
        import boto3

        resources = self.stack.resources
        queue = self.stack.runtime.specs[function].sqs_sources[0][0]
        url, arn = resources.queue_urls[queue], resources.queue_arns[queue]
        sqs = boto3.client("sqs", region_name=resources.region, endpoint_url=resources.endpoint_url)
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       MessageSystemAttributeNames=["All"]).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return sqs_event(messages, arn, resources.region)

    def purge(self, *functions: str) -> None:
        for function in functions:
            while self.queued(function)["Records"]:
                pass

    def courier_callback_event(self, order_id: str, order_status: int, update_time: int) -> dict:
        """Dada's signed status callback for a dispatched order, to the per-order URL the product gave."""
        from local.simulators.dada import sign_callback

        dada = self.stack.simulators["dada"].orders[order_id]
        given = urlsplit(dada.body["callback"])
        body = {"client_id": dada.client_id, "order_id": order_id, "order_status": order_status,
                "cancel_reason": "", "cancel_from": 0, "update_time": update_time,
                "signature": sign_callback(dada.client_id, order_id, str(update_time)),
                "dm_id": 1003, "dm_name": "赵大勇", "dm_mobile": "13912345678"}
        return http_event("courier_callback/post_dada", path=given.path.removeprefix("/courier_callback"),
                          body=body, query={k: v[0] for k, v in parse_qs(given.query).items()})


def restock() -> None:
    """Portions and ingredients enough that no order of a run is refused for stock."""
    from diancan import bootstrap

    repository = bootstrap.repository()
    for dish_id in {item["dish_id"] for item in TAKEOUT} | {"d-cola"}:
        dish = repository.get_dish(STORE, dish_id)
        repository.put_dish(dish.model_copy(update={"portions_left": 100_000, "daily_portions": 100_000}))
    for ingredient in bootstrap.stock_table().ingredients(STORE).values():
        bootstrap.stock().restock(STORE, ingredient.ingredient_id, 10_000_000, by="bench")


@contextlib.contextmanager
def still_stack(workers: int | None = None) -> Iterator[Bench]:
    """``workers``: the most worker processes per function when a request goes through the gateway."""
    with LocalStack(port=0, moto_port=0, with_demo_data=True, overrides={}, workers=workers, quiet=True) as stack:
        stack.pump.stop()
        stack.scheduler.stop()
        restock()
        yield Bench(stack)
