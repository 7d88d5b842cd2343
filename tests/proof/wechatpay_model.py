"""WeChat Pay as the proof tests need it, in memory: what was paid and refunded, answers at once, and
faults on demand. It stands where ``WeChatPayGateway`` stands (same methods), so PaymentService runs
its real code paths against it."""

from __future__ import annotations

import itertools

from diancan.adapters.wechatpay import OrderAlreadyPaid, WeChatPayConfig, WeChatPayUnavailable
from tests.wxpay_fixtures import APPID, MCHID, make_config


def transaction(order_id: str, total_fen: int, transaction_id: str | None = None) -> dict:
    """The decrypted resource of a TRANSACTION.SUCCESS for an order (as a notification or query has it)."""
    return {"appid": APPID, "mchid": MCHID, "out_trade_no": order_id,
            "transaction_id": transaction_id or f"4200{order_id}", "trade_type": "JSAPI", "trade_state": "SUCCESS",
            "success_time": "2026-11-24T12:30:05+08:00", "payer": {"openid": "openid-alice"},
            "amount": {"total": total_fen, "payer_total": total_fen, "currency": "CNY", "payer_currency": "CNY"}}


class WeChatPayModel:
    """Remembers paid orders and submitted refunds; ``failing`` makes every call time out until cleared."""

    def __init__(self, config: WeChatPayConfig | None = None) -> None:
        self.config = config or make_config()
        self.paid: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.failing = False
        self.calls: list[str] = []
        self._ids = itertools.count(1)

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.failing:
            raise WeChatPayUnavailable(f"{name} timed out", "微信支付超时", code="WECHATPAY_TIMEOUT")

    def guest_pays(self, order_id: str, total_fen: int) -> dict:
        self.paid[order_id] = transaction(order_id, total_fen)
        return self.paid[order_id]

    def prepay_jsapi(self, out_trade_no, amount_fen, payer_openid, description, expires_at) -> str:
        self._call("prepay")
        return f"wx{out_trade_no}"

    def payment_params(self, prepay_id: str) -> dict[str, str]:
        return {"package": f"prepay_id={prepay_id}", "signType": "RSA", "paySign": "x", "timeStamp": "1",
                "nonceStr": "n"}

    def query_by_out_trade_no(self, out_trade_no: str) -> dict:
        self._call("query")
        return self.paid.get(out_trade_no, {"out_trade_no": out_trade_no, "trade_state": "NOTPAY"})

    def close(self, out_trade_no: str) -> None:
        self._call("close")
        if out_trade_no in self.paid:
            raise OrderAlreadyPaid("ORDER_PAID", "already paid")

    def refund(self, out_trade_no, out_refund_no, refund_fen, total_fen, reason) -> dict:
        self._call("refund")
        known = self.refunds.setdefault(out_refund_no, {"out_trade_no": out_trade_no, "out_refund_no": out_refund_no,
                                                        "refund_id": f"5030{next(self._ids)}",
                                                        "amount": {"refund": refund_fen, "total": total_fen}})
        return {**known, "status": "PROCESSING"}

    def query_refund(self, out_refund_no: str) -> dict:
        self._call("query_refund")
        return {**self.refunds[out_refund_no], "status": "SUCCESS"}

    def refunded_fen(self, order_id: str) -> int:
        return sum(r["amount"]["refund"] for r in self.refunds.values() if r["out_trade_no"] == order_id)
