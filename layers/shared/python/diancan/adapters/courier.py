"""Same-city courier platforms behind one port; Dada (达达 / 京东秒送) speaks its public open API.

Another platform (SF 同城) is one more file with a class that satisfies ``diancan.services.ports.Courier``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

import requests

from diancan.domain.delivery import (
    CourierBooking,
    CourierOrder,
    CourierQuote,
    CourierStatus,
    CourierTracking,
    CourierUpdate,
    GeoPoint,
    Rider,
)
from diancan.domain.exceptions import CallbackRejected, CourierError, CourierUnavailable
from diancan.domain.inputs import same_secret, strict_json
from diancan.domain.money import Fen

logger = logging.getLogger(__name__)

DADA_PRODUCTION = "https://newopen.imdada.cn"
DADA_SANDBOX = "http://newopen.qa.imdada.cn"
DADA_CANCEL_OTHER = 10000  # the reason id that needs a written reason


def fen_to_yuan(fen: Fen) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def yuan_to_fen(amount: Any) -> Fen:
    """Yuan as the platform wrote it (parsed as Decimal, never float) → whole fen, half up."""
    return int((Decimal(str(amount or 0)) * 100).to_integral_value(ROUND_HALF_UP))


def _json_number(amount: Decimal) -> float:
    """The JSON carrier for a yuan Decimal. Python writes floats as their shortest round-trip text, which
    equals the decimal for any amount of 2 decimals below 10^13; the check proves it for each value."""
    carried = float(amount)
    if Decimal(repr(carried)) != amount:
        raise ValueError(f"{amount} cannot be written exactly as a JSON number")
    return carried


def dada_signature(envelope: Mapping[str, str], app_secret: str) -> str:
    """Uppercase MD5 hex of app_secret + key1value1key2value2… (keys sorted, signature left out) + app_secret."""
    joined = "".join(f"{k}{envelope[k]}" for k in sorted(envelope) if k != "signature")
    return hashlib.md5(f"{app_secret}{joined}{app_secret}".encode()).hexdigest().upper()


def dada_callback_signature(client_id: str, order_id: str, update_time: str) -> str:
    """The classic callback scheme: the three values sorted as strings, joined, lowercase MD5 hex."""
    return hashlib.md5("".join(sorted([client_id, order_id, update_time])).encode()).hexdigest()


class DadaCourier:
    """Dada open API. Every call is one signed JSON envelope; ``status != "success"`` is a CourierError.

    Callbacks carry no secret in Dada's classic scheme, so with ``callback_secret`` set, ``callback_url``
    adds a per-order HMAC token to the URL given to Dada and ``verify_callback`` requires it. Callbacks are
    not refused for age: Dada retries late and update_time is when the status changed, not when it was
    sent; replays are harmless because ``DeliveryHistory.apply`` is idempotent.
    """

    name = "dada"
    callback_ack: Mapping[str, Any] = MappingProxyType({"status": "ok"})

    def __init__(self, app_key: str, app_secret: str, source_id: str, shop_no: str,
                 api_base: str = DADA_PRODUCTION, timeout: float | tuple[float, float] = (1.5, 3.0), *,
                 callback_secret: str = "", session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._app_key, self._app_secret, self._source_id = app_key, app_secret, source_id
        self._shop_no, self._api_base, self._timeout = shop_no, api_base.rstrip("/"), timeout
        self._callback_secret = callback_secret.encode()
        self._session = session or requests.Session()
        self._clock = clock

    # --- calls --------------------------------------------------------------------------------------

    def quote(self, order: CourierOrder) -> CourierQuote:
        result = self._call("/api/order/queryDeliverFee", self._order_body(order), order.origin_id)
        expires = result.get("expiredTime")  # [unverified] epoch seconds; the doc says the number lives 3 min
        return CourierQuote(origin_id=order.origin_id, platform_order_no=str(result["deliveryNo"]),
                            fee_fen=yuan_to_fen(result.get("fee")), distance_m=int(result.get("distance") or 0),
                            expires_at=datetime.fromtimestamp(int(expires), UTC) if expires else
                            datetime.fromtimestamp(self._clock(), UTC) + timedelta(minutes=3))

    def place(self, quote_or_order: CourierQuote | CourierOrder) -> CourierBooking:
        if isinstance(quote_or_order, CourierOrder):
            return self.add_order(quote_or_order)
        quote = quote_or_order
        self._call("/api/order/addAfterQuery", {"deliveryNo": quote.platform_order_no}, quote.origin_id)
        return CourierBooking(origin_id=quote.origin_id, fee_fen=quote.fee_fen, distance_m=quote.distance_m,
                              platform_order_no=quote.platform_order_no)

    def add_order(self, order: CourierOrder) -> CourierBooking:
        """Create the delivery. Dada refuses a second addOrder for a live origin_id, so when a retry (after
        a timeout whose request did land) is refused, a live order found by status counts as booked."""
        try:
            return self._booking(order.origin_id, self._call("/api/order/addOrder", self._order_body(order),
                                                             order.origin_id))
        except CourierError as refusal:
            tracking = self._live_tracking(order.origin_id)
            if tracking is None:
                raise refusal from None
            logger.info("courier order already live", extra={"origin_id": order.origin_id, "code": refusal.code})
            return CourierBooking(origin_id=order.origin_id, fee_fen=tracking.fee_fen,
                                  distance_m=tracking.distance_m,
                                  platform_order_no=tracking.update.platform_order_no)

    def _live_tracking(self, origin_id: str) -> CourierTracking | None:
        try:
            tracking = self.status(origin_id)
        except CourierError:
            return None
        return None if tracking.update.status.terminal else tracking

    def re_add(self, order: CourierOrder) -> CourierBooking:
        return self._booking(order.origin_id, self._call("/api/order/reAddOrder", self._order_body(order),
                                                         order.origin_id))

    def status(self, origin_id: str) -> CourierTracking:
        r = self._call("/api/order/status/query", {"order_id": origin_id}, origin_id)
        rider = Rider(rider_id=str(r.get("transporterId") or ""), name=r.get("transporterName") or "",
                      phone=r.get("transporterPhone") or "") if r.get("transporterName") else None
        lat, lng = r.get("transporterLat"), r.get("transporterLng")
        update = CourierUpdate(origin_id=origin_id, status=CourierStatus.from_dada(r["statusCode"]),
                               platform_status=int(r["statusCode"]), at=datetime.fromtimestamp(self._clock(), UTC),
                               rider=rider)
        return CourierTracking(update=update, fee_fen=yuan_to_fen(r.get("actualFee", r.get("deliveryFee"))),
                               tip_fen=yuan_to_fen(r.get("tips")), distance_m=int(r.get("distance") or 0),
                               rider_point=GeoPoint(float(lat), float(lng)) if lat and lng else None)

    def cancel(self, origin_id: str, reason_id: int, reason: str = "") -> Fen:
        """Cancel; returns the penalty Dada deducts (fen). Reason id 10000 (other) needs ``reason``."""
        if reason_id == DADA_CANCEL_OTHER and not reason.strip():
            raise ValueError("cancel reason 10000 (other) needs a written reason")
        body: dict[str, Any] = {"order_id": origin_id, "cancel_reason_id": reason_id}
        if reason:
            body["cancel_reason"] = reason
        return yuan_to_fen((self._call("/api/order/formalCancel", body, origin_id) or {}).get("deduct_fee"))

    def add_tip(self, origin_id: str, tip_fen: Fen, city_code: str, info: str = "") -> None:
        """Set the tip to ``tip_fen`` in total (Dada keeps the latest, which must exceed the previous one)."""
        if tip_fen <= 0 or tip_fen % 10:
            raise ValueError("Dada tips are whole jiao (multiples of 10 fen) and positive")
        body: dict[str, Any] = {"order_id": origin_id, "tips": _json_number(fen_to_yuan(tip_fen)),
                                "city_code": city_code}
        if info:
            body["info"] = info
        self._call("/api/order/addTip", body, origin_id)

    # --- callbacks ----------------------------------------------------------------------------------

    def callback_url(self, base_url: str, origin_id: str) -> str:
        """The status URL to give Dada for one order (with its token when ``callback_secret`` is set)."""
        if not self._callback_secret:
            return base_url
        separator = "&" if "?" in base_url else "?"
        return f"{base_url}{separator}{urlencode({'token': self._callback_token(origin_id)})}"

    def verify_callback(self, body: str | bytes | Mapping[str, Any],
                        query: Mapping[str, str] | None = None) -> CourierUpdate:
        try:
            payload = body if isinstance(body, Mapping) else strict_json(body)
        except ValueError:
            raise CallbackRejected("Callback body is not JSON") from None
        if not isinstance(payload, Mapping):
            raise CallbackRejected("Callback body is not a JSON object")
        missing = [k for k in ("client_id", "order_id", "update_time", "order_status", "signature")
                   if payload.get(k) is None]
        if missing:
            raise CallbackRejected(f"Callback lacks {', '.join(missing)}", details={"missing": missing})
        client_id, order_id, update_time = (_text(payload[k]) for k in ("client_id", "order_id", "update_time"))
        expected = dada_callback_signature(client_id, order_id, update_time)
        if not same_secret(_text(payload["signature"]).lower(), expected):
            raise CallbackRejected("Callback signature does not match")
        if self._callback_secret and not same_secret(str((query or {}).get("token", "")),
                                                     self._callback_token(order_id)):
            raise CallbackRejected("Callback URL token does not match the order")
        try:
            status = CourierStatus.from_dada(payload["order_status"])
            at = _epoch(update_time)
        except ValueError as exc:
            raise CallbackRejected(str(exc)) from None
        rider = (Rider(rider_id=_text(payload.get("dm_id") or ""), name=_text(payload.get("dm_name") or ""),
                       phone=_text(payload.get("dm_mobile") or ""))
                 if payload.get("dm_name") or payload.get("dm_id") else None)
        return CourierUpdate(origin_id=order_id, status=status, at=at, platform_status=int(payload["order_status"]),
                             platform_order_no=client_id, rider=rider,
                             cancel_reason=_text(payload.get("cancel_reason") or ""))

    # --- plumbing -----------------------------------------------------------------------------------

    def _callback_token(self, origin_id: str) -> str:
        return hmac.new(self._callback_secret, origin_id.encode(), hashlib.sha256).hexdigest()[:32]

    def _order_body(self, order: CourierOrder) -> dict[str, Any]:
        body: dict[str, Any] = {
            "shop_no": order.shop_no or self._shop_no, "origin_id": order.origin_id,
            "city_code": order.city_code, "cargo_price": _json_number(fen_to_yuan(order.cargo_fen)),
            "is_prepay": 0, "receiver_name": order.receiver_name, "receiver_address": order.receiver_address,
            "receiver_lat": order.receiver_point.lat, "receiver_lng": order.receiver_point.lng,
            "receiver_phone": order.receiver_phone, "callback": order.callback_url,
            "cargo_weight": _json_number(order.cargo_weight_kg), "cargo_type": 1,  # 1 = food (餐饮)
        }
        optional = {"info": order.info, "origin_mark_no": order.pickup_mark,
                    "tips": _json_number(fen_to_yuan(order.tip_fen)) if order.tip_fen else None}
        body.update({k: v for k, v in optional.items() if v})
        return body

    def _booking(self, origin_id: str, result: Mapping[str, Any] | None) -> CourierBooking:
        result = result or {}
        return CourierBooking(origin_id=origin_id, fee_fen=yuan_to_fen(result.get("fee")),
                              distance_m=int(result.get("distance") or 0))

    def _envelope(self, body: Mapping[str, Any] | None) -> dict[str, str]:
        envelope = {"app_key": self._app_key, "timestamp": str(int(self._clock())), "format": "json", "v": "1.0",
                    "source_id": self._source_id,
                    "body": json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body else ""}
        envelope["signature"] = dada_signature(envelope, self._app_secret)
        return envelope

    def _call(self, path: str, body: Mapping[str, Any] | None, origin_id: str = "") -> Any:
        started = time.monotonic()
        log = {"courier": self.name, "path": path, "origin_id": origin_id}
        try:
            response = self._session.post(self._api_base + path, json=self._envelope(body), timeout=self._timeout)
        except requests.RequestException as exc:
            logger.warning("courier call failed", extra={**log, "error": type(exc).__name__})
            raise CourierUnavailable(f"Dada {path}: {type(exc).__name__}") from exc
        log.update(http_status=response.status_code, elapsed_ms=round((time.monotonic() - started) * 1000))
        try:
            answer = json.loads(response.text, parse_float=Decimal)
        except ValueError:
            answer = None
        if response.status_code >= 500 or response.status_code == 429 or not isinstance(answer, dict):
            logger.warning("courier unavailable", extra=log)
            raise CourierUnavailable(f"Dada {path}: HTTP {response.status_code}")
        if answer.get("status") != "success":
            code = answer.get("code", answer.get("errorCode", "UNKNOWN"))
            logger.warning("courier refused", extra={**log, "code": code})
            raise CourierError(code, str(answer.get("msg", "")))
        logger.info("courier call", extra=log)
        return answer.get("result")


def _text(value: Any) -> str:
    """A callback value as Dada turned it into text for signing (integers without a decimal point)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _epoch(update_time: str) -> datetime:
    """Dada sends seconds, except for status 1000 (order creation failed), which comes in milliseconds."""
    value = Decimal(update_time)
    return datetime.fromtimestamp(float(value / 1000 if value > 10**11 else value), UTC)
