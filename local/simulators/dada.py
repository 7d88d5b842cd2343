"""Dada (达达) open-platform simulator: the order API, riders that move on a timer, signed callbacks.

Checks the envelope signature as Dada does and answers in Dada's JSON shape. Riders ride a street-like path
from the shop to the customer while delivering (status 3), over ``ride_seconds``; where they are is told,
as by Dada, only by the status query (``transporterLat``/``transporterLng``): the callbacks carry none. The business error codes
below are the simulator's own choice (the real codes are not public in one place): clients must branch
on ``status`` and never on a code number. Dev routes: ``/_control/*`` (faults, speed, state, reset) and
``/riders`` (an HTML page of each simulated rider's progress).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests
from flask import Flask, Response, request

SIGN_ERROR, APP_KEY_UNKNOWN, PARAM_ERROR = 2003, 2002, 2004
ORDER_EXISTS, ORDER_NOT_FOUND, STATUS_FORBIDS = 2105, 2006, 2076
QUOTE_EXPIRED, TIP_TOO_LOW, SHOP_UNKNOWN, CITY_MISMATCH = 2160, 2052, 2402, 2011

STATUS_NAMES = {1: "待接单", 2: "待取货", 3: "配送中", 4: "已完成", 5: "已取消", 7: "已过期", 8: "指派单",
                9: "妥投异常之物品返回中", 10: "妥投异常之物品返回完成", 100: "骑士到店", 1000: "创建达达运单失败"}
HAPPY_PATH = {1: 2, 2: 100, 100: 3, 3: 4}
ENDED = {4, 5, 7, 10, 1000}
RE_ADDABLE = {5, 7, 9, 10, 1000}
CANCEL_REASONS = [{"id": 1, "reason": "没有配送员接单"}, {"id": 2, "reason": "配送员没来取货"},
                  {"id": 3, "reason": "配送员态度太差"}, {"id": 4, "reason": "顾客取消订单"},
                  {"id": 5, "reason": "订单填写错误"}, {"id": 34, "reason": "配送员让我取消此单"},
                  {"id": 35, "reason": "配送员不愿上门取货"}, {"id": 36, "reason": "我不需要配送了"},
                  {"id": 37, "reason": "配送员以各种理由表示无法完成订单"}, {"id": 10000, "reason": "其他"}]
RIDER_NAMES = ["张师傅", "李骑士", "王小明", "赵大勇", "陈晓东", "刘阳"]
ORDER_FIELDS = ("shop_no", "origin_id", "city_code", "cargo_price", "is_prepay", "receiver_name",
                "receiver_address", "receiver_lat", "receiver_lng", "callback")
QUOTE_LIFETIME_S = 180


class DadaFail(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg = code, msg


def sign_envelope(envelope: dict[str, Any], app_secret: str) -> str:
    joined = "".join(f"{k}{envelope[k]}" for k in sorted(envelope) if k != "signature")
    return hashlib.md5(f"{app_secret}{joined}{app_secret}".encode()).hexdigest().upper()


def sign_callback(client_id: str, order_id: str, update_time: str) -> str:
    return hashlib.md5("".join(sorted([client_id, order_id, update_time])).encode()).hexdigest()


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> int:
    """Straight line × 1.3 as a stand-in for the riding distance Dada reports."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return round(2 * 6_371_008.8 * math.asin(math.sqrt(h)) * 1.3)


def route(start: tuple[float, float], end: tuple[float, float]) -> list[tuple[float, float]]:
    """A street-like way from ``start`` to ``end`` in a city grid: along one street to the middle latitude,
    across on a cross street, then along again (not the straight line a bird would fly)."""
    middle = (start[0] + end[0]) / 2
    return [start, (middle, start[1]), (middle, end[1]), end]


def along(path: list[tuple[float, float]], progress: float) -> tuple[float, float]:
    """The point ``progress`` (0..1) of the way along ``path``, by length (degrees are fine at city scale)."""
    legs = list(itertools.pairwise(path))
    lengths = [math.dist(a, b) for a, b in legs]
    left = max(0.0, min(1.0, progress)) * sum(lengths)
    for (a, b), length in zip(legs, lengths, strict=True):
        if left <= length and length > 0:
            share = left / length
            return a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share
        left -= length
    return path[-1]


def _fee_for(distance_m: int) -> Decimal:
    """¥5 up to 3 km, then ¥1 per started km."""
    return Decimal(5 + max(0, math.ceil((distance_m - 3000) / 1000)))


def _clock_text(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch + 8 * 3600)) if epoch else ""


@dataclass
class SimOrder:
    origin_id: str
    client_id: str
    body: dict[str, Any]
    shop_point: tuple[float, float]
    distance_m: int
    fee: Decimal
    status: int = 1
    timeline: list[tuple[int, float]] = field(default_factory=list)
    rider: dict[str, Any] | None = None
    tips: Decimal = Decimal(0)
    deduct_fee: Decimal = Decimal(0)
    cancel_reason: str = ""
    cancel_from: int = 0
    generation: int = 0
    held_callback: dict[str, Any] | None = None

    @property
    def receiver_point(self) -> tuple[float, float]:
        return float(self.body["receiver_lat"]), float(self.body["receiver_lng"])

    def entered(self, status: int) -> float | None:
        return next((t for s, t in reversed(self.timeline) if s == status), None)


class DadaSimulator:
    """Thread-safe state of one simulated Dada account. ``step_seconds=None`` drives orders only through
    the QA routes; a number moves every order one step along 1 → 2 → 100 → 3 → 4 after that delay."""

    def __init__(self, app_key: str = "dada-app-key", app_secret: str = "dada-app-secret",
                 source_id: str = "73753", shops: dict[str, tuple[float, float]] | None = None,
                 step_seconds: float | None = 2.0, callback_timeout: float = 5.0,
                 ride_seconds: float | None = None, clock: Callable[[], float] = time.time) -> None:
        self.app_key, self.app_secret, self.source_id = app_key, app_secret, source_id
        self.shops = shops or {"11047059": (31.2304, 121.4737)}
        self.step_seconds, self.callback_timeout = step_seconds, callback_timeout
        self.ride_seconds = ride_seconds  # how long delivering (3 → 4) takes; None: one step like the others
        self.clock = clock  # epoch seconds: quotes' expiry, each step's time, where a delivering rider is
        self._lock = threading.RLock()
        self._http = requests.Session()
        self._numbers = itertools.count(1)
        self.orders: dict[str, SimOrder] = {}
        self.quotes: dict[str, tuple[dict[str, Any], float]] = {}
        self.faults: dict[str, Any] = {}
        self.callback_log: list[dict[str, Any]] = []

    def reset(self) -> None:
        """Forget every order, quote, fault and callback (pending timers find their order gone)."""
        with self._lock:
            self.orders, self.quotes, self.faults, self.callback_log = {}, {}, {}, []

    # --- envelope -----------------------------------------------------------------------------------

    def handle(self, path: str, raw: str) -> tuple[int, dict[str, Any] | str]:
        """One API call: faults, envelope check, then the operation. Returns (HTTP status, body)."""
        if self._take_fault("fail_calls"):
            return 503, "<html><body>503 Service Temporarily Unavailable</body></html>"
        slow = self._take_fault("slow_calls")
        try:
            envelope = json.loads(raw)
            if not isinstance(envelope, dict):
                raise DadaFail(PARAM_ERROR, "请求格式错误")
            self._check_envelope(envelope)
            body = json.loads(envelope["body"], parse_float=Decimal) if envelope["body"] else {}
            answer = {"status": "success", "code": 0, "msg": "成功", "result": OPERATIONS[path](self, body)}
        except DadaFail as fail:
            answer = {"status": "fail", "code": fail.code, "msg": fail.msg, "result": None, "errorCode": fail.code}
        except (ValueError, KeyError, TypeError) as exc:
            answer = {"status": "fail", "code": PARAM_ERROR, "msg": f"参数错误: {exc}", "result": None,
                      "errorCode": PARAM_ERROR}
        if slow:  # the work is done but the answer comes late: a client timeout must not lose the order
            time.sleep(float(self.faults.get("slow_seconds", 1.0)))
        return 200, answer

    def _check_envelope(self, envelope: dict[str, Any]) -> None:
        missing = [k for k in ("app_key", "timestamp", "format", "v", "source_id", "body", "signature")
                   if k not in envelope]
        if missing:
            raise DadaFail(PARAM_ERROR, f"缺少参数: {','.join(missing)}")
        if envelope["app_key"] != self.app_key:
            raise DadaFail(APP_KEY_UNKNOWN, "app_key无效")
        expected = sign_envelope({k: v for k, v in envelope.items() if k != "signature"}, self.app_secret)
        if not hmac.compare_digest(expected, str(envelope["signature"])):
            raise DadaFail(SIGN_ERROR, "签名错误")
        if str(envelope["source_id"]) != self.source_id:
            raise DadaFail(PARAM_ERROR, "source_id无效")

    def _take_fault(self, name: str) -> bool:
        with self._lock:
            left = int(self.faults.get(name, 0))
            if left > 0:
                self.faults[name] = left - 1
            return left > 0

    # --- operations ---------------------------------------------------------------------------------

    def query_deliver_fee(self, body: dict[str, Any]) -> dict[str, Any]:
        _, distance, fee = self._price(body)
        with self._lock:
            delivery_no = f"Dada{next(self._numbers):012d}"
            self.quotes[delivery_no] = (body, self.clock() + QUOTE_LIFETIME_S)
        tips = Decimal(str(body.get("tips", 0)))
        return {"deliveryNo": delivery_no, "distance": distance, "fee": fee + tips, "deliverFee": fee,
                "couponFee": 0, "tips": tips, "insuranceFee": 0, "expiredTime": int(self.clock()) + QUOTE_LIFETIME_S}

    def add_after_query(self, body: dict[str, Any]) -> None:
        with self._lock:
            quoted = self.quotes.pop(str(body["deliveryNo"]), None)
        if quoted is None or quoted[1] < self.clock():
            raise DadaFail(QUOTE_EXPIRED, "平台订单号不存在或已过期")
        self.add_order(quoted[0])

    def add_order(self, body: dict[str, Any]) -> dict[str, Any]:
        shop_point, distance, fee = self._price(body)
        with self._lock:
            if body["origin_id"] in self.orders:
                raise DadaFail(ORDER_EXISTS, "订单已存在")
            order = SimOrder(origin_id=body["origin_id"], client_id=str(next(self._numbers) + 10**14), body=body,
                             shop_point=shop_point, distance_m=distance, fee=fee,
                             tips=Decimal(str(body.get("tips", 0))))
            self.orders[order.origin_id] = order
        self._move(order.origin_id, 1)
        return {"distance": distance, "fee": fee + order.tips, "deliverFee": fee, "couponFee": 0,
                "tips": order.tips, "insuranceFee": 0}

    def re_add_order(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            order = self._order(body["origin_id"])
            if order.status not in RE_ADDABLE:
                raise DadaFail(STATUS_FORBIDS, "订单状态不允许重新发布")
            order.body, order.rider, order.cancel_reason, order.cancel_from = body, None, "", 0
        self._move(order.origin_id, 1)
        return {"distance": order.distance_m, "fee": order.fee + order.tips, "deliverFee": order.fee,
                "couponFee": 0, "tips": order.tips, "insuranceFee": 0}

    def status_query(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            order = self._order(body["order_id"])
            rider, point = order.rider or {}, self.rider_point(order)
            return {"orderId": order.origin_id, "statusCode": order.status, "statusMsg": STATUS_NAMES[order.status],
                    "transporterId": rider.get("id", 0), "transporterName": rider.get("name", ""),
                    "transporterPhone": rider.get("mobile", ""),
                    "transporterLat": f"{point[0]:.6f}" if point else "",
                    "transporterLng": f"{point[1]:.6f}" if point else "",
                    "deliveryFee": order.fee, "actualFee": order.fee + order.tips, "tips": order.tips,
                    "distance": order.distance_m, "deductFee": order.deduct_fee,
                    "createTime": _clock_text(order.entered(1)), "acceptTime": _clock_text(order.entered(2)),
                    "fetchTime": _clock_text(order.entered(3)), "finishTime": _clock_text(order.entered(4)),
                    "cancelTime": _clock_text(order.entered(5))}

    def formal_cancel(self, body: dict[str, Any]) -> dict[str, Any]:
        reason_id, reason = int(body["cancel_reason_id"]), str(body.get("cancel_reason", ""))
        if reason_id not in {r["id"] for r in CANCEL_REASONS} or (reason_id == 10000 and not reason.strip()):
            raise DadaFail(PARAM_ERROR, "取消原因无效")
        with self._lock:
            order = self._order(body["order_id"])
            if order.status not in (1, 8, 2, 100):
                raise DadaFail(STATUS_FORBIDS, "订单状态不允许取消")
            order.deduct_fee = Decimal(2) if order.status in (2, 100) else Decimal(0)  # rider already on the way
            order.cancel_reason = reason or next(r["reason"] for r in CANCEL_REASONS if r["id"] == reason_id)
            order.cancel_from = 2
        self._move(order.origin_id, 5)
        return {"deduct_fee": order.deduct_fee}

    def add_tip(self, body: dict[str, Any]) -> None:
        tips = Decimal(str(body["tips"]))
        if tips != tips.quantize(Decimal("0.1")) or tips <= 0:
            raise DadaFail(PARAM_ERROR, "小费金额精确到角")
        with self._lock:
            order = self._order(body["order_id"])
            if str(body["city_code"]) != str(order.body["city_code"]):
                raise DadaFail(CITY_MISMATCH, "城市编码与订单不符")
            if order.status not in (1, 8):
                raise DadaFail(STATUS_FORBIDS, "只有待接单的订单可以加小费")
            if tips <= order.tips:
                raise DadaFail(TIP_TOO_LOW, "小费必须大于上一次")
            order.tips = tips

    def cancel_reasons(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        return CANCEL_REASONS

    def qa_move(self, body: dict[str, Any], to: int, allowed_from: set[int]) -> None:
        """The QA sandbox's accept / fetch / finish / cancel / expire: one state change on demand."""
        with self._lock:
            order = self._order(body["order_id"])
            if order.status not in allowed_from:
                raise DadaFail(STATUS_FORBIDS, f"订单状态{order.status}不允许该操作")
            order.cancel_from, order.cancel_reason = (3, "客服取消") if to == 5 else (0, "")
        self._move(order.origin_id, to)

    # --- the state machine and its callbacks ---------------------------------------------------------

    def _order(self, origin_id: Any) -> SimOrder:
        order = self.orders.get(str(origin_id))
        if order is None:
            raise DadaFail(ORDER_NOT_FOUND, "订单不存在")
        return order

    def _price(self, body: dict[str, Any]) -> tuple[tuple[float, float], int, Decimal]:
        missing = [k for k in ORDER_FIELDS if body.get(k) in (None, "")]
        if missing or not (body.get("receiver_phone") or body.get("receiver_tel")):
            raise DadaFail(PARAM_ERROR, f"缺少参数: {','.join(missing) or 'receiver_phone'}")
        shop_point = self.shops.get(str(body["shop_no"]))
        if shop_point is None:
            raise DadaFail(SHOP_UNKNOWN, "门店不存在")
        distance = _distance_m(shop_point, (float(body["receiver_lat"]), float(body["receiver_lng"])))
        return shop_point, distance, _fee_for(distance)

    def _move(self, origin_id: str, status: int) -> None:
        """Enter ``status``, post its callback, and (when timed) schedule the next step."""
        with self._lock:
            order = self.orders.get(origin_id)
            if order is None:  # reset meanwhile
                return
            order.status, order.generation = status, order.generation + 1
            order.timeline.append((status, self.clock()))
            if status == 2 and order.rider is None:
                n = random.randrange(len(RIDER_NAMES))
                order.rider = {"id": 1000 + n, "name": RIDER_NAMES[n], "mobile": f"1{random.randrange(3, 10)}"
                               + f"{random.randrange(10**9):09d}"}
            batch = self._callbacks_for(order)
            if self.step_seconds is not None and status not in ENDED:
                delay = self._ride_seconds() if status == 3 else self.step_seconds
                timer = threading.Timer(delay, self._step, (origin_id, order.generation))
                timer.daemon = True
                timer.start()
        if batch:
            threading.Thread(target=self._post, args=(order.body["callback"], batch), daemon=True).start()

    def _step(self, origin_id: str, generation: int) -> None:
        with self._lock:
            order = self.orders.get(origin_id)
            if order is None or order.generation != generation or order.status in ENDED:
                return
            fault = next((f for f in ("cancel", "expire", "fail") if self.faults.get(f) == origin_id), None)
            if fault == "fail" and order.status not in (3, 9):
                fault = None  # a delivery can only fail once the rider has the goods
            if fault:
                self.faults.pop(fault)
            if fault == "cancel":
                order.cancel_from, order.cancel_reason = 3, "系统取消"
            next_status = {"cancel": 5, "expire": 7, "fail": 9}.get(fault) if fault else \
                (10 if order.status == 9 else HAPPY_PATH[order.status])
            self._move(origin_id, next_status)

    def _callbacks_for(self, order: SimOrder) -> list[dict[str, Any]]:
        update_time = str(int(order.timeline[-1][1]))
        payload: dict[str, Any] = {
            "client_id": order.client_id, "order_id": order.origin_id, "order_status": order.status,
            "cancel_reason": order.cancel_reason, "cancel_from": order.cancel_from,
            "update_time": int(update_time), "signature": sign_callback(order.client_id, order.origin_id, update_time)}
        if order.rider and order.status not in (1, 8):
            payload.update(dm_id=order.rider["id"], dm_name=order.rider["name"], dm_mobile=order.rider["mobile"])
        batch = [payload]
        if self.faults.get("reorder_callbacks"):  # hold one callback back and send it after the next one
            held, order.held_callback = order.held_callback, None
            if held:
                batch = [payload, held]
            elif order.status not in ENDED:
                order.held_callback, batch = payload, []
        return batch * (1 + int(self.faults.get("duplicate_callbacks", 0)))

    def _post(self, url: str, batch: list[dict[str, Any]]) -> None:
        for payload in batch:
            try:
                outcome: Any = self._http.post(url, json=payload, timeout=self.callback_timeout).status_code
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            with self._lock:
                self.callback_log.append({"origin_id": payload["order_id"], "order_status": payload["order_status"],
                                          "outcome": outcome, "at": self.clock()})

    def rider_point(self, order: SimOrder) -> tuple[float, float] | None:
        progress = self.progress(order)
        if order.rider is None or progress is None:
            return None
        return along(route(order.shop_point, order.receiver_point), progress)

    def progress(self, order: SimOrder) -> float | None:
        """How far along the shop → customer route the rider is (0..1); None before a rider takes the order.
        Without a timer (QA routes only) a delivering rider stands halfway."""
        if order.status == 3:
            ride = self._ride_seconds()
            if not ride:
                return 0.5
            return min(0.99, (self.clock() - (order.entered(3) or self.clock())) / ride)
        return {2: 0.0, 100: 0.0, 4: 1.0, 9: 0.5, 10: 0.0}.get(order.status)

    def _ride_seconds(self) -> float | None:
        return self.ride_seconds if self.ride_seconds is not None else self.step_seconds

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"step_seconds": self.step_seconds, "ride_seconds": self.ride_seconds, "faults": dict(self.faults),
                    "orders": {oid: {"client_id": o.client_id, "status": o.status, "distance_m": o.distance_m,
                                     "fee": str(o.fee), "tips": str(o.tips), "deduct_fee": str(o.deduct_fee),
                                     "timeline": [s for s, _ in o.timeline],
                                     "rider": o.rider and {"name": o.rider["name"],
                                                           "mobile": _mask(o.rider["mobile"])}}
                               for oid, o in self.orders.items()},
                    "callbacks": list(self.callback_log)}

    def add_faults(self, faults: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.faults.update(faults)
            return dict(self.faults)


def _qa(to: int, allowed_from: set[int]) -> Any:
    return lambda sim, body: sim.qa_move(body, to, allowed_from)


OPERATIONS: dict[str, Any] = {
    "/api/order/queryDeliverFee": DadaSimulator.query_deliver_fee,
    "/api/order/addAfterQuery": DadaSimulator.add_after_query,
    "/api/order/addOrder": DadaSimulator.add_order,
    "/api/order/reAddOrder": DadaSimulator.re_add_order,
    "/api/order/status/query": DadaSimulator.status_query,
    "/api/order/formalCancel": DadaSimulator.formal_cancel,
    "/api/order/addTip": DadaSimulator.add_tip,
    "/api/order/cancel/reasons": DadaSimulator.cancel_reasons,
    "/api/order/accept": _qa(2, {1, 8}),
    "/api/order/fetch": _qa(3, {2, 100}),
    "/api/order/finish": _qa(4, {3}),
    "/api/order/cancel": _qa(5, {1, 8, 2, 100, 3}),
    "/api/order/expire": _qa(7, {1, 8}),
}


def _mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def _json(body: Any, status: int = 200) -> Response:
    """Dada's answers are JSON numbers for yuan; Decimal amounts are written as numbers."""
    text = json.dumps(body, ensure_ascii=False, default=lambda value: float(value))
    return Response(text, status, mimetype="application/json")


def create_app(sim: DadaSimulator) -> Flask:
    app = Flask(__name__)

    @app.post("/api/<path:operation>")
    def api(operation: str) -> Response:
        path = f"/api/{operation}"
        if path not in OPERATIONS:
            return _json({"status": "fail", "code": 404, "msg": "接口不存在", "result": None, "errorCode": 404}, 404)
        status, body = sim.handle(path, request.get_data(as_text=True))
        return _json(body, status) if isinstance(body, dict) else Response(body, status, mimetype="text/html")

    @app.post("/_control/faults")
    def faults() -> Response:
        return _json(sim.add_faults(request.get_json(force=True) or {}))

    @app.post("/_control/speed")
    def speed() -> Response:
        """``step_seconds`` between statuses and ``ride_seconds`` for the ride itself (absent: one step)."""
        body = request.get_json(force=True) or {}
        sim.step_seconds, sim.ride_seconds = body.get("step_seconds"), body.get("ride_seconds")
        return _json({"step_seconds": sim.step_seconds, "ride_seconds": sim.ride_seconds})

    @app.get("/_control/state")
    def state() -> Response:
        return _json(sim.snapshot())

    @app.post("/_control/reset")
    def reset() -> Response:
        sim.reset()
        return _json({"reset": True})

    @app.get("/riders")
    def riders() -> Response:
        return Response(_riders_page(sim), mimetype="text/html")

    return app


def _riders_page(sim: DadaSimulator) -> str:
    cards = [_rider_card(sim, order) for order in reversed(list(sim.orders.values()))]
    return ("<!doctype html><html lang='zh'><head><meta charset='utf-8'><meta http-equiv='refresh' content='2'>"
            "<title>达达骑手 (simulated)</title><style>body{font-family:sans-serif;margin:1.5em}"
            ".card{border:1px solid #ccc;border-radius:8px;padding:.8em;margin:.6em 0;max-width:40em}"
            ".bar{background:#eee;border-radius:4px;height:14px}.bar div{background:#1e88e5;height:14px;"
            "border-radius:4px}.muted{color:#777;font-size:.9em}</style></head><body>"
            f"<h1>达达骑手 (simulated)</h1><p class='muted'>step: {sim.step_seconds}s · refreshes every 2 s</p>"
            + ("".join(cards) or "<p>No courier orders yet.</p>") + "</body></html>")


def _rider_card(sim: DadaSimulator, order: SimOrder) -> str:
    esc = html.escape
    timeline = " → ".join(f"{STATUS_NAMES[s]} {time.strftime('%H:%M:%S', time.gmtime(t + 8 * 3600))}"
                          for s, t in order.timeline)
    rider = (f"{esc(order.rider['name'])} · {esc(_mask(order.rider['mobile']))}" if order.rider
             else "waiting for a rider")
    percent = round((sim.progress(order) or 0) * 100)
    return (f"<div class='card'><b>{esc(order.origin_id)}</b> · {esc(STATUS_NAMES[order.status])}"
            f" · {order.distance_m} m · ¥{order.fee + order.tips}<br>{rider}"
            f"<div class='bar' title='shop → customer {percent}%'><div style='width:{percent}%'></div></div>"
            f"<div class='muted'>门店 ⟶ 顾客 {percent}%<br>{esc(timeline)}</div></div>")
