"""WeChat Pay API v3 simulator: direct merchant, mini-program (JSAPI) payments, refunds, trade bills.

It checks every request the way WeChat Pay does (Authorization scheme, mchid, merchant serial, ±5 min
timestamp, RSA-SHA256 over method, path+query, timestamp, nonce and the exact body) and signs every
answer with its platform key under the merchant's public key id (also the empty 204 of close), so the
real SDK can talk to it with response verification on. Paid and refunded events are pushed as signed,
AES-256-GCM encrypted notifications with retries (see ``wxpay_delivery``).

Choices where the real service is loosely documented:
- ``time_expire`` is the last moment the user may pay; an expired NOTPAY order stays NOTPAY (query
  shows it) but ``/_control/pay`` refuses it, and close still works. The real platform later shows
  such orders as CLOSED; that slow clean-up is not modelled. A prepay_id is payable for 2 hours.
- Closing an unknown out_trade_no answers 204 (merchants report the real one does); closing a paid
  order answers 400 ORDER_PAID; re-posting a paid order's prepay answers 400 ORDER_PAID.
- A refund above what is left to refund answers 400 INVALID_REQUEST; a refund without notify_url
  sends no notification (the real one would use the URL configured in the merchant console).
- notify_url may be plain http (the real one requires https) so loopback receivers work.
- The trade bill of today is served at once (the real one is ready the next morning).
"""

from __future__ import annotations

import gzip
import hashlib
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from flask import Flask, Response, g, request

from local.simulators.wxpay_bill import BillRow, render
from local.simulators.wxpay_crypto import (
    SCHEME,
    encrypt_resource,
    generate_keys,
    load_private,
    load_public,
    parse_authorization,
    random_text,
    sign_lines,
    verify_lines,
)
from local.simulators.wxpay_delivery import NotificationFaults, Outbox
from local.simulators.wxpay_records import (
    PAID_STATES,
    SHANGHAI,
    ApiError,
    CallFault,
    Merchant,
    Refund,
    Transaction,
    call_fault,
    check_mchid,
    check_prepay,
    check_refund,
    digits,
    dumps,
    new_prepay_id,
    rfc3339,
    sign_error,
)

__all__ = ["Merchant", "WxPaySimulator", "create_app", "generate_keys"]

MAX_CLOCK_SKEW = timedelta(minutes=5)
PREPAY_VALIDITY = timedelta(hours=2)
BILL_URL_VALIDITY = timedelta(seconds=30)
REFUND_EVENTS = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常", "CLOSED": "退款关闭"}


class WxPaySimulator:
    """Thread-safe state of one simulated WeChat Pay platform (merchants, orders, refunds, outbox)."""

    def __init__(self, *, platform_private_key_pem: str, public_key_id: str, merchants: Iterable[Merchant] = (),
                 retry_delays: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0), refund_delay_seconds: float | None = 0.2,
                 notify_timeout_seconds: float = 3.0, clock: Callable[[], datetime] | None = None) -> None:
        self.public_key_id = public_key_id
        self._platform_key = load_private(platform_private_key_pem)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._refund_delay = refund_delay_seconds
        self._lock = threading.RLock()
        self._merchants: dict[str, Merchant] = {}
        self.outbox = Outbox(retry_delays, notify_timeout_seconds)
        self._generation = 0
        self._clear()
        for merchant in merchants:
            self.add_merchant(merchant)

    def _clear(self) -> None:
        self._transactions: dict[tuple[str, str], Transaction] = {}
        self._refunds: dict[tuple[str, str], Refund] = {}
        self._bills: dict[str, tuple[str, bytes, datetime]] = {}
        self._call_faults: dict[str, CallFault] = {}
        self._hold_refunds = False  # fault: refunds stay PROCESSING until /_control/refund-result

    def add_merchant(self, merchant: Merchant) -> None:
        load_public(merchant.public_key_pem)  # fail now, not on the first request
        if len(merchant.apiv3_key.encode()) != 32:
            raise ValueError("the APIv3 key is exactly 32 bytes")
        with self._lock:
            self._merchants[merchant.mchid] = merchant

    # -- protocol checks and signing --------------------------------------------------------------

    def authenticate(self, method: str, path_and_query: str, body: str, authorization: str) -> Merchant:
        """The calling merchant, or ApiError 401 SIGN_ERROR when any part of the signature is off."""
        fields = parse_authorization(authorization)
        if fields is None:
            raise sign_error("Authorization scheme must be " + SCHEME)
        merchant = self._merchants.get(fields.get("mchid", ""))
        if merchant is None:
            raise sign_error("unknown mchid")
        if fields.get("serial_no") != merchant.cert_serial:
            raise sign_error("serial_no is not the merchant's API certificate serial")
        try:
            sent_at = datetime.fromtimestamp(int(fields.get("timestamp", "")), UTC)
        except ValueError:
            raise sign_error("timestamp must be whole seconds") from None
        if abs(self._clock() - sent_at) > MAX_CLOCK_SKEW:
            raise sign_error("timestamp is more than 5 minutes away from server time")
        lines = (method, path_and_query, fields["timestamp"], fields.get("nonce_str", ""), body)
        if not verify_lines(load_public(merchant.public_key_pem), fields.get("signature", ""), *lines):
            raise sign_error("signature does not verify")
        return merchant

    def sign_headers(self, body: str) -> dict[str, str]:
        """The Wechatpay-* headers WeChat puts on answers and notifications, over ``ts\\nnonce\\nbody\\n``."""
        timestamp, nonce = str(int(self._clock().timestamp())), random_text(32)
        return {"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce,
                "Wechatpay-Signature": sign_lines(self._platform_key, timestamp, nonce, body),
                "Wechatpay-Serial": self.public_key_id, "Wechatpay-Signature-Type": SCHEME}

    # -- protocol operations ----------------------------------------------------------------------

    def create_jsapi(self, merchant: Merchant, body: dict) -> dict:
        out_trade_no, time_expire = check_prepay(merchant, body)
        with self._lock:
            now = self._clock()
            existing = self._transactions.get((merchant.mchid, out_trade_no))
            if existing is not None:
                return {"prepay_id": self._retry_prepay(existing, body, now)}
            tx = Transaction(body, new_prepay_id(), now, time_expire)
            self._transactions[(merchant.mchid, out_trade_no)] = tx
            return {"prepay_id": tx.prepay_id}

    def _retry_prepay(self, tx: Transaction, body: dict, now: datetime) -> str:
        if tx.trade_state == "CLOSED":
            raise ApiError(400, "ORDER_CLOSED", "订单已关闭")
        if tx.trade_state in PAID_STATES:
            raise ApiError(400, "ORDER_PAID", "订单已支付")
        if tx.request != body:
            raise ApiError(403, "OUT_TRADE_NO_USED", "商户订单号重复，请求重入时，参数与首次请求时不一致")
        if now - tx.prepay_created > PREPAY_VALIDITY:
            tx.prepay_id, tx.prepay_created = new_prepay_id(), now
        return tx.prepay_id

    def query(self, merchant: Merchant, out_trade_no: str, mchid: str | None) -> dict:
        check_mchid(merchant, mchid)
        with self._lock:
            return self._transaction(merchant, out_trade_no).as_api()

    def close(self, merchant: Merchant, out_trade_no: str, body: dict) -> None:
        check_mchid(merchant, body.get("mchid"))
        with self._lock:
            tx = self._transactions.get((merchant.mchid, out_trade_no))
            if tx is None:
                return
            if tx.trade_state in PAID_STATES:
                raise ApiError(400, "ORDER_PAID", "订单已支付")
            tx.trade_state = "CLOSED"

    def create_refund(self, merchant: Merchant, body: dict) -> dict:
        out_refund_no, refund_fen, total_fen = check_refund(body)
        with self._lock:
            tx = self._refundable_transaction(merchant, body)
            existing = self._refunds.get((merchant.mchid, out_refund_no))
            if existing is not None:
                if existing.transaction is not tx or existing.refund_fen != refund_fen:
                    raise ApiError(400, "INVALID_REQUEST", "退款单号已存在，请求参数与首次不一致")
                return existing.as_api()
            if total_fen != tx.total:
                raise ApiError(400, "INVALID_REQUEST", "订单金额与原订单金额不一致")
            committed = sum(r.refund_fen for r in self._refunds.values() if r.transaction is tx and r.status != "CLOSED")
            if refund_fen > tx.total - committed:
                raise ApiError(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
            refund = Refund(merchant.mchid, out_refund_no, "50" + digits(27), tx, refund_fen,
                            body.get("reason", ""), body.get("notify_url", ""), self._clock())
            self._refunds[(merchant.mchid, out_refund_no)] = refund
            tx.trade_state = "REFUND"
            answer = refund.as_api()
        if self._refund_delay is not None and not self._hold_refunds:
            generation = self._generation
            timer = threading.Timer(self._refund_delay, self._finish_refund_later, (refund, generation))
            timer.daemon = True
            timer.start()
        return answer

    def _refundable_transaction(self, merchant: Merchant, body: dict) -> Transaction:
        if body.get("out_trade_no"):
            tx = self._transactions.get((merchant.mchid, body["out_trade_no"]))
        else:
            tx = next((t for (mchid, _), t in self._transactions.items()
                       if mchid == merchant.mchid and t.transaction_id and t.transaction_id == body.get("transaction_id")), None)
        if tx is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if tx.trade_state not in PAID_STATES:
            raise ApiError(400, "INVALID_REQUEST", "订单未支付，不能退款")
        return tx

    def query_refund(self, merchant: Merchant, out_refund_no: str) -> dict:
        with self._lock:
            refund = self._refunds.get((merchant.mchid, out_refund_no))
            if refund is None:
                raise ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
            return refund.as_api()

    def trade_bill(self, merchant: Merchant, bill_date: str, bill_type: str, tar_type: str | None,
                   url_root: str) -> dict:
        try:
            day = date.fromisoformat(bill_date)
        except ValueError:
            raise ApiError(400, "PARAM_ERROR", "bill_date 格式应为 YYYY-MM-DD") from None
        if bill_type not in ("ALL", "SUCCESS", "REFUND") or tar_type not in (None, "GZIP"):
            raise ApiError(400, "PARAM_ERROR", "bill_type 或 tar_type 取值不合法")
        with self._lock:
            now = self._clock()
            rows = [row for row in self._bill_rows(merchant.mchid, day)
                    if bill_type == "ALL" or (bill_type == "REFUND") == row.is_refund]
            if day > now.astimezone(SHANGHAI).date() or not rows:
                raise ApiError(400, "NO_STATEMENT_EXIST", "账单文件不存在")
            raw = render(rows).encode()
            token = secrets.token_urlsafe(24)
            self._bills[token] = (merchant.mchid, gzip.compress(raw) if tar_type else raw, now + BILL_URL_VALIDITY)
        return {"hash_type": "SHA1", "hash_value": hashlib.sha1(raw).hexdigest(),
                "download_url": f"{url_root}v3/billdownload/file?token={token}"}

    def download_bill(self, merchant: Merchant, token: str) -> bytes:
        with self._lock:
            mchid, content, expires = self._bills.get(token, ("", b"", self._clock()))
            if mchid != merchant.mchid or self._clock() > expires:
                raise ApiError(400, "INVALID_REQUEST", "下载链接无效或已过期")
            return content

    def _bill_rows(self, mchid: str, day: date) -> list[BillRow]:
        def on_day(instant: datetime | None) -> bool:
            return instant is not None and instant.astimezone(SHANGHAI).date() == day

        def row(tx: Transaction, instant: datetime, state: str, **refund) -> BillRow:
            return BillRow(instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"), tx.request["appid"], mchid,
                           tx.transaction_id, tx.request["out_trade_no"], tx.request["payer"]["openid"], state,
                           tx.total, tx.request["description"], tx.request.get("attach", ""), **refund)

        rows = [row(tx, tx.success_time, "SUCCESS") for (owner, _), tx in self._transactions.items()
                if owner == mchid and on_day(tx.success_time)]
        rows += [row(r.transaction, r.success_time, "REFUND", refund_id=r.refund_id, out_refund_no=r.out_refund_no,
                     refund_fen=r.refund_fen, refund_status="SUCCESS")
                 for (owner, _), r in self._refunds.items() if owner == mchid and on_day(r.success_time)]
        return sorted(rows, key=lambda r: r.time)

    def _transaction(self, merchant: Merchant, out_trade_no: str) -> Transaction:
        tx = self._transactions.get((merchant.mchid, out_trade_no))
        if tx is None:
            raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
        return tx

    # -- dev-only control -------------------------------------------------------------------------

    def pay(self, prepay_id: str) -> dict:
        """The user pays: NOTPAY → SUCCESS, then the TRANSACTION.SUCCESS notification goes out."""
        with self._lock:
            tx = next((t for t in self._transactions.values() if t.prepay_id == prepay_id), None)
            if tx is None:
                raise ApiError(404, "PREPAY_NOT_FOUND", "unknown prepay_id")
            now = self._clock()
            if tx.trade_state != "NOTPAY":
                raise ApiError(409, "ORDER_PAID" if tx.trade_state in PAID_STATES else "ORDER_CLOSED", tx.trade_state)
            if now - tx.prepay_created > PREPAY_VALIDITY:
                raise ApiError(409, "PREPAY_EXPIRED", "prepay_id is valid for 2 hours")
            if tx.time_expire is not None and now > tx.time_expire:
                raise ApiError(409, "ORDER_EXPIRED", "time_expire has passed; the user can no longer pay")
            tx.trade_state, tx.transaction_id, tx.success_time = "SUCCESS", "4200" + digits(24), now
            resource = tx.as_api()
        self._notify(tx.request["mchid"], "TRANSACTION.SUCCESS", "支付成功", "transaction", resource,
                     tx.request["notify_url"])
        return resource

    def set_refund_result(self, out_refund_no: str, status: str) -> dict:
        if status not in REFUND_EVENTS:
            raise ApiError(400, "PARAM_ERROR", "status is SUCCESS, ABNORMAL or CLOSED")
        with self._lock:
            refund = next((r for (_, no), r in self._refunds.items() if no == out_refund_no), None)
            if refund is None:
                raise ApiError(404, "RESOURCE_NOT_EXISTS", "unknown out_refund_no")
            if refund.status != "PROCESSING":
                raise ApiError(409, "REFUND_FINISHED", refund.status)
            return self._finish_refund(refund, status)

    def _finish_refund(self, refund: Refund, status: str) -> dict:
        with self._lock:
            refund.status = status
            refund.success_time = self._clock() if status == "SUCCESS" else None
            answer, notification = refund.as_api(), refund.as_notification()
        if refund.notify_url:
            self._notify(refund.mchid, "REFUND." + status, REFUND_EVENTS[status], "refund", notification,
                         refund.notify_url)
        return answer

    def _finish_refund_later(self, refund: Refund, generation: int) -> None:
        with self._lock:
            if generation != self._generation or refund.status != "PROCESSING":
                return  # reset, or finished meanwhile through the control route
            self._finish_refund(refund, "SUCCESS")

    def _notify(self, mchid: str, event_type: str, summary: str, original_type: str, resource: dict,
                url: str) -> None:
        envelope = {"id": str(uuid.uuid4()), "create_time": rfc3339(self._clock()),
                    "resource_type": "encrypt-resource", "event_type": event_type, "summary": summary,
                    "resource": {"original_type": original_type,
                                 **encrypt_resource(self._merchants[mchid].apiv3_key, dumps(resource), original_type)}}
        self.outbox.submit(event_type, url, dumps(envelope), self.sign_headers)

    def set_faults(self, spec: dict) -> None:
        """Replace the injected faults; ``create_app``'s docstring shows the shape."""
        try:
            notification = NotificationFaults(duplicate=int(spec.get("duplicate", 0)),
                                              delay_seconds=float(spec.get("delay_seconds", 0)),
                                              drop=bool(spec.get("drop", False)),
                                              reorder=bool(spec.get("reorder", False)))
            calls = {name: call_fault(name, value) for name, value in dict(spec.get("fail_calls", {})).items()}
        except (TypeError, ValueError) as exc:
            raise ApiError(400, "PARAM_ERROR", f"bad fault spec: {exc}") from None
        with self._lock:
            self.outbox.faults, self._call_faults = notification, calls
            self._hold_refunds = bool(spec.get("hold_refunds", False))

    def take_call_fault(self, endpoint: str | None) -> CallFault | None:
        with self._lock:
            fault = self._call_faults.get(endpoint or "")
            if fault is not None:
                fault.count -= 1
                if fault.count <= 0:
                    del self._call_faults[endpoint]
            return fault

    def state(self) -> dict:
        with self._lock:
            return {"public_key_id": self.public_key_id, "merchants": sorted(self._merchants),
                    "transactions": [tx.as_api() | {"prepay_id": tx.prepay_id, "notify_url": tx.request["notify_url"]}
                                     for tx in self._transactions.values()],
                    "refunds": [r.as_api() for r in self._refunds.values()],
                    "notifications": self.outbox.deliveries(),
                    "faults": {"notifications": vars(self.outbox.faults), "hold_refunds": self._hold_refunds,
                               "fail_calls": {name: vars(f) for name, f in self._call_faults.items()}}}

    def reset(self) -> None:
        """Forget orders, refunds, bills, faults and pending notifications; merchants and keys stay."""
        with self._lock:
            self._generation += 1
            self._clear()
            self.outbox.reset()


def _json(status: int, value: object | None = None) -> Response:
    return Response("" if value is None else dumps(value), status=status, content_type="application/json; charset=utf-8")


def create_app(sim: WxPaySimulator) -> Flask:
    """The protocol routes under ``/v3`` plus dev-only ``/_control`` routes.

    Control: POST /_control/pay {"prepay_id"}; POST /_control/refund-result {"out_refund_no", "status"};
    POST /_control/faults {"duplicate": n, "delay_seconds": x, "drop": bool, "reorder": bool,
    "hold_refunds": bool, "fail_calls": {"<endpoint>": n | "timeout" | "bad_signature" | "<status>" |
    {"mode", "count", "status", "seconds", "code"}}} with endpoints jsapi, query, close, refund, query_refund,
    tradebill, billdownload; GET /_control/state; POST /_control/reset.
    """
    app = Flask(__name__)

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return _json(error.status, {"code": error.code, "message": error.message})

    @app.before_request
    def check_signature() -> None:
        if not request.path.startswith("/v3/"):
            return
        g.merchant = sim.authenticate(request.method, _signed_target(), request.get_data(as_text=True),
                                      request.headers.get("Authorization", ""))
        g.fault = sim.take_call_fault(request.endpoint)
        if g.fault and g.fault.mode == "error":
            raise ApiError(g.fault.status, g.fault.code, "系统错误" if g.fault.code == "SYSTEM_ERROR" else g.fault.code)
        if g.fault and g.fault.mode == "timeout":
            time.sleep(g.fault.seconds)

    @app.after_request
    def sign_answer(response: Response) -> Response:
        if not request.path.startswith("/v3/") or request.endpoint == "billdownload":
            return response  # the bill file is checked through its SHA1, not a signature
        headers = sim.sign_headers(response.get_data(as_text=True))
        if g.get("fault") and g.fault.mode == "bad_signature":
            headers["Wechatpay-Signature"] = sim.sign_headers("tampered")["Wechatpay-Signature"]
        response.headers.update(headers | {"Request-ID": str(uuid.uuid4())})
        return response

    @app.post("/v3/pay/transactions/jsapi", endpoint="jsapi")
    def jsapi() -> Response:
        return _json(200, sim.create_jsapi(g.merchant, _body()))

    @app.get("/v3/pay/transactions/out-trade-no/<out_trade_no>", endpoint="query")
    def query(out_trade_no: str) -> Response:
        return _json(200, sim.query(g.merchant, out_trade_no, request.args.get("mchid")))

    @app.post("/v3/pay/transactions/out-trade-no/<out_trade_no>/close", endpoint="close")
    def close(out_trade_no: str) -> Response:
        sim.close(g.merchant, out_trade_no, _body())
        return _json(204)

    @app.post("/v3/refund/domestic/refunds", endpoint="refund")
    def refund() -> Response:
        return _json(200, sim.create_refund(g.merchant, _body()))

    @app.get("/v3/refund/domestic/refunds/<out_refund_no>", endpoint="query_refund")
    def query_refund(out_refund_no: str) -> Response:
        return _json(200, sim.query_refund(g.merchant, out_refund_no))

    @app.get("/v3/bill/tradebill", endpoint="tradebill")
    def tradebill() -> Response:
        args = request.args
        return _json(200, sim.trade_bill(g.merchant, args.get("bill_date", ""), args.get("bill_type", "ALL"),
                                         args.get("tar_type"), request.url_root))

    @app.get("/v3/billdownload/file", endpoint="billdownload")
    def billdownload() -> Response:
        content = sim.download_bill(g.merchant, request.args.get("token", ""))
        return Response(content, status=200, content_type="application/octet-stream")

    @app.post("/pay")  # what the guest's tap on "pay" does (dev only)
    @app.post("/_control/pay")
    def control_pay() -> Response:
        return _json(200, sim.pay(str(_body().get("prepay_id", ""))))

    @app.post("/_control/refund-result")
    def control_refund_result() -> Response:
        body = _body()
        return _json(200, sim.set_refund_result(str(body.get("out_refund_no", "")), str(body.get("status", ""))))

    @app.post("/_control/faults")
    def control_faults() -> Response:
        sim.set_faults(_body())
        return _json(200, sim.state()["faults"])

    @app.get("/_control/state")
    def control_state() -> Response:
        return _json(200, sim.state())

    @app.post("/_control/reset")
    def control_reset() -> Response:
        sim.reset()
        return _json(200, {"reset": True})

    return app


def _signed_target() -> str:
    """Path and query exactly as the client sent them (still percent-encoded), below the mount point."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw and raw.startswith(request.script_root + "/"):
        return raw[len(request.script_root):]
    query = request.query_string.decode()
    return quote(request.path) + (f"?{query}" if query else "")


def _body() -> dict:
    data = request.get_json(force=True, silent=True) if request.get_data() else {}
    if not isinstance(data, dict):
        raise ApiError(400, "PARAM_ERROR", "请求体必须是 JSON 对象")
    return data
