"""The daily trade bill (交易账单) as WeChat Pay lays it out: CSV, every value prefixed with a backtick.

The layout approximates the official "ALL" bill: one row per paid order and per refund of the day,
then a summary header and row. Amounts are yuan with two decimals; the fee is 0.6 % (rounded half up).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
          "付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,"
          "退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")
SUMMARY_HEADER = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
FEE_RATE_PERMILLE = 6


@dataclass(frozen=True)
class BillRow:
    """One line: a payment (refund fields empty) or a refund of an earlier payment."""

    time: str  # "YYYY-MM-DD HH:MM:SS", business time zone
    appid: str
    mchid: str
    transaction_id: str
    out_trade_no: str
    openid: str
    trade_state: str  # SUCCESS or REFUND
    total_fen: int
    description: str
    attach: str
    refund_id: str = ""
    out_refund_no: str = ""
    refund_fen: int = 0
    refund_status: str = ""

    @property
    def is_refund(self) -> bool:
        return bool(self.refund_id)

    @property
    def fee_fen(self) -> int:
        amount = self.refund_fen if self.is_refund else self.total_fen
        fee = (amount * FEE_RATE_PERMILLE + 500) // 1000  # half up, on the size: a refund gives back the same fee
        return -fee if self.is_refund else fee


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def render(rows: Iterable[BillRow]) -> str:
    rows = list(rows)
    lines = [HEADER, *(_line(row) for row in rows)]
    payments = [row for row in rows if not row.is_refund]
    refunds = [row for row in rows if row.is_refund]
    settled = sum(row.total_fen for row in payments)
    refunded = sum(row.refund_fen for row in refunds)
    summary = (len(rows), yuan(settled), yuan(refunded), "0.00", yuan(sum(row.fee_fen for row in rows)),
               yuan(settled), yuan(refunded))
    lines += [SUMMARY_HEADER, ",".join(f"`{value}" for value in summary)]
    return "\r\n".join(lines) + "\r\n"


def _line(row: BillRow) -> str:
    values = (
        row.time, row.appid, row.mchid, "0", "", row.transaction_id, row.out_trade_no, row.openid, "JSAPI",
        row.trade_state, "OTHERS", "CNY", yuan(0 if row.is_refund else row.total_fen), "0.00",
        row.refund_id or "0", row.out_refund_no or "0", yuan(row.refund_fen), "0.00",
        "ORIGINAL" if row.is_refund else "", row.refund_status, row.description, row.attach,
        yuan(row.fee_fen), "0.60%", yuan(row.total_fen), yuan(row.refund_fen), "",
    )
    return ",".join(f"`{value}" for value in values)
