"""The WeChat subscribe message that tells a guest their order is ready for pickup (取餐通知).

Template ids and their keys are chosen per mini-program in the WeChat admin (订阅消息 → 选用模板), so the
deployment says which template key carries which value (``ReadyTemplate``). WeChat checks every value by the
type its key starts with (``thing1``, ``character_string2``, ``time3``, ...) and refuses the whole message
(errcode 47003) when one does not fit, so values are cut to the type's limit here, in characters (a CJK
character counts one): thing ≤ 20, character_string / number / letter ≤ 32, phrase ≤ 5 (Chinese only),
name ≤ 10, symbol ≤ 5, phone_number ≤ 17, car_number ≤ 8; time and date as ``2026-11-24 12:30``; no
control characters (line breaks) anywhere.

Who is told: a takeout guest, the one the counter calls. Delivery orders go with the rider; dine-in orders
always have a table (``validate_request``, table tabs) and are served at it, so a "come to the counter"
push would send the guest away from their food; staff-entered orders have no guest openid."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from diancan.domain.cart import OrderLine
from diancan.domain.clock import local
from diancan.domain.order import Order
from diancan.domain.tables import STAFF_PREFIX

PICKUP_NOTE = "请到取餐台取餐"
ELLIPSIS = "…"
VALUE_LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "phrase": 5, "name": 10,
                "symbol": 5, "phone_number": 17, "car_number": 8}
TIME_KINDS = ("time", "date")
TIME_FORMAT = "%Y-%m-%d %H:%M"
_KEY = re.compile(r"^([a-z_]+?)(\d+)$")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
What = Literal["pickup_no", "store", "dishes", "time", "note"]


def key_kind(key: str) -> str:
    """``character_string12`` → ``character_string``: the value type WeChat checks the key's value by."""
    match = _KEY.match(key)
    if not match or (match.group(1) not in VALUE_LIMITS and match.group(1) not in TIME_KINDS):
        raise ValueError(f"not a subscribe-message key WeChat knows: {key!r}")
    return match.group(1)


class ReadyTemplate(BaseModel):
    """The deployment's "order ready" template (the ``wechat`` secret's ``ready_template``): its id, which
    template key carries which value, the page the card opens and which mini-program version opens it."""

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


@dataclass(frozen=True)
class SubscribeMessage:
    touser: str
    template_id: str
    page: str
    state: str
    data: dict[str, str]  # template key → value, already within WeChat's limits


def skip_reason(order: Order) -> str | None:
    """Why this order's guest gets no pickup notice, or None when they do (see the module docstring)."""
    if not order.openid or order.openid.startswith(STAFF_PREFIX):
        return "no_guest"
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


def ready_message(order: Order, store_name: str, template: ReadyTemplate, at: datetime, tz: str) -> SubscribeMessage:
    """The "ready for pickup" message for ``order`` (whose guest ``skip_reason`` lets through)."""
    values: dict[str, str] = {
        "pickup_no": str(order.pickup_no), "store": store_name, "dishes": dish_summary(order.lines),
        "time": local(at, tz).strftime(TIME_FORMAT), "note": PICKUP_NOTE,
    }
    return SubscribeMessage(touser=order.openid, template_id=template.template_id,
                            page=f"{template.page}?order_id={order.order_id}", state=template.state,
                            data={key: fit(key, values[what]) for what, key in template.fields.items()})
