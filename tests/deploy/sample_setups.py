"""Per function, the state a real invocation meets, made before its sample events run (and before the AWS
calls are recorded): through the product's own handlers and services and the simulators, never by writing
items by hand. Each setup gets a ``Scene`` (the guest, their unpaid dine-in order, the simulators) and may
add placeholders or fresh event fields to ``scene.world`` (see tests/deploy/samples.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.conftest import FakeContext, handler_of, load_event
from tests.deploy.samples import GUEST_OPENID

if TYPE_CHECKING:
    from local.infra import StackResources
    from tests.deploy.samples import SampleWorld, Simulators

STORE = "sh-jingan"
LIMITED_DISH = {"dish_id": "d-hongshao", "qty": 1, "options": []}  # daily portions (menu_daily resets them)
LOW_STOCK_DISH = {"dish_id": "d-xiaolongbao", "qty": 1, "options": []}  # crab: 120 g held, 80 g threshold, 40 g used
REVIEWED_ORDER = "261124123000A1B2C3D4"  # orders/post_review.json (the other samples' order is unpaid)
REVIEW_PICTURE = "<review-picture-key>"  # orders/post_review.json: a picture the guest uploaded
LAST_RECEIVE_ORDER = "261124121500C3D4E5F6"  # courier_dispatch/sqs_dada_down_last_receive.json
DELIVERY_ADDRESS = {"contact": "王小姐", "phone": "13812345678", "text": "上海市静安区南京西路1000号",
                    "lat": 31.2260, "lng": 121.4560}  # inside 静安店's radius; Dada is booked at payment


@dataclass
class Scene:
    world: SampleWorld
    simulators: Simulators
    aws: StackResources
    base_order: dict | None = None  # place_order's answer for the guest's unpaid dine-in order

    def invoke(self, function: str, event: dict) -> Any:
        return handler_of(function)(event, FakeContext())

    def place(self, items: list[dict] | None = None, **fields: Any) -> dict:
        """The guest places an order (dine-in at A1 unless told otherwise); place_order's answer."""
        event = self.world.event("place_order/post_orders")
        body = json.loads(event["body"])
        event["body"] = json.dumps({**body, **({"items": items} if items else {}), **fields}, ensure_ascii=False)
        event["headers"]["idempotency-key"] = str(uuid.uuid4())
        answer = self.invoke("place_order", event)
        assert answer["statusCode"] == 201, answer
        return json.loads(answer["body"])

    def notification_for(self, placed: dict) -> dict:
        """The guest pays in the WeChat Pay simulator; the notification it sends our notify URL, as the
        fields of pay_notify's function-URL event (signed by the simulator at run time)."""
        prepay_id = placed["pay_params"]["package"].removeprefix("prepay_id=")
        self.simulators.world.simulators["wxpay"].pay(prepay_id)
        return self.notification_event()

    def notification_event(self) -> dict:
        arrived = self.simulators.notifications.next(timeout=10)
        headers = {name.lower(): value for name, value in arrived.headers.items() if name.lower().startswith("wechatpay-")}
        return {"headers": headers, "body": arrived.body}

    def deliver_notification(self, fields: dict) -> None:
        event = load_event("pay_notify/notify")
        event["headers"].update(fields["headers"])
        event["body"] = fields["body"]
        answer = self.invoke("pay_notify", event)
        assert answer["statusCode"] == 204, answer

    def pay(self, placed: dict) -> str:
        """Pay the order through the simulator and pay_notify; its id."""
        self.deliver_notification(self.notification_for(placed))
        return placed["order_id"]

    def use_paid_order(self, items: list[dict] | None = None, **fields: Any) -> str:
        """The sample events' order becomes a paid one."""
        self.world.order_id = self.pay(self.place(items, **fields))
        return self.world.order_id

    def refund(self, order_id: str) -> dict:
        """Staff refund the whole order; WeChat Pay's REFUND.SUCCESS notification (what pay_notify gets)."""
        from diancan import bootstrap

        bootstrap.payments().refund(order_id, None, reason="顾客取消", by="staff:boss")
        return self.notification_event()

    def staff_moves(self, order_id: str, *moves: str) -> None:
        """The store's staff move the order on in the console (accept, ready, complete)."""
        from diancan.console.config import console_settings
        from diancan.console.wiring import build
        from local.demo_staff import DEMO_STAFF

        boss = next(staff for staff, _ in DEMO_STAFF if staff.staff_id == "boss")
        orders = build(console_settings()).orders
        for move in moves:
            orders.move(boss, STORE, order_id, move)


def _load(*areas: str) -> None:
    """Demo data of other areas (stations, stock, offers), through their own modules."""
    import importlib

    for area in areas:
        importlib.import_module(f"local.{area}").load()


def pay_notify(scene: Scene) -> None:
    """WeChat Pay's notifications, signed by the simulator now: the payment of the guest's unpaid order,
    the payment of an order the guest had cancelled with the payment sheet still open (refunded at once),
    and the refund of an order staff refunded."""
    from diancan import bootstrap

    scene.world.fields["pay_notify/notify"] = scene.notification_for(scene.base_order)
    cancelled = scene.place()
    bootstrap.guest_orders().cancel(GUEST_OPENID, cancelled["order_id"])
    scene.world.fields["pay_notify/notify_after_cancel"] = scene.notification_for(cancelled)
    scene.world.fields["pay_notify/notify_refund"] = scene.refund(scene.pay(scene.place()))


def print_dispatch(scene: Scene) -> None:
    _load("demo_stations")
    scene.use_paid_order()


def stock_decrement(scene: Scene) -> None:
    """The batch's paid order takes crab below its threshold (StockLow to the topic); its refunded order had
    its crab deducted when it was paid and gives it back (the alert clears)."""
    from diancan import bootstrap

    _load("demo_stock")
    refunded = scene.pay(scene.place([LOW_STOCK_DISH]))
    bootstrap.stock().order_paid(refunded)
    scene.deliver_notification(scene.refund(refunded))
    scene.world.replacements["261124120500B2C3D4E5"] = refunded
    scene.use_paid_order([LOW_STOCK_DISH])


def loyalty(scene: Scene) -> None:
    """A paid order the staff completed (the batch also says it was refunded: the guest gets all back)."""
    order_id = scene.use_paid_order()
    scene.staff_moves(order_id, "accept", "ready", "complete")


def guest_notify(scene: Scene) -> None:
    """The guest's paid takeout order is called at the counter (OrderReady); the batch delivers that event
    twice, as SQS may: one message reaches WeChat."""
    from diancan import bootstrap

    order_id = scene.use_paid_order(mode="takeout", table_no=None)
    bootstrap.kitchen().call_number(order_id, "staff:boss")


def order_sweeper(scene: Scene) -> None:
    """The guest's unpaid order is past its payment window: its expiry task is due now."""
    from datetime import timedelta

    from diancan import bootstrap
    from diancan.domain.clock import minute_of, utcnow

    due = minute_of(utcnow() - timedelta(minutes=2))
    bootstrap.payment_table().add_sweep(due, "expire", scene.world.order_id, None, int(utcnow().timestamp()) + 3600)


def member_profile(scene: Scene) -> None:
    """A paid order the staff completed: the batch's completion folds it into the guest's profile."""
    order_id = scene.use_paid_order()
    scene.staff_moves(order_id, "accept", "ready", "complete")


def segment_daily(scene: Scene) -> None:
    """A guest whose completed order is in their profile, and the owner's thresholds and a custom segment."""
    from diancan import bootstrap
    from diancan.domain.campaigns import Campaign
    from diancan.domain.events import OrderCompleted

    order_id = scene.use_paid_order()
    scene.staff_moves(order_id, "accept", "ready", "complete")
    order = bootstrap.repository().get_order(order_id, consistent=True)
    bootstrap.member_profiles().handle(OrderCompleted(order_id=order_id, store_id=order.store_id, at=order.created_at,
                                                      mode=order.mode, total_fen=order.total_fen, by="staff:boss"))
    bootstrap.member_profile_table().put_segment_settings(
        {"thresholds": {"chain": {"high_visits": 2}}, "custom": [
            {"segment_id": "regulars", "name": "常客", "all_of": [{"kind": "regular_at", "min_visits": 1}]}]},
        order.created_at)
    _load("demo_offers")  # a campaign to new members, due since the order was placed
    bootstrap.campaign_table().create(Campaign(campaign_id="welcome", template_id="tpl-lunch", segment_id="new",
                                               control_percent=0, send_at=order.created_at,
                                               created_at=order.created_at, created_by="staff:boss"))


def menu_daily(scene: Scene) -> None:
    """Yesterday a limited dish sold a portion."""
    scene.use_paid_order([LIMITED_DISH])


def orders(scene: Scene) -> None:
    """The guest reviews a completed order of theirs, with a picture they uploaded through the presigned POST,
    and claims a coupon of the demo offers."""
    import requests

    from diancan import bootstrap
    from diancan.domain.review_pictures import PictureUpload

    _load("demo_offers")
    completed = scene.pay(scene.place([LIMITED_DISH]))  # the dish orders/post_review.json reviews
    scene.staff_moves(completed, "accept", "ready", "complete")
    scene.world.replacements[REVIEWED_ORDER] = completed
    picture = b"\xff\xd8\xff\xe0" + bytes(100)
    form = bootstrap.review_pictures().upload(GUEST_OPENID, PictureUpload(content_type="image/jpeg", size=len(picture)))
    sent = requests.post(form["url"], data=form["fields"], files={"file": ("p.jpg", picture, "image/jpeg")}, timeout=10)
    assert sent.status_code < 300, sent.text
    scene.world.replacements[REVIEW_PICTURE] = form["key"]


def print_check(scene: Scene) -> None:
    """A paid order's tickets went to the stations' printers (print_dispatch) three minutes ago: the kitchen
    printer has printed its ticket, the counter printer ran out of paper and still holds the receipt."""
    from datetime import timedelta

    from diancan import bootstrap
    from diancan.domain.clock import iso, parse_iso
    from local.demo_stations import COUNTER_SN

    scene.simulators.world.simulators["feieyun"].control(COUNTER_SN, state="no_paper")
    print_dispatch(scene)
    answer = scene.invoke("print_dispatch", scene.world.event("print_dispatch/sqs_order_paid"))
    assert answer == {"batchItemFailures": []}, answer
    jobs = bootstrap.print_jobs()
    for job in jobs.of_order(scene.world.order_id):
        jobs.save(job.model_copy(update={"sent_at": iso(parse_iso(job.sent_at) - timedelta(minutes=3))}))


def courier_dispatch(scene: Scene) -> None:
    """The guest's paid delivery order (静安店 books Dada at payment); and one more whose message comes for
    the last time while Dada answers 503 (the store is flagged and alerted). That sample's file name sorts
    first, so the one injected failure is its call."""
    scene.use_paid_order(mode="delivery", address=DELIVERY_ADDRESS, table_no=None)
    scene.world.replacements[LAST_RECEIVE_ORDER] = scene.pay(scene.place(mode="delivery", address=DELIVERY_ADDRESS,
                                                                         table_no=None))
    scene.simulators.world.simulators["dada"].add_faults({"fail_calls": 1})


def coupon_rules(scene: Scene) -> None:
    """The demo offers' automatic coupons, and a guest whose birthday is today (told through orders)."""
    from diancan.domain.clock import business_day, utcnow

    _load("demo_offers")
    event = scene.world.event("orders/post_birthday")
    event["body"] = json.dumps({"birthday": business_day(utcnow()).replace(year=1990).isoformat()})
    answer = scene.invoke("orders", event)
    assert answer["statusCode"] == 200, answer


SETUPS: dict[str, Callable[[Scene], None]] = {
    "coupon_rules": coupon_rules,
    "orders": orders,
    "print_check": print_check,
    "courier_dispatch": courier_dispatch,
    "pay_notify": pay_notify,
    "order_sweeper": order_sweeper,
    "print_dispatch": print_dispatch,
    "stock_decrement": stock_decrement,
    "loyalty": loyalty,
    "guest_notify": guest_notify,
    "menu_daily": menu_daily,
    "member_profile": member_profile,
    "segment_daily": segment_daily,
}


def push(scene: Scene) -> None:
    """The guest is connected to the WebSocket API and subscribed to their order (through push_socket), so the
    order's events are pushed to that connection."""
    for sample in ("push_socket/1_connect", "push_socket/2_subscribe"):
        answer = scene.invoke("push_socket", scene.world.event(sample))
        assert answer["statusCode"] == 200, answer
        assert "error" not in answer.get("body", ""), answer


SETUPS["push"] = push
