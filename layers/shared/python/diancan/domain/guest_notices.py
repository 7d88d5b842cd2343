"""The WeChat subscribe messages that tell a guest how their order goes: ready for pickup (取餐通知), accepted by
the store with an estimated time, delivered, refund completed. One kind per order status, each sent at most
once per order (its ``NOTICE#<KIND>`` record).

Template ids and their keys are chosen per mini-program in the WeChat admin (订阅消息 → 选用模板), so the
deployment says which template key carries which value (``NoticeTemplate``, one per kind). WeChat checks
every value by the type its key starts with (``thing1``, ``character_string2``, ``time3``, ...) and refuses
the whole message (errcode 47003) when one does not fit, so values are cut to the type's limit here, in
characters (a CJK character counts one): thing ≤ 20, character_string / number / letter ≤ 32, phrase ≤ 5
(Chinese only), name ≤ 10, amount (digits, optional 元) ≤ 14, symbol ≤ 5, phone_number ≤ 17,
car_number ≤ 8; time and date as ``2026-11-24 12:30``; no control characters (line breaks) anywhere.

"Out for delivery" (DELIVERING) goes to delivery guests when the rider picks the food up.

Who is told "ready": a takeout guest, the one the counter calls. Delivery orders go with the rider; dine-in
orders always have a table (``validate_request``, table tabs) and are served at it, so a "come to the
counter" push would send the guest away from their food. "Accepted" and "refunded" go to every guest,
"delivered" to delivery guests only. Staff-entered orders have no guest openid and get nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from diancan.domain.cart import OrderLine
from diancan.domain.clock import local
from diancan.domain.order import Order
from diancan.domain.tables import STAFF_PREFIX

PICKUP_NOTE = "请到取餐台取餐"
ELLIPSIS = "…"
VALUE_LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "phrase": 5, "name": 10,
                "amount": 14, "symbol": 5, "phone_number": 17, "car_number": 8}
TIME_KINDS = ("time", "date")
TIME_FORMAT = "%Y-%m-%d %H:%M"
_KEY = re.compile(r"^([a-z_]+?)(\d+)$")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
What = Literal["pickup_no", "store", "dishes", "time", "note", "status", "eta", "amount", "order_no"]

READY, ACCEPTED, DELIVERED, REFUNDED = "READY", "ACCEPTED", "DELIVERED", "REFUNDED"
DELIVERING = "DELIVERING"  # out for delivery: the rider picked the food up
KINDS = (READY, ACCEPTED, DELIVERING, DELIVERED, REFUNDED)
STATUS_WORDS = {READY: "请取餐", ACCEPTED: "商家已接单", DELIVERING: "配送中", DELIVERED: "已送达", REFUNDED: "退款成功"}
NOTES = {READY: PICKUP_NOTE, ACCEPTED: "商家已接单，正在为你准备", DELIVERING: "骑手已取餐，正在送往你处",
         DELIVERED: "订单已送达，请慢用", REFUNDED: "退款已原路退回"}
MINUTES_PER_ORDER_AHEAD = 3  # the estimate of an accepted order: base prep time + this per order ahead
BASE_PREP_MINUTES = 15


def key_kind(key: str) -> str:
    """``character_string12`` → ``character_string``: the value type WeChat checks the key's value by."""
    match = _KEY.match(key)
    if not match or (match.group(1) not in VALUE_LIMITS and match.group(1) not in TIME_KINDS):
        raise ValueError(f"not a subscribe-message key WeChat knows: {key!r}")
    return match.group(1)


class NoticeTemplate(BaseModel):
    """One message kind's template (the ``wechat`` secret's ``notice_templates[<KIND>]``; "ready" may still
    be given as ``ready_template``): its id, which template key carries which value, the page the card opens
    and which mini-program version opens it."""

    model_config = {"frozen": True}

    template_id: str = Field(min_length=1, max_length=128)
    fields: dict[What, str] = Field(min_length=1)
    page: str = Field("pages/index/index", max_length=256)  # ?order_id=<id> is added
    state: Literal["formal", "trial", "developer"] = "formal"

    @field_validator("fields")
    @classmethod
    def _known_keys(cls, fields: dict[str, str]) -> dict[str, str]:
        for key in fields.values():
            key_kind(key)
        return fields


ReadyTemplate = NoticeTemplate  # the name of the one template there was


@dataclass(frozen=True)
class SubscribeMessage:
    touser: str
    template_id: str
    page: str
    state: str
    data: dict[str, str]  # template key → value, already within WeChat's limits


def skip_reason(order: Order, kind: str = READY) -> str | None:
    """Why this order's guest gets no ``kind`` notice, or None when they do (see the module docstring)."""
    if not order.openid or order.openid.startswith(STAFF_PREFIX):
        return "no_guest"
    if kind in (ACCEPTED, REFUNDED):
        return None
    if kind in (DELIVERING, DELIVERED):
        return None if order.mode == "delivery" else "not_delivery"
    if order.mode != "takeout":
        return "delivery" if order.mode == "delivery" else "served_at_table"
    if order.pickup_no is None:
        return "no_pickup_number"
    return None


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut value ends with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def fit(key: str, value: str) -> str:
    """``value`` as WeChat accepts it for ``key``'s type."""
    kind = key_kind(key)
    value = "".join(ch for ch in value if ch.isprintable()).strip()
    if kind == "phrase":
        return "".join(_CHINESE.findall(value))[: VALUE_LIMITS[kind]]
    if kind in TIME_KINDS:
        return value
    if kind in ("thing", "name"):
        return cut(value, VALUE_LIMITS[kind])
    return value[: VALUE_LIMITS[kind]]  # codes and numbers: an ellipsis is not a digit or letter


def dish_summary(lines: list[OrderLine], limit: int = VALUE_LIMITS["thing"]) -> str:
    """``红烧肉×2`` for one line, ``红烧肉等5件`` for more; the name is cut so the count always shows."""
    if not lines:
        return ""
    first = lines[0]
    total = sum(line.qty for line in lines)
    suffix = f"×{first.qty}" if len(lines) == 1 else f"等{total}件"
    return cut(first.name, max(limit - len(suffix), 1)) + suffix


def estimated_ready(accepted_at: datetime, orders_ahead: int = 0) -> datetime:
    """A flat estimate (base preparation time plus a few minutes per order ahead), for a caller without the
    store's open tickets; guest_notify uses ``service_state.order_estimate``."""
    return accepted_at + timedelta(minutes=BASE_PREP_MINUTES + MINUTES_PER_ORDER_AHEAD * max(orders_ahead, 0))


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}元"


def notice_message(kind: str, order: Order, store_name: str, template: NoticeTemplate, at: datetime, tz: str,
                   *, amount_fen: int | None = None, orders_ahead: int = 0,
                   ready_at: datetime | None = None) -> SubscribeMessage:
    """The ``kind`` message for ``order`` (whose guest ``skip_reason`` lets through). ``at`` is when the
    status changed; ``amount_fen`` the refund; ``ready_at`` the accepted order's estimate from the kitchen's
    open tickets (domain/service_state.py), else a flat one from ``orders_ahead``."""
    eta = local(ready_at or estimated_ready(at, orders_ahead), tz).strftime(TIME_FORMAT) if kind == ACCEPTED else ""
    values: dict[str, str] = {
        "pickup_no": str(order.pickup_no or ""), "store": store_name, "dishes": dish_summary(order.lines),
        "time": local(at, tz).strftime(TIME_FORMAT), "note": NOTES[kind], "status": STATUS_WORDS[kind],
        "eta": eta, "order_no": order.order_id,
        "amount": yuan(order.total_fen if amount_fen is None else amount_fen),
    }
    return SubscribeMessage(touser=order.openid, template_id=template.template_id,
                            page=f"{template.page}?order_id={order.order_id}", state=template.state,
                            data={key: fit(key, values[what]) for what, key in template.fields.items()})


def ready_message(order: Order, store_name: str, template: NoticeTemplate, at: datetime, tz: str) -> SubscribeMessage:
    """The "ready for pickup" message for ``order`` (whose guest ``skip_reason`` lets through)."""
    return notice_message(READY, order, store_name, template, at, tz)
