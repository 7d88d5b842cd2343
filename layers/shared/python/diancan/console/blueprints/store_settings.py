"""Store delivery, device, order-limit, pre-order, unaccepted-order and kitchen settings
(``Store.settings["delivery"]``, ``["print_when"]``, ``["limits"]``, ``["preorder"]``, ``["unaccepted"]`` and
``["kitchen"]``: busy mode's limit, preparation time), the ones the quote, courier and printing services read with
the profile. Checked by the domain's ``StoreDelivery``, ``PrintWhen``, ``OrderLimits``, ``PreorderSettings``,
``AcceptTimeouts`` and ``KitchenSettings``, written with ``Repository.update_store`` under the ``updated_at`` token read with the form (a
concurrent edit is 409 STORE_CHANGED); every other setting and profile field is kept. A field the request
does not carry keeps its current value, so a script may change only the radius.

Form text: the polygon is one ``lat,lng`` point a line; fee tiers are ``up_to_m-fee_fen`` separated by commas
or new lines (``1000-300, 3000-500``: ¥3 up to 1 km, ¥5 up to 3 km)."""

from __future__ import annotations

import re

from flask import Blueprint, render_template, url_for
from pydantic import ValidationError

from diancan.console.blueprints.common import answer, console, fen_field, form_or_json, store_of
from diancan.console.security import audit, requires, wants_json
from diancan.domain.acceptance import AcceptTimeouts
from diancan.domain.delivery_settings import CourierChoice, DispatchWhen, StoreDelivery
from diancan.domain.errors import InvalidRequest
from diancan.domain.inputs import whole_number
from diancan.domain.menu import Store
from diancan.domain.order_limits import OrderLimits
from diancan.domain.preorders import PreorderSettings
from diancan.domain.printing import PrintWhen
from diancan.domain.service_state import KitchenSettings
from diancan.domain.setup import area_preview
from diancan.domain.staff import Action

bp = Blueprint("store_settings", __name__)
TIER = re.compile(r"^\s*([0-9]{1,9})\s*-\s*([0-9]{1,9})\s*$")
POINT = re.compile(r"^\s*(-?\d{1,3}(?:\.\d{1,12})?)\s*[,，]\s*(-?\d{1,3}(?:\.\d{1,12})?)\s*$", re.ASCII)
PLAIN = ("courier", "dispatch_when", "dada_shop_no", "city_code", "fee_source")


def _bad(field: str, zh: str) -> InvalidRequest:
    return InvalidRequest(f"{field} is not valid", zh, code="INVALID_STORE_SETTINGS", details={"field": field})


def _tiers(raw) -> list:
    """JSON ``[[up_to_m, fee_fen], ...]`` or the form's ``3000-300, 5000-500``."""
    if isinstance(raw, list):
        return raw
    tiers = []
    for part in re.split(r"[,，\n]", str(raw or "")):
        if part.strip():
            found = TIER.match(part)
            if not found:
                raise _bad("tiers", "配送费格式：距离米数-费用分，如 3000-300, 5000-500")
            tiers.append([int(found[1]), int(found[2])])
    return tiers


def _polygon(raw) -> list | None:
    """JSON ``[[lat, lng], ...]`` or the form's one ``lat,lng`` a line; None when empty."""
    if isinstance(raw, list):
        return raw or None
    points = []
    for line in str(raw or "").splitlines():
        if line.strip():
            found = POINT.match(line)
            if not found:
                raise _bad("polygon", "配送范围多边形：每行一个点“纬度,经度”")
            points.append([float(found[1]), float(found[2])])
    return points or None


def _area(data: dict, current: dict) -> dict:
    if "radius_m" not in data and "polygon" not in data:
        return current.get("area", {})
    radius = str(data.get("radius_m") or "").strip()
    if radius and whole_number(radius) is None:
        raise _bad("radius_m", "配送半径请填写整数米数")
    return {"radius_m": whole_number(radius), "polygon": _polygon(data.get("polygon"))}


def _fees(data: dict, current: dict) -> dict:
    fees = dict(current.get("fees", {}))
    if "tiers" in data:
        fees["tiers"] = _tiers(data["tiers"])
    for name in ("free_from", "minimum_order"):
        if f"{name}_fen" in data or f"{name}_yuan" in data:
            amount = fen_field(data, name)  # empty: never free / no minimum
            fees[f"{name}_fen"] = 0 if amount is None and name == "minimum_order" else amount
    return fees


def settings_from(data: dict, store: Store) -> dict:
    """The store's settings with the form's delivery and printing over them, checked by the domain models."""
    current = store.settings.get("delivery") or {}
    delivery = {**current, "area": _area(data, current), "fees": _fees(data, current),
                **{f: str(data[f]).strip() for f in PLAIN if f in data}}
    try:
        checked = StoreDelivery.model_validate(delivery)
    except ValidationError as error:
        raise InvalidRequest("delivery settings", "配送设置有误：" + "；".join(e["msg"] for e in error.errors()),
                             code="INVALID_STORE_SETTINGS",
                             details={"fields": sorted({".".join(map(str, e["loc"][:2])) for e in error.errors()})}
                             ) from None
    print_when = str(data.get("print_when", store.settings.get("print_when", PrintWhen.PAYMENT)))
    if print_when not in set(PrintWhen):
        raise _bad("print_when", "打印时机只能是 付款后 / 接单后 / 手动")
    return {**store.settings, "delivery": checked.model_dump(mode="json"), "print_when": print_when,
            "limits": _limits(data, store).model_dump(), "preorder": _preorder(data, store).model_dump(),
            "kitchen": _kitchen(data, store).model_dump(), "unaccepted": _unaccepted(data, store).model_dump()}


PREORDER_FIELDS = ("lead_takeout_minutes", "lead_delivery_minutes", "slot_capacity")


def _preorder(data: dict, store: Store) -> PreorderSettings:
    """The kitchen's lead time per mode (minutes before the pickup or delivery time) and the pre-orders one
    15-minute slot takes, as typed (whole numbers); a field not sent keeps its value."""
    current = PreorderSettings.of(store)
    typed = _whole_numbers(data, {"lead_takeout_minutes": current.lead_minutes["takeout"],
                                  "lead_delivery_minutes": current.lead_minutes["delivery"],
                                  "slot_capacity": current.slot_capacity}, PREORDER_FIELDS, "预约设置请填写整数")
    try:
        return PreorderSettings.model_validate({
            "lead_minutes": {"takeout": typed["lead_takeout_minutes"], "delivery": typed["lead_delivery_minutes"]},
            "slot_capacity": typed["slot_capacity"]})
    except ValidationError:
        raise InvalidRequest("pre-order settings out of range", "预约设置超出范围（备餐提前0-1440分钟，每时段0-500单）",
                             code="INVALID_STORE_SETTINGS", details={"fields": ["preorder"]}) from None


KITCHEN_FIELDS = {"busy_ticket_limit": "busy_ticket_limit", "busy_slot_factor": "busy_slot_factor",
                  "default_prep_minutes": "default_prep_minutes", "kitchen_lanes": "lanes"}


def _kitchen(data: dict, store: Store) -> KitchenSettings:
    """Busy mode's automatic limit and slot factor, the default preparation time and the kitchen's lanes; a
    field not sent keeps its value, an empty ``busy_ticket_limit`` turns automatic busy mode off."""
    kitchen = KitchenSettings.of(store).model_dump()
    for given, name in KITCHEN_FIELDS.items():
        if given in data:
            raw = data[given]
            kitchen[name] = None if isinstance(raw, str) and not raw.strip() and name == "busy_ticket_limit" else raw
    try:
        return KitchenSettings.model_validate(kitchen)
    except ValidationError:
        raise InvalidRequest("kitchen settings out of range",
                             "后厨设置超出范围（自动忙碌小票数1-1000，忙碌时预约容量比例0-1，"
                             "默认制作时间1-240分钟，同时制作1-50单）",
                             code="INVALID_STORE_SETTINGS", details={"fields": ["kitchen"]}) from None


def _whole_numbers(data: dict, current: dict, names: tuple[str, ...], not_whole_zh: str) -> dict:
    """``current`` with each of ``names`` that was sent (whole numbers only); a field not sent keeps its value."""
    values = dict(current)
    for name in names:
        raw = str(data.get(name, "")).strip()
        if raw:
            number = whole_number(raw)
            if number is None:
                raise _bad(name, not_whole_zh)
            values[name] = number
    return values


def _unaccepted(data: dict, store: Store) -> AcceptTimeouts:
    """Minutes before the alarm and the automatic refund of an order nobody accepts (whole numbers, alarm first);
    a field not sent keeps its value."""
    timeouts = _whole_numbers(data, AcceptTimeouts.of(store).model_dump(), ("alarm_after_min", "cancel_after_min"),
                              "无人接单的提醒和自动取消请填写整数分钟")
    try:
        return AcceptTimeouts.model_validate(timeouts)
    except ValidationError:
        raise InvalidRequest("unaccepted-order minutes out of range", "无人接单：提醒1-120分钟，自动取消2-240分钟，且提醒早于取消",
                             code="INVALID_STORE_SETTINGS", details={"fields": ["unaccepted"]}) from None


def _limits(data: dict, store: Store) -> OrderLimits:
    """``max_line_qty`` and ``max_order_qty`` as typed (whole numbers); a field not sent keeps its value."""
    limits = _whole_numbers(data, OrderLimits.of(store).model_dump(), ("max_line_qty", "max_order_qty"),
                            "点单数量上限请填写整数")
    try:
        return OrderLimits.model_validate(limits)
    except ValidationError:
        raise InvalidRequest("order limits out of range", "点单数量上限超出范围（每个菜品1-99份，每单1-4950份）",
                             code="INVALID_STORE_SETTINGS", details={"fields": ["limits"]}) from None


def _form_text(delivery: dict) -> dict:
    area, fees = delivery.get("area", {}), delivery.get("fees", {})
    return {"radius_m": area.get("radius_m") or "",
            "polygon": "\n".join(f"{lat},{lng}" for lat, lng in area.get("polygon") or ()),
            "tiers": ", ".join(f"{up_to}-{fee}" for up_to, fee in fees.get("tiers", ())),
            "free_from_fen": fees.get("free_from_fen"), "minimum_order_fen": fees.get("minimum_order_fen", 0)}


@bp.get("/s/<store_id>/store/settings")
@requires(Action.STORE_EDIT)
def page(store_id: str):
    store, updated_at = console().repository.store_for_update(store_of(store_id).store_id)
    delivery = store.settings.get("delivery") or {}
    print_when = store.settings.get("print_when", PrintWhen.PAYMENT)
    limits = OrderLimits.of(store).model_dump()
    preorder = PreorderSettings.of(store).model_dump()
    kitchen = KitchenSettings.of(store).model_dump()
    unaccepted = AcceptTimeouts.of(store).model_dump()
    if wants_json():
        return {"delivery": delivery, "print_when": print_when, "limits": limits, "preorder": preorder,
                "kitchen": kitchen, "unaccepted": unaccepted, "updated_at": updated_at}
    area = delivery.get("area", {})
    preview = area_preview(store.lat, store.lng, area.get("radius_m"), area.get("polygon"))
    return render_template("store_settings.html", store=store, updated_at=updated_at or "", delivery=delivery,
                           text=_form_text(delivery), preview=preview, print_when=print_when, limits=limits,
                           preorder=preorder, kitchen=kitchen, unaccepted=unaccepted, couriers=list(CourierChoice),
                           dispatch=list(DispatchWhen), print_whens=list(PrintWhen))


@bp.post("/s/<store_id>/store/settings")
@requires(Action.STORE_EDIT)
def save(store_id: str):
    data = form_or_json()
    current, _ = console().repository.store_for_update(store_of(store_id).store_id)
    settings = settings_from(data, current)
    updated_at = console().repository.update_store(current.model_copy(update={"settings": settings}),
                                                   str(data.get("updated_at") or "") or None)
    changed = [k for k in ("delivery", "print_when", "limits", "preorder", "kitchen", "unaccepted")
               if current.settings.get(k) != settings[k]]
    audit("store.settings", store_id, "settings", changed=changed, area=settings["delivery"]["area"],
          print_when=settings["print_when"], limits=settings["limits"], preorder=settings["preorder"],
          kitchen=settings["kitchen"], unaccepted=settings["unaccepted"])
    return answer({"store_id": store_id, "changed": changed, "updated_at": updated_at},
                  url_for("store_settings.page", store_id=store_id))
