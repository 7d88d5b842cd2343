"""Store profile and opening hours (managers for their stores, owners for all): validated by the domain's
``Store``/``OpeningPeriod``, written with ``Repository.update_store`` under the ``updated_at`` token read with
the form, so a concurrent edit is refused (409 STORE_CHANGED) instead of lost; ``settings`` and every field
the form does not show are kept. Hours as text are one period a line: ``一二三四五 10:00-22:00`` (close ≤ open
runs past midnight, equal times are around the clock)."""

from __future__ import annotations

import re

from flask import Blueprint, render_template, url_for
from pydantic import ValidationError

from diancan.console.blueprints.common import answer, console, fen_field, form_or_json, store_of
from diancan.console.security import audit, requires, wants_json
from diancan.domain.errors import InvalidRequest
from diancan.domain.inputs import whole_number
from diancan.domain.menu import OpeningPeriod, Store
from diancan.domain.staff import Action

bp = Blueprint("store_profile", __name__)
WEEKDAYS = "一二三四五六日"
PERIOD = re.compile(r"^\s*([一二三四五六日]+)\s+([0-9]{1,2}:[0-9]{2})\s*[-–~]\s*([0-9]{1,2}:[0-9]{2})\s*$")
EDITABLE = ("name", "phone", "address", "lat", "lng", "accepting_orders", "packing_fee_fen", "preorder_days", "hours",
            "closed_dates")


def hours_text(hours: list[OpeningPeriod]) -> str:
    return "\n".join(f"{''.join(WEEKDAYS[d] for d in p.days)} {p.open:%H:%M}-{p.close:%H:%M}" for p in hours)


def _bad(field: str, zh: str) -> InvalidRequest:
    return InvalidRequest(f"{field} is not valid", zh, code="INVALID_STORE_PROFILE", details={"field": field})


def _hours(raw) -> list[dict]:
    """JSON periods (``[{"days": [0..6], "open": "10:00", "close": "22:00"}]``) or the form's text lines."""
    if isinstance(raw, list):
        return raw
    periods = []
    for line in str(raw or "").splitlines():
        if line.strip():
            found = PERIOD.match(line)
            if not found:
                raise _bad("hours", "营业时间格式：星期 开始-结束，如 一二三四五 10:00-22:00")
            periods.append({"days": sorted({WEEKDAYS.index(c) for c in found[1]}), "open": found[2],
                            "close": found[3]})
    return periods


def _dates(raw) -> list:
    """Holiday closures: a JSON list of dates, or the form's dates separated by spaces, commas or lines."""
    return raw if isinstance(raw, list) else sorted(set(re.split(r"[\s,，]+", str(raw or "").strip())) - {""})


def _coordinate(data: dict, name: str, limit: int, current: float | None) -> float | None:
    raw = str(data.get(name) if data.get(name) is not None else ("" if current is None else current)).strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise _bad(name, "经纬度格式有误") from None
    if not -limit <= value <= limit:
        raise _bad(name, "经纬度超出范围")
    return value


def profile_from(data: dict, current: Store) -> Store:
    """The edited profile: the form's fields over the current one, checked by the domain models."""
    preorder = whole_number(data.get("preorder_days", current.preorder_days))
    if preorder is None:
        raise _bad("preorder_days", "预订天数请填写整数")
    packing = fen_field(data, "packing_fee")
    accepting = data.get("accepting_orders", current.accepting_orders)
    changes = {
        "name": str(data.get("name", current.name)).strip(), "phone": str(data.get("phone", current.phone)).strip(),
        "address": str(data.get("address", current.address)).strip(),
        "lat": _coordinate(data, "lat", 90, current.lat), "lng": _coordinate(data, "lng", 180, current.lng),
        "accepting_orders": accepting if isinstance(accepting, bool) else str(accepting).lower() in ("1", "true", "on", "yes"),
        "packing_fee_fen": current.packing_fee_fen if packing is None else packing, "preorder_days": preorder,
        "hours": _hours(data["hours"]) if "hours" in data else current.model_dump(mode="json")["hours"],
        "closed_dates": _dates(data["closed_dates"]) if "closed_dates" in data else current.model_dump(mode="json")[
            "closed_dates"]}
    if not changes["name"] or len(changes["name"]) > 40 or len(changes["phone"]) > 20 or len(changes["address"]) > 120:
        raise _bad("name", "请填写店名（40字内）、电话（20字内）和地址（120字内）")
    try:
        return Store.model_validate({**current.model_dump(mode="json"), **changes})
    except ValidationError as error:
        raise InvalidRequest("store profile fields", "门店信息有误：" + "；".join(e["msg"] for e in error.errors()),
                             code="INVALID_STORE_PROFILE",
                             details={"fields": sorted({str(e["loc"][0]) for e in error.errors()})}) from None


@bp.get("/s/<store_id>/store/profile")
@requires(Action.STORE_EDIT)
def page(store_id: str):
    store, updated_at = console().repository.store_for_update(store_of(store_id).store_id)
    if wants_json():
        return {"store": {f: store.model_dump(mode="json")[f] for f in EDITABLE}, "updated_at": updated_at}
    return render_template("store_profile.html", store=store, updated_at=updated_at or "",
                           hours=hours_text(store.hours))


@bp.post("/s/<store_id>/store/profile")
@requires(Action.STORE_EDIT)
def save(store_id: str):
    data = form_or_json()
    current, _ = console().repository.store_for_update(store_of(store_id).store_id)
    edited = profile_from(data, current)
    updated_at = console().repository.update_store(edited, str(data.get("updated_at") or "") or None)
    before, after = current.model_dump(mode="json"), edited.model_dump(mode="json")
    changed = [f for f in EDITABLE if before[f] != after[f]]
    audit("store.profile", store_id, "profile", changed=changed,
          hours=hours_text(edited.hours) if "hours" in changed else None,
          accepting_orders=edited.accepting_orders)  # field names only: no phone number in the audit detail
    return answer({"store_id": store_id, "changed": changed, "updated_at": updated_at},
                  url_for("store_profile.page", store_id=store_id))
