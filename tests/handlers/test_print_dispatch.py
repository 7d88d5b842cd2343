"""print_dispatch and print_check through their handlers: moto table, SQS-shaped events from events/,
the Feieyun simulator over loopback HTTP. The simulator's clock is moved by the tests (no sleeping)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import FakeContext, handler_of, load_event

pytestmark = pytest.mark.handlers

STORE = "sh-jingan"
HOT, COLD, BAR, COUNTER = "910000001", "910000002", "910000003", "910000009"
CART = [("d-gongbao", 2, ["spicy-mild"]), ("d-pai-huanggua", 1, []), ("d-milktea", 1, ["size-medium", "sugar-half"]),
        ("d-gongbao", 1, ["spicy-mild"])]


def paid_order(items=CART, *, mode: str = "takeout", pickup_no: int = 17, table_no: str | None = None,
               pay: bool = True, pickup_at: str | None = None) -> str:
    """An order created through the Repository and moved to PAID with its pickup number (``pay=False``:
    left unpaid; ``pickup_at``: a pre-order, as released to the kitchen)."""
    from diancan import bootstrap
    from diancan.adapters.records import OrderRecord
    from diancan.domain.cart import CartItem, build_lines
    from diancan.domain.clock import business_day, iso, utcnow
    from diancan.domain.order import Order
    from diancan.domain.order_status import OrderAction

    repository = bootstrap.repository()
    cart = [CartItem(dish_id=d, qty=q, options=o) for d, q, o in items]
    _, dishes, _ = repository.load_for_order(STORE, [c.dish_id for c in cart], None)
    lines = build_lines(dishes, cart)
    now = utcnow()
    order_id = f"T{time.monotonic_ns()}"
    total = sum(line.line_total_fen for line in lines)
    order = Order(order_id=order_id, store_id=STORE, openid="openid-alice", mode=mode, table_no=table_no,
                  pickup_at=pickup_at,
                  lines=lines, items_fen=total, total_fen=total, created_at=iso(now),
                  business_day=business_day(now).isoformat(), pay_expires_at=iso(now + timedelta(minutes=15)))
    repository.create_order(order, encrypted_address=None, idempotency_key=f"k-{order_id}", request_hash="h",
                            prices={line.dish_id: line.base_price_fen for line in lines},
                            expires_at_epoch=int(now.timestamp()))
    if not pay:
        return order_id
    repository.transition(order_id, mode, OrderAction.PAY, at=iso(now),
                          extra=[OrderRecord.pickup_no.set(pickup_no), OrderRecord.paid_at.set(iso(now))])
    return order_id


def sqs_event(order_id: str, detail_type: str = "OrderPaid", receive_count: int = 1, **detail) -> dict:
    sample = "print_dispatch/sqs_print_requested" if detail_type == "PrintRequested" else "print_dispatch/sqs_order_paid"
    event = load_event(sample)
    record = event["Records"][0]
    body = json.loads(record["body"])
    body["detail-type"] = detail_type
    body["detail"] = {**body["detail"], "order_id": order_id, "store_id": STORE, **detail}
    record["body"] = json.dumps(body, ensure_ascii=False)
    record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return event


def dispatch(event: dict) -> list:
    return handler_of("print_dispatch")(event, FakeContext())["batchItemFailures"]


def jobs_on(sim, sn: str) -> list[dict]:
    return next(p for p in sim.state()["printers"] if p["sn"] == sn)["jobs"]


def order_of(order_id: str):
    from diancan import bootstrap

    return bootstrap.repository().get_order(order_id, consistent=True)


def test_a_paid_order_prints_one_ticket_per_station_and_a_receipt_at_the_counter(kitchen):
    order_id = paid_order()
    assert dispatch(sqs_event(order_id)) == []
    hot, cold, bar, counter = (jobs_on(kitchen, sn) for sn in (HOT, COLD, BAR, COUNTER))
    assert [len(hot), len(cold), len(bar), len(counter)] == [1, 1, 1, 1]
    assert "宫保鸡丁" in hot[0]["content"] and "x3" in hot[0]["content"]  # identical lines combined
    assert "拍黄瓜" not in hot[0]["content"] and "拍黄瓜" in cold[0]["content"]
    assert "招牌奶茶" in bar[0]["content"] and "取餐号 17" in counter[0]["content"]
    assert "实付" in counter[0]["content"] and "<QR>" in counter[0]["content"]
    assert order_of(order_id).status == "PREPARING"


def pushed(resources) -> list[dict]:
    """The bus messages the push consumer's queue received (what PushRule routes)."""
    import boto3

    sqs, messages = boto3.client("sqs"), []
    while batch := sqs.receive_message(QueueUrl=resources.queue_urls["PushQueue"], MaxNumberOfMessages=10,
                                       WaitTimeSeconds=0).get("Messages", []):
        messages += [json.loads(m["Body"]) for m in batch]
    return messages


def test_tickets_out_announce_preparing_to_the_push_consumer_once_even_when_the_event_is_replayed(kitchen, aws):
    order_id = paid_order()
    event = sqs_event(order_id)
    pushed(aws)  # drain what earlier steps queued
    assert dispatch(event) == [] and dispatch(event) == []
    preparing = [m for m in pushed(aws) if m["detail-type"] == "OrderPreparing"]
    assert [(m["detail"]["order_id"], m["detail"]["by"]) for m in preparing] == [(order_id, "system:print")]
    assert order_of(order_id).status == "PREPARING" and "OrderPreparing" in order_of(order_id).published


def test_a_store_that_prints_on_accept_publishes_no_preparing_of_its_own(kitchen, aws):
    from diancan import bootstrap

    store = bootstrap.print_jobs().print_setup(STORE).store
    bootstrap.repository().put_store(store.model_copy(update={"settings": {"print_when": "accept"}}))
    from diancan.domain.order_status import OrderAction

    order_id = paid_order()  # staff accept it in the console: that move is announced by its OrderAccepted
    bootstrap.repository().transition(order_id, "takeout", OrderAction.START, at="2026-11-24T04:30:00Z",
                                      by="staff:mgr-jingan")
    pushed(aws)
    assert dispatch(sqs_event(order_id, "OrderAccepted", by="staff:mgr-jingan")) == []
    assert [m for m in pushed(aws) if m["detail-type"] == "OrderPreparing"] == []


def test_a_replayed_event_prints_nothing_more(kitchen):
    order_id = paid_order()
    event = sqs_event(order_id)
    dispatch(event)
    dispatch(event)
    assert sum(len(p["jobs"]) for p in kitchen.state()["printers"]) == 4


def test_a_store_that_prints_on_accept_ignores_payment_and_prints_on_accept(kitchen):
    from diancan import bootstrap

    store = bootstrap.print_jobs().print_setup(STORE).store
    bootstrap.repository().put_store(store.model_copy(update={"settings": {"print_when": "accept"}}))
    order_id = paid_order()
    dispatch(sqs_event(order_id))
    assert sum(len(p["jobs"]) for p in kitchen.state()["printers"]) == 0
    dispatch(sqs_event(order_id, "OrderAccepted", by="staff:mgr-jingan"))  # an OrderAccepted names who accepted
    assert sum(len(p["jobs"]) for p in kitchen.state()["printers"]) == 4


def test_a_printer_failing_three_times_then_recovering_prints_exactly_once(kitchen):
    order_id = paid_order([("d-milktea", 1, ["size-medium", "sugar-half"])])
    kitchen.control(BAR, fail_next=3)
    failures = [dispatch(sqs_event(order_id, receive_count=n)) for n in range(1, 5)]
    assert [bool(f) for f in failures] == [True, True, True, False]
    assert len(jobs_on(kitchen, BAR)) == 1
    assert "补打" in jobs_on(kitchen, BAR)[0]["content"]  # the earlier send's outcome was unknown
    assert order_of(order_id).status == "PREPARING"


def test_an_offline_primary_sends_the_ticket_to_the_fallback(kitchen):
    kitchen.control(HOT, state="offline")
    order_id = paid_order([("d-gongbao", 1, ["spicy-mild"])])
    assert dispatch(sqs_event(order_id)) == []
    assert jobs_on(kitchen, HOT) == []
    assert "宫保鸡丁" in jobs_on(kitchen, COLD)[0]["content"]


def test_a_refusing_primary_goes_to_the_fallback_at_once(kitchen):
    kitchen.control(HOT, state="failing")
    order_id = paid_order([("d-gongbao", 1, ["spicy-mild"])])
    assert dispatch(sqs_event(order_id)) == []
    assert len(jobs_on(kitchen, COLD)) == 1 and order_of(order_id).flags == []


def test_a_permanent_failure_flags_the_order_on_the_last_receive_and_goes_to_the_dlq(kitchen):
    from diancan import bootstrap

    order_id = paid_order([("d-milktea", 1, ["size-medium", "sugar-half"])])
    kitchen.control(BAR, fail_next=100)
    assert dispatch(sqs_event(order_id, receive_count=4))  # retried, not yet flagged
    assert order_of(order_id).flags == []
    assert dispatch(sqs_event(order_id, receive_count=5))  # failed again: SQS moves it to the DLQ
    assert order_of(order_id).flags == ["NOT_PRINTED"]
    failed = bootstrap.print_jobs().failed(STORE)
    assert [job.order_id for job in failed] == [order_id]
    assert jobs_on(kitchen, BAR) == []


def test_a_refused_ticket_without_fallback_is_flagged_and_acknowledged_then_reprinted(kitchen):
    from diancan import bootstrap

    kitchen.control(BAR, state="failing")
    order_id = paid_order([("d-milktea", 1, ["size-medium", "sugar-half"])])
    assert dispatch(sqs_event(order_id)) == []
    assert order_of(order_id).flags == ["NOT_PRINTED"] and order_of(order_id).status == "PAID"
    kitchen.control(BAR, state="online")
    job = bootstrap.print_jobs().failed(STORE)[0]
    reprinted = bootstrap.printing().reprint(order_id, job.ticket_id, by="staff:mgr")
    assert reprinted.status == "sent" and reprinted.reprints == 1
    assert "重打" in jobs_on(kitchen, BAR)[0]["content"]
    assert order_of(order_id).flags == []


def test_an_addon_round_prints_only_its_new_lines_marked_as_an_addon(kitchen):
    order_id = paid_order([("d-gongbao", 1, ["spicy-mild"]), ("d-qingcai", 1, []), ("d-cola", 1, [])],
                          mode="dine_in", table_no="A3")
    dispatch(sqs_event(order_id))
    dispatch(sqs_event(order_id, "PrintRequested", round_no=2, line_indexes=[1]))
    hot = jobs_on(kitchen, HOT)
    assert len(hot) == 2 and "加菜 第2轮" in hot[1]["content"] and "桌号 A3" in hot[1]["content"]
    assert "清炒时蔬" in hot[1]["content"] and "宫保鸡丁" not in hot[1]["content"]
    assert len(jobs_on(kitchen, BAR)) == 1 and len(jobs_on(kitchen, COUNTER)) == 1  # no receipt for a round


def test_print_check_marks_printed_jobs_and_resends_late_ones_to_the_fallback(kitchen, sim_clock):
    from diancan import bootstrap
    from diancan.domain.printing import PrintStatus

    kitchen.print_delay_seconds = 1.0
    order_id = paid_order([("d-gongbao", 1, ["spicy-mild"]), ("d-cola", 1, [])])
    dispatch(sqs_event(order_id))
    kitchen.control(HOT, state="offline")  # went offline after accepting the ticket
    sim_clock.now += 5
    tally = handler_of("print_check")(load_event("print_check/schedule"), FakeContext())
    assert tally["printed"] == 2 and tally["waiting"] == 1  # bar + receipt printed; wok not yet late
    service = bootstrap.printing()
    service._clock = lambda: datetime.now(UTC) + timedelta(minutes=3)
    assert service.check_sent()["resent"] == 1
    assert "补打" in jobs_on(kitchen, COLD)[0]["content"]
    statuses = {job.ticket.station.station_id: job.status for job in bootstrap.print_jobs().of_order(order_id)}
    assert statuses == {"wok": PrintStatus.SENT, "bar": PrintStatus.PRINTED, "counter": PrintStatus.PRINTED}


def test_a_pay_after_table_prints_each_round_before_payment_and_only_the_receipt_at_payment(kitchen):
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import OrderRecord
    from diancan.domain.clock import iso, utcnow
    from diancan.domain.order_status import OrderAction
    from diancan.domain.tables import TAB_FLAG

    order_id = paid_order(mode="dine_in", table_no="A1", pay=False)
    OrderRecord(keys.order(order_id), keys.ORDER).update(actions=[OrderRecord.flags.add({TAB_FLAG})])
    assert dispatch(sqs_event(order_id, "PrintRequested", round_no=1, line_indexes=[0, 1])) == []
    assert [len(jobs_on(kitchen, sn)) for sn in (HOT, COLD, COUNTER)] == [1, 1, 0]
    assert "加菜" not in jobs_on(kitchen, HOT)[0]["content"]
    assert dispatch(sqs_event(order_id, "PrintRequested", round_no=2, line_indexes=[2])) == []
    assert "加菜" in jobs_on(kitchen, BAR)[0]["content"] and "招牌奶茶" in jobs_on(kitchen, BAR)[0]["content"]
    assert order_of(order_id).status == "PENDING_PAYMENT"

    bootstrap.repository().transition(order_id, "dine_in", OrderAction.PAY, at=iso(utcnow()),
                                      extra=[OrderRecord.pickup_no.set(3), OrderRecord.paid_at.set(iso(utcnow()))])
    assert dispatch(sqs_event(order_id)) == []
    assert [len(jobs_on(kitchen, sn)) for sn in (HOT, COLD, BAR, COUNTER)] == [1, 1, 1, 1]
    assert "实付" in jobs_on(kitchen, COUNTER)[0]["content"]
