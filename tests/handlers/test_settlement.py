"""Daily settlement (日结) against the WeChat Pay simulator: a day of WeChat Pay, cash and card orders with a
partial WeChat refund and a counter refund balances to the fen; WeChat Pay is reconciled only once its bill
exists (retried until then, alarmed past the deadline); closing a day anchors its checkpoint in the Object Lock
bucket, and verify-chain finds a tampered voucher or a re-sealed chain against that anchor."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest

from tests.conftest import FakeContext, handler_of, wait_for
from tests.handlers.test_payments import order_state, paid_order

pytestmark = pytest.mark.handlers

STORE = "sh-jingan"
HONGSHAO = {"dish_id": "d-hongshao", "qty": 1}
COLA = {"dish_id": "d-cola", "qty": 2}
STATEMENT_CREATING = {"tradebill": {"mode": "error", "status": 400, "code": "STATEMENT_CREATING", "count": 2}}


@pytest.fixture
def day_of_money(live, guest_token):
    """Today at sh-jingan: a WeChat Pay order refunded in part (through WeChat Pay), a cash tab refunded in part
    at the counter, a card tab. Returns the three orders as stored."""
    from diancan import bootstrap
    from diancan.domain.cart import CartItem
    from diancan.domain.tables import CounterMethod

    repository = bootstrap.repository()
    store = repository.load_menu(STORE).store
    repository.put_store(store.model_copy(update={"settings": {**store.settings, "table_payment": "pay_after"}}))
    payments, tables = bootstrap.payments(), bootstrap.tables()

    wechat = paid_order(live, guest_token("alice"), key="settle-wx-1")["order_id"]
    payments.refund(wechat, 500, reason="少了一份米饭", by="staff:mgr")
    wait_for(lambda: order_state(wechat).refunded_fen == 500, "the WeChat Pay refund's voucher")

    paid = {}
    for table_no, method, items in (("A1", CounterMethod.CASH, [HONGSHAO, COLA]), ("A2", CounterMethod.CARD, [HONGSHAO])):
        session = tables.staff_open(STORE, table_no, "cashier")["session_id"]
        tables.staff_round(session, [CartItem(**item) for item in items], "cashier")
        paid[method.value] = tables.pay_at_counter(session, method, "cashier")["order_id"]
    refund = payments.refund(paid["cash"], 300, reason="可乐洒了", by="staff:cashier")
    assert refund.status == "SUCCESS"  # at the counter: no WeChat Pay call, settled at once
    return {"wechatpay": order_state(wechat), "cash": order_state(paid["cash"]), "card": order_state(paid["card"])}


def _today():
    from diancan.domain.clock import business_day, utcnow

    return business_day(utcnow())


def _s3_json(bucket: str, key: str) -> dict:
    from diancan import bootstrap
    from diancan.adapters.aws import client

    return json.loads(client("s3", bootstrap.settings().region).get_object(Bucket=bucket, Key=key)["Body"].read())


def test_a_day_of_wechat_pay_cash_and_card_with_two_refunds_balances_to_the_fen(day_of_money, live):
    from diancan import bootstrap
    from diancan.adapters.chain_anchors import anchor_key

    day, service = _today(), bootstrap.settlement()
    chain = service.settle(day, now=service.bill_ready_at(day) + timedelta(minutes=5))

    store = service.view(STORE, day)
    assert store["status"] == "balanced", store["differences"]
    assert chain["status"] == "balanced" and chain["differences"] == []
    wx, cash, card = day_of_money["wechatpay"], day_of_money["cash"], day_of_money["card"]
    methods = store["by_method"]
    assert (methods["wechatpay"]["payment_fen"], methods["wechatpay"]["refund_fen"]) == (wx.total_fen, 500)
    assert (methods["cash"]["payment_fen"], methods["cash"]["refund_fen"]) == (cash.total_fen, 300)
    assert (methods["card"]["payment_fen"], methods["card"]["refund_fen"]) == (card.total_fen, 0)
    net = wx.total_fen + cash.total_fen + card.total_fen - 800
    assert store["net_fen"] == net == sum(m["net_fen"] for m in methods.values())
    assert store["by_channel"]["table"]["net_fen"] == cash.total_fen + card.total_fen - 300
    assert store["by_channel"]["miniprogram"]["net_fen"] == wx.total_fen - 500
    assert store["gross_fen"] - store["discount_fen"] - store["refund_fen"] == net
    reconciled = store["reconciliation"]
    assert reconciled["wechatpay"] == {**reconciled["wechatpay"], "against": "trade_bill", "status": "balanced"}
    assert {reconciled[m]["against"] for m in ("cash", "card")} == {"voucher_chain"}
    assert chain["bill"]["payments"] == 1 and chain["bill"]["refund_fen"] == 500  # WeChat Pay saw only its own
    assert store["platform_fees"]["wechatpay_fen"] == (wx.total_fen * 6 + 500) // 1000 - 3  # 0.6 %, half up
    bucket = bootstrap.settings().reports_bucket
    assert _s3_json(bucket, f"reports/{STORE}/day/{day}/settlement.json")["net_fen"] == net
    nightly = _s3_json(bootstrap.settings().anchor_bucket, anchor_key(STORE, day.isoformat(), "nightly"))
    assert (nightly["kind"], nightly["seq"], nightly["total_fen"]) == ("nightly", 5, net)  # every day anchored
    assert {"settlement.xlsx", "settlement_methods.csv", "settlement_differences.csv"} <= set(store["files"])


def test_a_day_with_an_issued_and_a_red_reversed_invoice_balances(day_of_money, live):
    """The WeChat Pay order is invoiced and reversed (冲红) the same day, the card order invoiced: the day counts
    the card's invoice only, the rest of the net as not invoiced, and still balances to the fen."""
    from diancan import bootstrap
    from diancan.adapters.aws import client
    from diancan.domain.invoices import InvoiceRequest

    invoices = bootstrap.invoices()
    request = InvoiceRequest(kind="company", title="上海点餐科技有限公司", tax_number="91310000MA1FL1234Q",
                             email="finance@example.com")
    wx, cash, card = day_of_money["wechatpay"], day_of_money["cash"], day_of_money["card"]
    for order in (wx, card):
        invoices.request(order.openid, order.order_id, request)
    invoices.issue(STORE, wx.order_id, "24312000000000000001", "mgr-jingan")
    invoices.issue(STORE, card.order_id, "24312000000000000002", "mgr-jingan")
    red = invoices.reverse(STORE, wx.order_id, "24312000000000000009", "mgr-jingan")
    assert red["status"] == "reversed" and red["red_invoice_no"] == "24312000000000000009"
    assert invoices.reverse(STORE, wx.order_id, "24312000000000000009", "mgr-jingan") == red  # a replay
    day, service = _today(), bootstrap.settlement()

    chain = service.settle(day, now=service.bill_ready_at(day) + timedelta(minutes=5))

    store = service.view(STORE, day)
    assert store["status"] == chain["status"] == "balanced", store["differences"]
    net = wx.total_fen + cash.total_fen + card.total_fen - 800
    wx_invoiced = wx.total_fen - 500  # paid less refunded when asked
    assert store["invoiced_fen"] == card.total_fen == invoices.invoiced_fen(STORE, day.isoformat())
    assert store["not_invoiced_fen"] == net - card.total_fen
    assert store["invoiced_fen"] + store["not_invoiced_fen"] == store["net_fen"] == net
    assert {k: store["invoices"][k] for k in ("issued", "issued_fen", "reversed", "reversed_fen")} == {
        "issued": 2, "issued_fen": wx_invoiced + card.total_fen, "reversed": 1, "reversed_fen": wx_invoiced}
    lines = sorted((line["order_id"], line["colour"], line["amount_fen"]) for line in store["invoices"]["lines"])
    assert lines == sorted([(wx.order_id, "blue", wx_invoiced), (wx.order_id, "red", -wx_invoiced),
                            (card.order_id, "blue", card.total_fen)])
    assert sum(line["amount_fen"] for line in store["invoices"]["lines"]) == store["invoiced_fen"]
    assert (chain["invoiced_fen"], chain["not_invoiced_fen"]) == (store["invoiced_fen"], store["not_invoiced_fen"])
    bucket = bootstrap.settings().reports_bucket
    written = client("s3", bootstrap.settings().region).get_object(Bucket=bucket, Key=store["files"][
        "settlement_invoices.csv"])["Body"].read().decode("utf-8-sig")
    assert "24312000000000000009" in written and str(-wx_invoiced) in written
    summary = _s3_json(bucket, f"reports/{STORE}/day/{day}/settlement.json")
    assert (summary["invoiced_fen"], summary["not_invoiced_fen"]) == (card.total_fen, net - card.total_fen)


def test_a_difference_is_listed_with_its_order(day_of_money, live):
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import OrderRecord

    card = day_of_money["card"]
    record = OrderRecord.get(keys.order(card.order_id), keys.ORDER)
    record.doc = {**record.doc, "total_fen": card.total_fen + 1}  # the order now says more than the card took
    record.save()
    day, service = _today(), bootstrap.settlement()

    service.settle(day, now=service.bill_ready_at(day) + timedelta(minutes=5))

    store = service.view(STORE, day)
    assert store["status"] == "unbalanced"
    assert [(d["problem"], d["order_id"], d["method"]) for d in store["reconciliation"]["card"]["differences"]] == [
        ("amount_differs_from_order", card.order_id, "card")]
    assert store["reconciliation"]["cash"]["status"] == store["reconciliation"]["wechatpay"]["status"] == "balanced"


def test_wechat_pay_waits_for_its_bill_retries_hourly_and_alarms_past_the_deadline(day_of_money, live):
    from diancan import bootstrap

    day, service = _today(), bootstrap.settlement()
    ready = service.bill_ready_at(day)
    night = service.settle(day, now=ready - timedelta(hours=7, minutes=30))  # 02:30: the bill cannot exist yet
    assert night["status"] == "pending_bill" and night["bill"]["code"] == "BILL_NOT_READY"
    assert service.view(STORE, day)["reconciliation"]["cash"]["status"] == "balanced"
    live.wxpay.set_faults({"fail_calls": STATEMENT_CREATING})

    first = service.collect_bills(now=ready + timedelta(minutes=5))
    second = service.collect_bills(now=service.bill_deadline(day) + timedelta(minutes=5))
    third = service.collect_bills(now=service.bill_deadline(day) + timedelta(hours=1, minutes=5))

    assert first == {"reconciled": [], "waiting": [day.isoformat()], "missing": []}
    assert second == {"reconciled": [], "waiting": [day.isoformat()], "missing": [day.isoformat()]}
    assert third == {"reconciled": [day.isoformat()], "waiting": [], "missing": []}
    assert service.view("chain", day)["status"] == service.view(STORE, day)["status"] == "balanced"
    assert bootstrap.settlement().collect_bills() == {"reconciled": [], "waiting": [], "missing": []}


def test_the_nightly_run_waits_for_the_bill_and_the_hourly_schedule_retries_until_it_comes(live):
    """WeChat Pay answers STATEMENT_CREATING to the nightly run (reports and settlement) and to the first hourly
    try, which is past the deadline (TradeBillMissing); the next hourly try gets the bill, settles the day and
    builds its reports again, reconciled."""
    from diancan import bootstrap
    from diancan.domain.clock import zone
    from tests.conftest import load_event

    day = _today() - timedelta(days=2)  # its bill time and deadline are past
    nightly = load_event("report_build/schedule")
    nightly["time"] = (datetime.combine(day + timedelta(days=1), time(2, 30), tzinfo=zone())
                       .astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    live.wxpay.set_faults({"fail_calls": {"tradebill": {**STATEMENT_CREATING["tradebill"], "count": 3}}})
    schedule = handler_of("report_build")

    night = schedule(nightly, FakeContext())
    report = f"reports/chain/day/{day}/report.json"
    assert night["date"] == day.isoformat() and night["settlement"] == "pending_bill"
    assert _s3_json(bootstrap.settings().reports_bucket, report)["reconciliation"]["bill_available"] is False
    missing = schedule(load_event("report_build/wechatpay_bill"), FakeContext())
    arrived = schedule(load_event("report_build/wechatpay_bill"), FakeContext())

    assert missing == {"reconciled": [], "waiting": [day.isoformat()], "missing": [day.isoformat()]}
    assert arrived == {"reconciled": [day.isoformat()], "waiting": [], "missing": []}
    assert bootstrap.settlement().view("chain", day)["status"] == "balanced"
    assert _s3_json(bootstrap.settings().reports_bucket, report)["reconciliation"]["bill_available"] is True
    assert schedule(load_event("report_build/wechatpay_bill"), FakeContext())["reconciled"] == []  # asked no more


def test_money_after_a_day_is_closed_is_an_adjustment_on_the_next_day_and_both_days_balance(day_of_money, live,
                                                                                            guest_token):
    from diancan import bootstrap

    day, service = _today(), bootstrap.settlement()
    sealed = bootstrap.settlement_desk().close(STORE, day, "staff:mgr")
    late = paid_order(live, guest_token("bob"), key="settle-late-1")  # paid after the day was closed

    service.settle(day, now=service.bill_ready_at(day) + timedelta(minutes=5))  # the bill came: day settled again
    following = day + timedelta(days=1)
    service.settle(following, now=service.bill_ready_at(following) + timedelta(minutes=5))

    closed, after = service.view(STORE, day), service.view(STORE, following)
    assert closed["net_fen"] == sealed["net_fen"] and closed["seal"]["seq"] == sealed["seal"]["seq"]
    assert closed["status"] == "balanced", closed["differences"]  # the late payment is in the day's bill: matched
    assert after["net_fen"] == late["total_fen"] and after["status"] == "balanced", after["differences"]
    assert [(a["order_id"], a["belongs_to"]) for a in after["adjustments"]] == [(late["order_id"], day.isoformat())]


def test_closing_a_day_anchors_its_checkpoint_and_verify_chain_finds_a_resealed_chain(day_of_money, live, capsys):
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.chain_anchors import anchor_key
    from diancan.adapters.records import ChainHeadRecord, VoucherRecord
    from diancan.domain.errors import Conflict
    from diancan.domain.payments import first_broken_link
    from local.demo_history import Chain
    from tools.ops import main

    day = _today()
    closed = bootstrap.settlement_desk().close(STORE, day, "staff:mgr")
    assert closed["seal"]["seq"] == 5 and closed["seal"]["count"] == 5  # 3 payments, 2 refunds
    with pytest.raises(Conflict) as again:
        bootstrap.settlement_desk().close(STORE, day, "staff:mgr")
    assert again.value.code == "DAY_CLOSED"
    anchor = _s3_json(bootstrap.settings().anchor_bucket, anchor_key(STORE, day.isoformat()))
    assert (anchor["seq"], anchor["head"], anchor["total_fen"]) == (5, closed["seal"]["head"], closed["net_fen"])
    assert main(["--stack", "diancan-test", "verify-chain", STORE]) == 0
    assert '"anchored_intact": true' in capsys.readouterr().out

    # Whoever can write the table rewrites the card payment and re-seals every voucher after it and the head:
    vouchers = list(bootstrap.payment_table().vouchers(STORE))
    rebuilt, chain = [], Chain(STORE, 0, "0" * 64)
    for voucher in vouchers:
        fields = voucher.model_dump(exclude={"seq", "prev_hash", "hash", "store_id"})
        if voucher.method == "counter:card":
            fields["amount_fen"] -= 100
        rebuilt.append(chain.next(**fields))
    for voucher in rebuilt:
        record = VoucherRecord.get(keys.order(voucher.order_id), keys.voucher(voucher.reference))
        record.doc = voucher.model_dump(mode="json")
        record.save()
    head = ChainHeadRecord.get(keys.store(STORE), keys.CHAIN)
    head.chain_head = rebuilt[-1].hash
    head.save()
    assert first_broken_link(list(bootstrap.payment_table().vouchers(STORE))) is None  # the table alone looks fine

    assert main(["--stack", "diancan-test", "verify-chain", STORE]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(p["problem"], p["seq"]) for p in report["anchor_problems"]] == [("differs_from_anchor", 5)]
    assert report["intact"] is False


def test_an_anchor_cannot_be_deleted_and_a_second_version_is_reported(day_of_money, live, capsys):
    from botocore.exceptions import ClientError

    from diancan import bootstrap
    from diancan.adapters.aws import client
    from diancan.adapters.chain_anchors import ChainAnchors, anchor_key
    from tools.ops import main

    day = _today()
    bootstrap.settlement_desk().close(STORE, day, "staff:mgr")
    bucket, key = bootstrap.settings().anchor_bucket, anchor_key(STORE, day.isoformat())
    s3 = client("s3", bootstrap.settings().region)
    [version] = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    with pytest.raises(ClientError):  # compliance mode: no one deletes a version before its retention ends
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version["VersionId"])
    ChainAnchors(bucket, bootstrap.settings().region).put(STORE, day.isoformat(), {
        "seq": 5, "head": "f" * 64, "count": 5, "paid_fen": 1, "refunded_fen": 0, "total_fen": 1})

    assert main(["--stack", "diancan-test", "verify-chain", STORE]) == 1
    problems = {p["problem"] for p in json.loads(capsys.readouterr().out)["anchor_problems"]}
    assert problems == {"anchor_rewritten", "differs_from_anchor"}
