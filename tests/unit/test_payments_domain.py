"""Vouchers chain per store; refunds never exceed what was paid."""

from __future__ import annotations

import pytest

from diancan.domain.errors import Unprocessable
from diancan.domain.payments import GENESIS, RefundTooLarge, Voucher, check_refund, first_broken_link

pytestmark = pytest.mark.unit


def chain(n: int) -> list[Voucher]:
    vouchers, prev = [], GENESIS
    for seq in range(1, n + 1):
        voucher = Voucher(store_id="s", seq=seq, kind="payment", order_id=f"o{seq}", reference=f"tx{seq}",
                          amount_fen=100 * seq, occurred_at="2026-11-24T04:00:00.000Z", prev_hash=prev).sealed()
        vouchers.append(voucher)
        prev = voucher.hash
    return vouchers


def test_an_intact_chain_has_no_broken_link():
    assert first_broken_link(chain(5)) is None
    assert first_broken_link([]) is None


def test_a_changed_amount_breaks_its_own_link():
    vouchers = chain(5)
    vouchers[2] = vouchers[2].model_copy(update={"amount_fen": 1})
    assert first_broken_link(vouchers) == 3


def test_a_resealed_forgery_breaks_the_next_link():
    vouchers = chain(5)
    vouchers[2] = vouchers[2].model_copy(update={"amount_fen": 1}).sealed()
    assert first_broken_link(vouchers) == 4


def test_a_removed_voucher_breaks_the_chain_where_it_was():
    vouchers = chain(5)
    del vouchers[1]
    assert first_broken_link(vouchers) == 2


def test_refunds_add_up_to_at_most_the_paid_amount():
    check_refund(500, paid_fen=1000, committed_fen=500)
    with pytest.raises(RefundTooLarge) as refused:
        check_refund(501, paid_fen=1000, committed_fen=500)
    assert refused.value.details == {"refundable_fen": 500}
    with pytest.raises(Unprocessable):
        check_refund(0, paid_fen=1000, committed_fen=0)
