"""Cashiers' shifts (交班): open with a float, close with the cash counted, the handover sheet shown, printed at
the counter and kept. A cashier acts on their own shift, a manager on any shift of their store
(``domain/shifts.authorize_shift``); the service closes a shift once however often the button is pressed."""

from __future__ import annotations

from flask import Blueprint, g, render_template, url_for

from diancan.console.blueprints.common import answer, console, fen_field, form_or_json, store_of
from diancan.console.security import requires
from diancan.domain.errors import InvalidRequest
from diancan.domain.shifts import Shift, sees_every_shift
from diancan.domain.staff import Action

bp = Blueprint("shifts", __name__)


def _shifts():
    return console().shifts()


def _view(shift: Shift) -> dict:
    return shift.model_dump(mode="json")


def _back(store_id: str, shift_id: str | None = None) -> str:
    if shift_id:
        return url_for("shifts.detail", store_id=store_id, shift_id=shift_id)
    return url_for("shifts.page", store_id=store_id)


def _cashiers(store_id: str) -> list:
    """Whom a manager may open a shift for: the store's active cashiers (and themselves)."""
    return [s for s in console().accounts.everyone()
            if s.active and store_id in s.store_ids and s.can(Action.SHIFTS_OWN, store_id)]


@bp.get("/s/<store_id>/shifts")
@requires(Action.SHIFTS_OWN)
def page(store_id: str):
    store = store_of(store_id)
    manager = sees_every_shift(g.staff, store_id)
    return render_template("shifts.html", store=store, current=_shifts().current(g.staff, store_id),
                           shifts=_shifts().visible(g.staff, store_id),
                           cashiers=_cashiers(store_id) if manager else [])


@bp.get("/api/s/<store_id>/shifts")
@requires(Action.SHIFTS_OWN)
def listing(store_id: str):
    store_of(store_id)
    current = _shifts().current(g.staff, store_id)
    return {"current": _view(current) if current else None,
            "shifts": [_view(s) for s in _shifts().visible(g.staff, store_id)]}


@bp.get("/s/<store_id>/shifts/<shift_id>")
@requires(Action.SHIFTS_OWN)
def detail(store_id: str, shift_id: str):
    store = store_of(store_id)
    return render_template("shift.html", store=store, shift=_shifts().get(g.staff, store_id, shift_id))


@bp.get("/api/s/<store_id>/shifts/<shift_id>")
@requires(Action.SHIFTS_OWN)
def read(store_id: str, shift_id: str):
    store_of(store_id)
    return _view(_shifts().get(g.staff, store_id, shift_id))


@bp.post("/s/<store_id>/shifts/open")
@requires(Action.SHIFTS_OWN)
def open_shift(store_id: str):
    store_of(store_id)
    data = form_or_json()
    float_fen = fen_field(data, "float")
    if float_fen is None:
        raise InvalidRequest("give the float (float_yuan or float_fen)", "请填写备用金", code="INVALID_AMOUNT")
    staff_id = str(data.get("staff_id") or g.staff.staff_id)
    cashier = g.staff if staff_id == g.staff.staff_id else console().accounts.get(staff_id)
    shift = _shifts().open(g.staff, store_id, float_fen, cashier)
    return answer(_view(shift), _back(store_id, shift.shift_id))


@bp.post("/s/<store_id>/shifts/<shift_id>/close")
@requires(Action.SHIFTS_OWN)
def close(store_id: str, shift_id: str):
    store_of(store_id)
    counted = fen_field(form_or_json(), "counted")
    if counted is None:
        raise InvalidRequest("give the cash counted (counted_yuan or counted_fen)", "请填写实点现金",
                             code="INVALID_AMOUNT")
    shift = _shifts().close(g.staff, store_id, shift_id, counted)
    return answer(_view(shift), _back(store_id, shift_id))


@bp.post("/s/<store_id>/shifts/<shift_id>/print")
@requires(Action.SHIFTS_OWN)
def print_again(store_id: str, shift_id: str):
    store_of(store_id)
    shift = _shifts().print(g.staff, store_id, shift_id)
    return answer(_view(shift), _back(store_id, shift_id))
