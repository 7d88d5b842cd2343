"""Settlement maths and the anchor check, on plain objects: every fen accounted for three ways; a late voucher is
an adjustment; a re-sealed chain, a lost tail and a rewritten anchor are all found."""

from __future__ import annotations

from datetime import date

import pytest

from diancan.domain.order import Order
from diancan.domain.pricing import Discount
from diancan.domain.settlement import (
    GENESIS_CHECKPOINT,
    SettlementBook,
    check_anchors,
    day_status,
    method_status,
)
from local.demo_history import Chain

pytestmark = pytest.mark.unit

DAY = date(2026, 11, 24)


def make_order(order_id: str, total: int, *, discount: int = 0, openid: str = "openid-a", flags=(),
               delivery_fee: int = 0) -> Order:
    discounts = [Discount(kind="full_reduction", label="满100减15", amount_fen=discount, ref="fr-100-15")] if discount else []
    return Order(order_id=order_id, store_id="s1", openid=openid, mode="takeout", lines=[], items_fen=total + discount,
                 delivery_fee_fen=delivery_fee, discounts=discounts, discount_fen=discount, total_fen=total,
                 created_at="2026-11-24T04:00:00Z", business_day="2026-11-24", pay_expires_at="2026-11-24T04:15:00Z",
                 flags=list(flags))


def test_every_fen_of_the_day_is_accounted_for_by_method_by_channel_and_by_gross():
    chain = Chain("s1", 0, "0" * 64)
    wx, cash, card = (make_order("o1", 8500, discount=1500), make_order("o2", 3000, openid="staff:c", flags=["TABLE_TAB"]),
                      make_order("o3", 2000, openid="staff:c"))
    book = SettlementBook("s1", DAY)
    book.add(chain.next(kind="payment", order_id="o1", reference="t1", amount_fen=8500, occurred_at="x"), wx)
    book.add(chain.next(kind="payment", order_id="o2", reference="COUNTER-o2", amount_fen=3000, occurred_at="x",
                        method="counter:cash"), cash)
    book.add(chain.next(kind="payment", order_id="o3", reference="COUNTER-o3", amount_fen=2000, occurred_at="x",
                        method="counter:card"), card)
    book.add(chain.next(kind="refund", order_id="o1", reference="r1", amount_fen=500, occurred_at="x"), wx)
    book.add(chain.next(kind="refund", order_id="o2", reference="COUNTER-o2R1", amount_fen=300, occurred_at="x",
                        method="counter:cash"), cash)

    figures = book.figures()

    assert figures["net_fen"] == 8500 + 3000 + 2000 - 800 == 12700
    assert {m: s["net_fen"] for m, s in figures["by_method"].items()} == {"wechatpay": 8000, "cash": 2700, "card": 2000,
                                                                         "other": 0}
    assert {c: s["net_fen"] for c, s in figures["by_channel"].items()} == {"miniprogram": 8000, "table": 2700,
                                                                           "counter": 2000}
    assert (figures["gross_fen"], figures["discount_fen"]) == (15000, 1500)
    assert figures["discounts_by_offer"] == [{"kind": "full_reduction", "ref": "fr-100-15", "label": "满100减15",
                                              "orders": 1, "fen": 1500}]
    assert book.identity_differences() == []


def test_a_payment_without_its_order_leaves_the_gross_short_and_says_so():
    chain = Chain("s1", 0, "0" * 64)
    book = SettlementBook("s1", DAY)
    book.add(chain.next(kind="payment", order_id="o9", reference="t9", amount_fen=1000, occurred_at="x"), None)

    assert [d["problem"] for d in book.identity_differences()] == ["gross_less_discounts_less_refunds_is_net"]


def test_a_late_voucher_for_a_sealed_day_is_an_adjustment_and_the_chain_is_the_sum_of_its_stores():
    chain = Chain("s1", 0, "0" * 64)
    store = SettlementBook("s1", DAY)
    store.add(chain.next(kind="payment", order_id="o1", reference="t1", amount_fen=700, occurred_at="x"),
              make_order("o1", 700), belongs_to=date(2026, 11, 23))
    whole = SettlementBook("chain", DAY)
    whole.merge(store)

    assert store.figures()["adjustments"] == [{"seq": 1, "store_id": "s1", "kind": "payment", "order_id": "o1",
                                               "reference": "t1", "method": "wechatpay", "amount_fen": 700,
                                               "belongs_to": "2026-11-23"}]
    assert whole.figures()["net_fen"] == store.figures()["net_fen"] == 700
    assert whole.figures()["adjustments"] == store.figures()["adjustments"]


def test_wechat_pay_is_pending_until_its_bill_and_any_difference_unbalances_the_day():
    sums = {"net_fen": 100}
    pending = {"wechatpay": method_status("wechatpay", sums, [], bill_available=False),
               "cash": method_status("cash", sums, [], bill_available=False)}
    assert [r["status"] for r in pending.values()] == ["pending_bill", "balanced"]
    assert day_status(pending, [], chains_intact=True) == "pending_bill"
    differing = {"cash": method_status("cash", sums, [{"method": "cash", "problem": "unknown_order"}], True)}
    assert day_status(differing, [{"method": "cash"}], chains_intact=True) == "unbalanced"
    assert day_status({"cash": method_status("cash", sums, [], True)}, [], chains_intact=False) == "unbalanced"


def _anchor(day: str, checkpoint) -> dict:
    return {"day": day, **checkpoint.as_json()}


def test_the_anchor_finds_a_resealed_chain_a_lost_tail_and_a_rewritten_anchor():
    chain = Chain("s1", 0, "0" * 64)
    vouchers = [chain.next(kind="payment", order_id=f"o{n}", reference=f"t{n}", amount_fen=100 * n, occurred_at="x")
                for n in range(1, 5)]
    running = GENESIS_CHECKPOINT
    checkpoints = []
    for voucher in vouchers:
        running = running.after(voucher)
        checkpoints.append(running)
    anchors = [_anchor("2026-11-23", checkpoints[1]), _anchor("2026-11-24", checkpoints[3])]
    assert check_anchors(vouchers, anchors) == []

    forged, resealed = Chain("s1", 0, "0" * 64), []
    for voucher in vouchers:
        fields = voucher.model_dump(exclude={"seq", "prev_hash", "hash", "store_id"})
        resealed.append(forged.next(**{**fields, "amount_fen": 1 if voucher.seq == 3 else voucher.amount_fen}))
    assert [(p["problem"], p["seq"]) for p in check_anchors(resealed, anchors)] == [("differs_from_anchor", 4)]
    assert [(p["problem"], p["seq"]) for p in check_anchors(vouchers[:3], anchors)] == [("anchored_voucher_missing", 4)]
    rewritten = [*anchors, {**anchors[1], "head": "f" * 64}]
    assert {p["problem"] for p in check_anchors(vouchers, rewritten)} == {"anchor_rewritten", "differs_from_anchor"}
    nightly_and_closed = [*anchors, {**_anchor("2026-11-24", checkpoints[2]), "kind": "nightly"}]
    assert check_anchors(vouchers, nightly_and_closed) == []  # two kinds of one day: each true at its own seq
