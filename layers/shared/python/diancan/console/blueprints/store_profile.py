"""Store profile and opening hours (managers for their stores, owners for all), order modes and time zone:
the form is turned into the management API's ``StoreEdit`` body and saved by the same ``StoreSetup.edit_store``
(one validation for both), under the ``updated_at`` token read with the form, so a concurrent edit is refused
(409 STORE_CHANGED) instead of lost; ``settings`` and every field the form does not show are kept. Hours as
text are one period a line: ``一二三四五 10:00-22:00`` (close ≤ open runs past midnight, equal times are around
the clock)."""

from __future__ import annotations

import re

from flask import Blueprint, render_template, request, url_for

from diancan.console.blueprints import setup as api
from diancan.console.blueprints.common import answer, console, fen_field, form_or_json, store_of
from diancan.console.security import audit, requires, wants_json
from diancan.domain.errors import InvalidRequest
from diancan.domain.menu import OpeningPeriod
from diancan.domain.setup import StoreEdit
from diancan.domain.staff import Action

bp = Blueprint("store_profile", __name__)
WEEKDAYS = "一二三四五六日"
PERIOD = re.compile(r"^\s*([一二三四五六日]+)\s+([0-9]{1,2}:[0-9]{2})\s*[-–~]\s*([0-9]{1,2}:[0-9]{2})\s*$")
EDITABLE = ("name", "phone", "address", "lat", "lng", "accepting_orders", "packing_fee_fen", "preorder_days", "hours",
            "closed_dates", "modes", "timezone")
TIMEZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Urumqi", "Asia/Singapore",
             "Asia/Tokyo", "Europe/London", "America/New_York")  # offered; any IANA zone is accepted


def hours_text(hours: list[OpeningPeriod]) -> str:
    return "\n".join(f"{''.join(WEEKDAYS[d] for d in p.days)} {p.open:%H:%M}-{p.close:%H:%M}" for p in hours)


def _bad(field: str, zh: str) -> InvalidRequest:
    return InvalidRequest(f"{field} is not valid", zh, code="INVALID_STORE", details={"fields": [field]})


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


def edit_from(data: dict, *, form: bool) -> dict:
    """The profile form (or its JSON) as the management API's ``StoreEdit`` body, so both are checked by one
    model: text hours and dates as lists, yuan as fen, empty inputs left out (they keep their value), the
    ticked order modes (the form's hidden empty ``modes`` says the list was sent: none ticked is refused)."""
    edit = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()
            if k in StoreEdit.model_fields and k not in ("hours", "closed_dates", "modes", "packing_fee_fen")}
    edit = {k: v for k, v in edit.items() if v != ""}
    if "hours" in data:
        edit["hours"] = _hours(data["hours"])
    if "closed_dates" in data:
        edit["closed_dates"] = _dates(data["closed_dates"])
    packing = fen_field(data, "packing_fee")
    if packing is not None:
        edit["packing_fee_fen"] = packing
    if form and "modes" in request.form:
        edit["modes"] = [m for m in request.form.getlist("modes") if m]
    elif "modes" in data:
        edit["modes"] = data["modes"]
    return edit


@bp.get("/s/<store_id>/store/profile")
@requires(Action.STORE_EDIT)
def page(store_id: str):
    store, updated_at = console().repository.store_for_update(store_of(store_id).store_id)
    if wants_json():
        return {"store": {f: store.model_dump(mode="json")[f] for f in EDITABLE}, "updated_at": updated_at}
    return render_template("store_profile.html", store=store, updated_at=updated_at or "",
                           hours=hours_text(store.hours), timezones=TIMEZONES)


@bp.post("/s/<store_id>/store/profile")
@requires(Action.STORE_EDIT)
def save(store_id: str):
    body = api.validated(StoreEdit, edit_from(form_or_json(), form=not request.is_json), "INVALID_STORE")
    edited, changed, updated_at = api.setup().edit_store(store_of(store_id).store_id, body)
    audit("store.profile", store_id, "profile", changed=changed,
          hours=hours_text(edited.hours) if "hours" in changed else None,
          accepting_orders=edited.accepting_orders)  # field names only: no phone number in the audit detail
    return answer({"store_id": store_id, "changed": changed, "updated_at": updated_at},
                  url_for("store_profile.page", store_id=store_id))
