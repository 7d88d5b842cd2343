"""WeChat Pay end to end through the handlers: prepay, notify, replays, forgeries, compensation,
expiry, lost notifications and refunds — against the WeChat Pay simulator over loopback HTTP."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from tests.conftest import FakeContext, handler_of, http_call, load_event, wait_for
from tests.wxpay_fixtures import APPID, MCHID, other_wxpay_keys, signed_notification

pytestmark = pytest.mark.handlers

CART = {"store_id": "sh-jingan", "mode": "takeout",
        "items": [{"dish_id": "d-hongshao", "qty": 2}, {"dish_id": "d-cola", "qty": 1}]}


def place(token: str, key: str = "pay-key-0001", body: dict | None = None) -> dict:
    status, order = http_call("place_order", "place_order/post_orders", body=body or CART,
                              headers={"authorization": f"Bearer {token}", "idempotency-key": key})
    assert status == 201, order
    return order


def order_state(order_id: str):
    from diancan import bootstrap

    return bootstrap.repository().get_order(order_id, consistent=True)


def simulated(live, order_id: str) -> dict:
    return next(t for t in live.wxpay.state()["transactions"] if t["out_trade_no"] == order_id)


def prepay_of(live, order_id: str) -> str:
    return simulated(live, order_id)["prepay_id"]


def queued(resources, queue: str) -> list[dict]:
    import boto3

    sqs = boto3.client("sqs")
    messages = []
    while True:
        batch = sqs.receive_message(QueueUrl=resources.queue_urls[queue], MaxNumberOfMessages=10,
                                    WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return messages
        messages += [json.loads(m["Body"]) for m in batch]


def notify(headers: dict, body: str) -> tuple[int, dict]:
    event = load_event("pay_notify/notify")
    event["headers"] = {k.lower(): v for k, v in headers.items()} | {"content-type": "application/json"}
    event["body"] = body
    answer = handler_of("pay_notify")(event, FakeContext())
    return answer["statusCode"], json.loads(answer["body"]) if answer.get("body") else {}


def resource_for(order: dict, **overrides) -> dict:
    return {"appid": APPID, "mchid": MCHID, "out_trade_no": order["order_id"],
            "transaction_id": "4200000000000000000000000001", "trade_type": "JSAPI", "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功", "bank_type": "OTHERS", "success_time": "2026-11-24T12:30:05+08:00",
            "payer": {"openid": "openid-alice"},
            "amount": {"total": order["total_fen"], "payer_total": order["total_fen"], "currency": "CNY",
                       "payer_currency": "CNY"}, **overrides}


def test_placing_returns_request_payment_parameters(live, guest_token):
    order = place(guest_token())
    params = order["pay_params"]
    assert params["signType"] == "RSA"
    assert params["package"] == f"prepay_id={prepay_of(live, order['order_id'])}"
    assert {"timeStamp", "nonceStr", "paySign"} <= params.keys()
    assert simulated(live, order["order_id"])["amount"]["total"] == order["total_fen"]


def test_paying_through_the_simulator_marks_the_order_paid_once(live, guest_token):
    order = place(guest_token())
    live.wxpay.pay(prepay_of(live, order["order_id"]))
    paid = wait_for(lambda: (o := order_state(order["order_id"])).status == "PAID" and o)
    assert paid.pickup_no == 1
    assert paid.paid_fen == order["total_fen"]
    from diancan import bootstrap

    vouchers = bootstrap.payment_table().order_vouchers(order["order_id"])
    assert [v.amount_fen for v in vouchers] == [order["total_fen"]]
    assert [h.status for h in paid.history].count("PAID") == 1
    # published after the order's write: wait for it (at least once: a slow answer may make WeChat Pay resend)
    events = wait_for(lambda: queued(live.resources, "PrintQueue"))
    assert {e["detail-type"] for e in events} == {"OrderPaid"}
    assert {e["detail"]["pickup_no"] for e in events} == {1}


def test_twenty_duplicate_notifications_give_one_transition_one_voucher_one_event(demo_chain, guest_token, live):
    order = place(guest_token())
    headers, body = signed_notification(resource_for(order))
    answers = [notify(headers, body)[0] for _ in range(20)]
    assert answers == [204] * 20
    state = order_state(order["order_id"])
    assert [h.status for h in state.history].count("PAID") == 1
    from diancan import bootstrap

    assert len(bootstrap.payment_table().order_vouchers(order["order_id"])) == 1
    assert len(queued(demo_chain, "StockQueue")) == 1


@pytest.mark.parametrize("forgery", ["tampered_body", "wrong_key", "wrong_serial", "stale", "probe",
                                     "wrong_amount", "wrong_appid", "wrong_apiv3_key"])
def test_forged_or_wrong_notifications_change_nothing(live, guest_token, forgery):
    order = place(guest_token())
    resource = resource_for(order)
    options: dict = {}
    if forgery == "wrong_amount":
        resource["amount"]["total"] = 1
    if forgery == "wrong_appid":
        resource["appid"] = "wx0000000000000000"
    if forgery == "wrong_key":
        options["keys"] = other_wxpay_keys()
    if forgery == "wrong_serial":
        options["serial"] = "PUB_KEY_ID_0000000000000000000000000000000000"
    if forgery == "stale":
        options["timestamp"] = int(time.time()) - 301
    if forgery == "wrong_apiv3_key":
        options["apiv3_key"] = other_wxpay_keys().apiv3_key
    headers, body = signed_notification(resource, **options)
    if forgery == "tampered_body":
        body = body.replace('"summary":"支付成功"', '"summary":"支付成功 "')
    if forgery == "probe":
        headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    status, answer = notify(headers, body)
    assert 400 <= status < 500
    assert answer["code"] == "FAIL"
    assert order_state(order["order_id"]).status == "PENDING_PAYMENT"
    assert queued(live.resources, "StockQueue") == []


def test_a_nonce_reused_on_another_body_is_refused(live, guest_token):
    first = place(guest_token(), key="nonce-key-1")
    second = place(guest_token(), key="nonce-key-2")
    assert notify(*signed_notification(resource_for(first)))[0] == 204
    status, answer = notify(*signed_notification(resource_for(second, transaction_id="4200000000000000000000000002")))
    assert (status, answer["message"]) == (401, "NONCE_REUSED")
    assert order_state(second["order_id"]).status == "PENDING_PAYMENT"


def test_payment_for_a_cancelled_order_is_refunded_automatically(live, guest_token):
    token = guest_token()
    order = place(token)
    status, _ = http_call("orders", "orders/post_cancel", path=f"/orders/{order['order_id']}/cancel",
                          headers={"authorization": f"Bearer {token}"})
    assert status == 200
    assert notify(*signed_notification(resource_for(order)))[0] == 204
    state = order_state(order["order_id"])
    assert state.status == "CANCELLED"
    assert "LATE_PAYMENT" in state.flags
    from diancan import bootstrap

    [refund] = bootstrap.payment_table().refunds(order["order_id"])
    assert (refund.amount_fen, refund.reason) == (order["total_fen"], "paid_after_cancel")


def test_the_sweeper_closes_expired_orders_and_returns_their_portions(live, guest_token):
    from diancan import bootstrap

    order = place(guest_token())
    assert bootstrap.repository().get_dish("sh-jingan", "d-hongshao").portions_left == 18
    later = order_state(order["order_id"])
    counts = bootstrap.payments().sweep(now=_after(later.pay_expires_at, minutes=2))
    assert counts == {"expired": 1}
    assert order_state(order["order_id"]).status == "CANCELLED"
    assert simulated(live, order["order_id"])["trade_state"] == "CLOSED"
    assert bootstrap.repository().get_dish("sh-jingan", "d-hongshao").portions_left == 20


def test_the_sweeper_recovers_a_payment_whose_notification_was_dropped(live, guest_token):
    from diancan import bootstrap

    order = place(guest_token())
    live.wxpay.set_faults({"drop": True})
    live.wxpay.pay(prepay_of(live, order["order_id"]))
    wait_for(lambda: [d for d in live.wxpay.outbox.deliveries() if d["status"] == "dropped"])  # not just "a while"
    assert order_state(order["order_id"]).status == "PENDING_PAYMENT"
    counts = bootstrap.payments().sweep(now=_after(order_state(order["order_id"]).pay_expires_at, minutes=2))
    assert counts == {"paid": 1}
    assert order_state(order["order_id"]).status == "PAID"


def test_the_guest_can_sync_a_payment_without_waiting_for_the_notification(live, guest_token):
    token = guest_token()
    order = place(token)
    live.wxpay.set_faults({"drop": True})
    live.wxpay.pay(prepay_of(live, order["order_id"]))
    status, synced = http_call("orders", "orders/post_cancel", path=f"/orders/{order['order_id']}/sync-payment",
                               headers={"authorization": f"Bearer {token}"})
    assert (status, synced["status"]) == (200, "PAID")


def test_a_guest_can_ask_again_for_payment_parameters_of_their_own_unpaid_order(live, guest_token):
    order = place(guest_token("alice"))
    path = f"/orders/{order['order_id']}/pay"
    status, again = http_call("orders", "orders/post_cancel", path=path,
                              headers={"authorization": f"Bearer {guest_token('alice')}"})
    assert status == 200 and again["pay_params"]["package"] == order["pay_params"]["package"]
    status, error = http_call("orders", "orders/post_cancel", path=path,
                              headers={"authorization": f"Bearer {guest_token('bob')}"})
    assert (status, error["code"]) == (404, "ORDER_NOT_FOUND")


def test_prepay_failure_leaves_no_payable_order(live, guest_token):
    live.wxpay.set_faults({"fail_calls": {"jsapi": "503"}})
    status, error = http_call("place_order", "place_order/post_orders", body=CART,
                              headers={"authorization": f"Bearer {guest_token()}", "idempotency-key": "prepay-fail-1"})
    assert (status, error["code"]) == (503, "PAYMENT_UNAVAILABLE")
    from diancan import bootstrap

    assert bootstrap.repository().get_dish("sh-jingan", "d-hongshao").portions_left == 20
    assert bootstrap.repository().list_user_orders("openid-alice", start_key=None, limit=10)[0] == []


def paid_order(live, token: str, key: str = "refund-key-1") -> dict:
    order = place(token, key=key)
    live.wxpay.pay(prepay_of(live, order["order_id"]))
    wait_for(lambda: order_state(order["order_id"]).status == "PAID")
    return order


def test_partial_refunds_add_up_and_never_exceed_the_paid_amount(live, guest_token):
    from diancan import bootstrap
    from diancan.domain.payments import RefundTooLarge

    order = paid_order(live, guest_token())
    payments = bootstrap.payments()
    total = order["total_fen"]
    payments.refund(order["order_id"], 1000, reason="missing dish", by="staff:mgr")
    payments.refund(order["order_id"], 500, reason="late", by="staff:mgr")
    with pytest.raises(RefundTooLarge):
        payments.refund(order["order_id"], total - 1499, reason="too much", by="staff:mgr")
    wait_for(lambda: order_state(order["order_id"]).refunded_fen == 1500)
    payments.refund(order["order_id"], None, reason="rest", by="staff:mgr")
    final = wait_for(lambda: (o := order_state(order["order_id"])).status == "REFUNDED" and o)
    assert final.refunded_fen == total
    refunds = bootstrap.payment_table().refunds(order["order_id"])
    assert sorted(r.amount_fen for r in refunds) == sorted([1000, 500, total - 1500])
    assert all(r.status == "SUCCESS" for r in refunds)
    refunded: list[int] = []

    def all_refund_events_out() -> bool:  # the last event is published just after the status changes
        refunded.extend(e["detail"]["amount_fen"] for e in queued(live.resources, "StockQueue")
                        if e["detail-type"] == "OrderRefunded")
        return sum(refunded) >= total

    wait_for(all_refund_events_out)
    assert sum(refunded) == total


def test_the_voucher_chain_of_a_store_verifies_and_shows_tampering(live, guest_token):
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import VoucherRecord
    from diancan.domain.payments import first_broken_link

    first = paid_order(live, guest_token("alice"), key="chain-key-1")
    paid_order(live, guest_token("bob"), key="chain-key-2")
    chain = list(bootstrap.payment_table().vouchers("sh-jingan"))
    assert [v.seq for v in chain] == [1, 2]
    assert first_broken_link(chain) is None
    record = VoucherRecord.get(keys.order(first["order_id"]), keys.voucher(chain[0].reference))
    record.doc = {**record.doc, "amount_fen": 1}
    record.save()
    assert first_broken_link(list(bootstrap.payment_table().vouchers("sh-jingan"))) == 1


def _after(iso_text: str, minutes: int):
    from diancan.domain.clock import parse_iso

    return parse_iso(iso_text) + timedelta(minutes=minutes)


def test_the_verify_chain_command_reports_an_intact_chain_and_exits_non_zero_on_tampering(live, guest_token, capsys):
    from diancan.adapters import keys
    from diancan.adapters.records import VoucherRecord
    from tools.ops import main

    order = paid_order(live, guest_token("alice"), key="ops-chain-key-1")
    assert main(["--stack", "diancan-test", "verify-chain", "sh-jingan"]) == 0
    assert '"intact": true' in capsys.readouterr().out
    [record] = list(VoucherRecord.query(keys.order(order["order_id"])))
    record.doc = {**record.doc, "payer": "someone-else"}
    record.save()
    assert main(["--stack", "diancan-test", "verify-chain", "sh-jingan"]) == 1
    assert '"first_broken_seq": 1' in capsys.readouterr().out


def test_a_full_refund_before_cooking_gives_the_portions_back(live, guest_token):
    from diancan import bootstrap

    order = paid_order(live, guest_token(), key="portions-back-key-1")
    repository = bootstrap.repository()
    assert repository.get_dish("sh-jingan", "d-hongshao").portions_left == 18
    bootstrap.payments().refund(order["order_id"], None, reason="store_rejected", by="staff:mgr", food_made=False)
    wait_for(lambda: order_state(order["order_id"]).status == "REFUNDED")
    wait_for(lambda: repository.get_dish("sh-jingan", "d-hongshao").portions_left == 20)


def test_a_refund_after_cooking_keeps_the_portions_sold(live, guest_token):
    from diancan import bootstrap

    order = paid_order(live, guest_token(), key="portions-kept-key-1")
    bootstrap.payments().refund(order["order_id"], None, reason="cold food", by="staff:mgr", food_made=True)
    wait_for(lambda: order_state(order["order_id"]).status == "REFUNDED")
    assert bootstrap.repository().get_dish("sh-jingan", "d-hongshao").portions_left == 18
