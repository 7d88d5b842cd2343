"""Records and request checks of the WeChat Pay simulator: orders, refunds, errors, parameter rules.

Field names and shapes follow the v3 API (PROTOCOLS.md B.5-B.9); the checks are the ones the real
service applies to a JSAPI prepay and a refund, with its error codes and HTTP statuses.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
ENDPOINTS = ("jsapi", "query", "close", "refund", "query_refund", "tradebill", "billdownload")
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-|*@]{1,64}$")
PAID_STATES = ("SUCCESS", "REFUND")


class ApiError(Exception):
    """An answer ``{"code", "message"}`` with an HTTP status, as WeChat Pay sends its errors."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Merchant:
    """A merchant as WeChat Pay knows it: bound appids, API certificate serial + public key, APIv3 key."""

    mchid: str
    appids: frozenset[str]
    public_key_pem: str
    cert_serial: str
    apiv3_key: str


@dataclass
class Transaction:
    request: dict  # the prepay body as first accepted; a retry must repeat it exactly
    prepay_id: str
    prepay_created: datetime
    time_expire: datetime | None
    trade_state: str = "NOTPAY"
    transaction_id: str = ""
    success_time: datetime | None = None

    @property
    def total(self) -> int:
        return self.request["amount"]["total"]

    def as_api(self) -> dict:
        body = {"appid": self.request["appid"], "mchid": self.request["mchid"],
                "out_trade_no": self.request["out_trade_no"], "trade_type": "JSAPI",
                "trade_state": self.trade_state, "trade_state_desc": _STATE_DESC[self.trade_state],
                "attach": self.request.get("attach", ""), "payer": {"openid": self.request["payer"]["openid"]},
                "amount": {"total": self.total, "currency": "CNY", "payer_currency": "CNY"}}
        if self.transaction_id:
            body |= {"transaction_id": self.transaction_id, "bank_type": "OTHERS",
                     "success_time": rfc3339(self.success_time)}
            body["amount"]["payer_total"] = self.total
        return body


_STATE_DESC = {"NOTPAY": "未支付", "SUCCESS": "支付成功", "CLOSED": "已关闭", "REFUND": "转入退款"}


@dataclass
class Refund:
    mchid: str
    out_refund_no: str
    refund_id: str
    transaction: Transaction
    refund_fen: int
    reason: str
    notify_url: str
    create_time: datetime
    status: str = "PROCESSING"
    success_time: datetime | None = None

    def as_api(self) -> dict:
        tx = self.transaction
        body = {"refund_id": self.refund_id, "out_refund_no": self.out_refund_no,
                "transaction_id": tx.transaction_id, "out_trade_no": tx.request["out_trade_no"],
                "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
                "create_time": rfc3339(self.create_time), "status": self.status, "funds_account": "AVAILABLE",
                "amount": {"total": tx.total, "refund": self.refund_fen, "from": [], "payer_total": tx.total,
                           "payer_refund": self.refund_fen, "settlement_refund": self.refund_fen,
                           "settlement_total": tx.total, "discount_refund": 0, "currency": "CNY"},
                "promotion_detail": []}
        if self.success_time:
            body["success_time"] = rfc3339(self.success_time)
        return body

    def as_notification(self) -> dict:
        api = self.as_api()
        body = {key: api[key] for key in ("transaction_id", "out_trade_no", "refund_id", "out_refund_no",
                                          "user_received_account")}
        body |= {"mchid": self.mchid, "refund_status": self.status,
                 "amount": {key: api["amount"][key] for key in ("total", "refund", "payer_total", "payer_refund")}}
        if self.success_time:
            body["success_time"] = api["success_time"]
        return body


@dataclass
class CallFault:
    mode: str  # error | timeout | bad_signature
    count: int = 1
    status: int = 500
    seconds: float = 2.0
    code: str = "SYSTEM_ERROR"  # the error's code, e.g. 400 STATEMENT_CREATING for a bill not generated yet


def sign_error(reason: str) -> ApiError:
    return ApiError(401, "SIGN_ERROR", "签名错误: " + reason)


def check_mchid(merchant: Merchant, mchid: object) -> None:
    if mchid != merchant.mchid:
        raise ApiError(400, "PARAM_ERROR", "mchid 与请求签名的商户号不一致")


def check_prepay(merchant: Merchant, body: dict) -> tuple[str, datetime | None]:
    """The prepay parameter checks; returns out_trade_no and the parsed time_expire."""
    check_mchid(merchant, body.get("mchid"))
    if body.get("appid") not in merchant.appids:
        raise ApiError(400, "APPID_MCHID_NOT_MATCH", "appid 和 mchid 不匹配")
    out_trade_no, description, url = body.get("out_trade_no"), body.get("description"), body.get("notify_url")
    if not isinstance(out_trade_no, str) or not OUT_TRADE_NO.match(out_trade_no):
        raise ApiError(400, "PARAM_ERROR", "out_trade_no 应为 6-32 位数字、字母或 _-|*")
    if not isinstance(description, str) or not 1 <= len(description) <= 127:
        raise ApiError(400, "PARAM_ERROR", "description 必填且不超过 127 个字符")
    if not isinstance(url, str) or not re.match(r"^https?://[^?#\s]+$", url):
        raise ApiError(400, "PARAM_ERROR", "notify_url 必须是不带查询串的 URL")
    _check_amount(body.get("amount"), "total")
    if not isinstance(body.get("payer"), dict) or not body["payer"].get("openid"):
        raise ApiError(400, "PARAM_ERROR", "payer.openid 必填")
    if len(body.get("attach", "")) > 128:
        raise ApiError(400, "PARAM_ERROR", "attach 不超过 128 个字符")
    if "time_expire" not in body:
        return out_trade_no, None
    try:
        time_expire = datetime.fromisoformat(body["time_expire"])
    except (TypeError, ValueError):
        time_expire = None
    if time_expire is None or time_expire.tzinfo is None:
        raise ApiError(400, "PARAM_ERROR", "time_expire 应为 RFC 3339 格式，例如 2018-06-08T10:34:56+08:00")
    return out_trade_no, time_expire


def check_refund(body: dict) -> tuple[str, int, int]:
    out_refund_no = body.get("out_refund_no")
    if not isinstance(out_refund_no, str) or not OUT_REFUND_NO.match(out_refund_no):
        raise ApiError(400, "PARAM_ERROR", "out_refund_no 不合法")
    if not body.get("out_trade_no") and not body.get("transaction_id"):
        raise ApiError(400, "PARAM_ERROR", "transaction_id 和 out_trade_no 必须二选一")
    _check_amount(body.get("amount"), "refund", "total")
    return out_refund_no, body["amount"]["refund"], body["amount"]["total"]


def _check_amount(amount: object, *fields: str) -> None:
    if not isinstance(amount, dict) or amount.get("currency", "CNY") != "CNY":
        raise ApiError(400, "PARAM_ERROR", "amount 必填，币种只支持 CNY")
    for name in fields:
        value = amount.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ApiError(400, "PARAM_ERROR", f"amount.{name} 必须是不小于 1 的整数（分）")


def call_fault(endpoint: str, value: object) -> CallFault:
    """``n`` → n answers 500; ``"timeout"``/``"bad_signature"``/``"503"`` → once; or a full dict."""
    if endpoint not in ENDPOINTS:
        raise ApiError(400, "PARAM_ERROR", f"unknown endpoint {endpoint!r}; one of {', '.join(ENDPOINTS)}")
    if isinstance(value, int) and not isinstance(value, bool):
        return CallFault("error", count=value)
    if isinstance(value, str) and value.isdigit():
        return CallFault("error", status=int(value))
    if isinstance(value, str) and value in ("timeout", "bad_signature"):
        return CallFault(value)
    if isinstance(value, dict) and value.get("mode") in ("error", "timeout", "bad_signature"):
        return CallFault(value["mode"], int(value.get("count", 1)), int(value.get("status", 500)),
                         float(value.get("seconds", 2.0)), str(value.get("code", "SYSTEM_ERROR")))
    raise ApiError(400, "PARAM_ERROR", f"bad fault for {endpoint}: {value!r}")


def new_prepay_id() -> str:
    return "wx" + datetime.now(SHANGHAI).strftime("%d%H%M%S") + secrets.token_hex(12)


def digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def rfc3339(instant: datetime | None) -> str:
    return instant.astimezone(SHANGHAI).isoformat(timespec="seconds") if instant else ""


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
