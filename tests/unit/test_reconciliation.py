"""Reconciliation: every voucher of the day against our orders and refunds and against the trade bill."""

from __future__ import annotations

from datetime import date

import pytest

from diancan.domain.reconciliation import ChainCheck, OrderMoney, fen_of, parse_trade_bill, reconcile
from local.demo_history import Chain
from local.simulators.wxpay_bill import BillRow, render

pytestmark = pytest.mark.unit

DAY = date(2026, 11, 24)


def bill_row(out_trade_no: str, transaction_id: str, total: int, **refund) -> BillRow:
    return BillRow("2026-11-24 12:00:00", "wxapp", "1900000001", transaction_id, out_trade_no, "openid",
                   "REFUND" if refund else "SUCCESS", total, "点餐", "", **refund)


def test_the_trade_bill_parses_payments_and_refunds_and_skips_the_summary():
    text = render([bill_row("o1", "t1", 1234), bill_row("o1", "t1", 1234, refund_id="r1", out_refund_no="o1R1",
                                                         refund_fen=234, refund_status="SUCCESS")])

    lines = parse_trade_bill(text)

    assert [(line.kind, line.reference, line.out_trade_no, line.amount_fen, line.fee_fen) for line in lines] == [
        ("payment", "t1", "o1", 1234, 7), ("refund", "r1", "o1", 234, -1)]  # 0.6 %, given back on a refund
    assert (fen_of("12.30"), fen_of("-0.05"), fen_of("7")) == (1230, -5, 700)


def test_every_kind_of_mismatch_is_listed():
    chain = Chain("s1", 0, "0" * 64)
    vouchers = [chain.next(kind="payment", order_id="o1", reference="t1", amount_fen=1000, occurred_at="x"),
                chain.next(kind="payment", order_id="o2", reference="t2", amount_fen=900, occurred_at="x"),
                chain.next(kind="payment", order_id="o3", reference="t3", amount_fen=500, occurred_at="x"),
                chain.next(kind="refund", order_id="o1", reference="r1", amount_fen=300, occurred_at="x")]
    check = ChainCheck()
    for voucher in vouchers:
        check.add(voucher)
    bill = parse_trade_bill(render([bill_row("o1", "t1", 1000), bill_row("o2", "t2", 950),
                                    bill_row("o9", "t9", 700),
                                    bill_row("o1", "t1", 1000, refund_id="r1", out_refund_no="o1R1", refund_fen=300)]))
    orders = {"o1": OrderMoney("o1", 1000, "t1"), "o2": OrderMoney("o2", 900, "t2"), "o3": OrderMoney("o3", 550, "t3")}

    result = reconcile(DAY, vouchers, bill, orders=orders, refunds={"r1": OrderMoney("o1", 300, "r1")},
                       paid_on_day=[*orders.values(), OrderMoney("o7", 800, "t7")], chains={"s1": check})

    problems = {(m["problem"], m["reference"]) for m in result["mismatches"]}
    assert problems == {("amount_differs_from_bill", "t2"), ("missing_in_bill", "t3"),
                        ("amount_differs_from_order", "t3"), ("missing_voucher", "t9"), ("missing_voucher", "t7")}
    assert result["balanced"] is False and result["chains"]["s1"]["intact"] is True
    assert result["vouchers"] == {"payments": 3, "payment_fen": 2400, "refunds": 1, "refund_fen": 300}


def test_a_tampered_voucher_breaks_the_chain_from_the_checkpoint_on():
    chain = Chain("s1", 0, "0" * 64)
    vouchers = [chain.next(kind="payment", order_id=f"o{n}", reference=f"t{n}", amount_fen=100, occurred_at="x")
                for n in range(1, 5)]
    vouchers[2] = vouchers[2].model_copy(update={"amount_fen": 1})
    check = ChainCheck(vouchers[0].seq, vouchers[0].hash)  # resumes after a verified checkpoint
    for voucher in vouchers[1:]:
        check.add(voucher)

    assert check.as_json() == {"verified_from_seq": 2, "verified_to_seq": 2, "first_broken_seq": 3, "intact": False}


def test_without_a_bill_only_our_records_are_compared_and_nothing_is_called_balanced():
    result = reconcile(DAY, [], None, orders={}, paid_on_day=[], refunds={}, chains={})

    assert (result["bill_available"], result["balanced"], result["mismatches"]) == (False, False, [])


def test_counter_vouchers_are_checked_against_their_orders_not_against_the_wechat_pay_bill():
    """A store that takes cash or card still balances: WeChat Pay never sees those, so the bill cannot miss them."""
    chain = Chain("s1", 0, "0" * 64)
    vouchers = [chain.next(kind="payment", order_id="o1", reference="t1", amount_fen=1000, occurred_at="x"),
                chain.next(kind="payment", order_id="o2", reference="COUNTER-o2", amount_fen=900, occurred_at="x",
                           method="counter:cash"),
                chain.next(kind="payment", order_id="o3", reference="COUNTER-o3", amount_fen=500, occurred_at="x",
                           method="counter:card"),
                chain.next(kind="refund", order_id="o2", reference="COUNTER-o2R1", amount_fen=200, occurred_at="x",
                           method="counter:cash")]
    check = ChainCheck()
    for voucher in vouchers:
        check.add(voucher)
    orders = {"o1": OrderMoney("o1", 1000, "t1"), "o2": OrderMoney("o2", 900, "COUNTER-o2"),
              "o3": OrderMoney("o3", 400, "COUNTER-o3")}

    result = reconcile(DAY, vouchers, parse_trade_bill(render([bill_row("o1", "t1", 1000)])), orders=orders,
                       refunds={"COUNTER-o2R1": OrderMoney("o2", 200, "COUNTER-o2R1")},
                       paid_on_day=list(orders.values()), chains={"s1": check})

    assert [(m["problem"], m["reference"], m["method"]) for m in result["mismatches"]] == [
        ("amount_differs_from_order", "COUNTER-o3", "card")]  # the card order's own difference, nothing else
