"""The handover's arithmetic and its printed sheet (domain/shifts.py, ticket_render.render_handover)."""

import pytest

from diancan.domain.payments import GENESIS, Voucher
from diancan.domain.shifts import Shift, StaffMove, handover, shift_id_for
from diancan.domain.ticket_render import display_width, render_handover

pytestmark = pytest.mark.unit

SHIFT = Shift(store_id="s1", shift_id="x", staff_id="c1", staff_name="小王", float_fen=20000,
              opened_at="2026-12-05T01:00:00Z", opened_by="c1", opened_seq=4)


def voucher(seq: int, kind: str, method: str, amount: int, payer: str = "c1") -> Voucher:
    return Voucher(store_id="s1", seq=seq, kind=kind, order_id=f"O{seq}", reference=f"R{seq}", amount_fen=amount,
                   method=method, payer=payer, occurred_at="2026-12-05T02:00:00Z", prev_hash=GENESIS)


def test_expected_cash_is_float_plus_cash_takings_minus_cash_refunds_and_a_shortage_is_negative():
    vouchers = [voucher(5, "payment", "counter:cash", 3000), voucher(6, "payment", "counter:card", 5000),
                voucher(7, "refund", "counter:cash", 500), voucher(8, "payment", "wechatpay", 9900, payer="o-x"),
                voucher(9, "payment", "counter:cash", 7000, payer="c2")]
    sheet = handover(SHIFT, vouchers, [StaffMove(action="order.refund", target="O3", at="t", amount_fen=1200)],
                     counted_fen=22000)
    assert sheet.takings_fen == {"card": 5000, "cash": 3000}
    assert sheet.cash_refunds_fen == 500 and sheet.refunds_fen == 1200
    assert sheet.expected_cash_fen == 20000 + 3000 - 500
    assert sheet.difference_fen == 22000 - 22500 == -500
    assert sheet.orders == ["O5", "O6", "O7", "O3"] and sheet.vouchers == 3


@pytest.mark.parametrize("columns", [32, 48])
def test_the_printed_sheet_fits_the_paper_and_says_shortage(columns):
    closed = SHIFT.model_copy(update={"status": "closed", "closed_at": "2026-12-05T09:00:00Z",
                                      "handover": handover(SHIFT, [], [], counted_fen=19000)})
    content = render_handover(closed, "静安店", columns)
    assert "短款" in content and "-10.00" in content and content.endswith("<CUT>")
    for row in content.split("<BR>"):
        plain = row.replace("<CB>", "").replace("</CB>", "").replace("<B>", "").replace("</B>", "")
        width = columns // 2 if "<CB>" in row or "<B>" in row else columns
        assert display_width(plain) <= width, row


def test_shift_ids_sort_by_opening_time():
    assert shift_id_for("2026-12-05T01:02:03.456Z", "ab") == "20261205T010203Z-ab"
