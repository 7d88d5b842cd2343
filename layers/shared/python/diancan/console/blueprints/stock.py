"""Stock of a store (ingredients, thresholds, open StockLow alerts, restock, stock-take, each ingredient's
ledger) through ``bootstrap.stock()``."""

from __future__ import annotations

from flask import Blueprint, g, render_template, url_for

from diancan.console.blueprints.common import answer, console, form_or_json, store_of
from diancan.console.security import audit, requires
from diancan.domain.errors import InvalidRequest
from diancan.domain.inputs import whole_number
from diancan.domain.staff import Action

bp = Blueprint("stock", __name__)


@bp.get("/s/<store_id>/stock")
@requires(Action.STOCK_VIEW)
def page(store_id: str):
    overview = console().stock().overview(store_id)
    return render_template("stock.html", store=store_of(store_id), overview=overview)


@bp.post("/s/<store_id>/stock/<ingredient_id>/count")
@requires(Action.STOCK_ADJUST)
def stock_take(store_id: str, ingredient_id: str):
    counted = whole_number(form_or_json().get("counted", ""))
    if counted is None:
        raise InvalidRequest("counted is a whole number of base units", "盘点数量有误", code="INVALID_COUNT")
    console().stock().stock_take(store_id, ingredient_id, counted, by=f"staff:{g.staff.staff_id}")
    audit("stock.take", store_id, ingredient_id, counted=counted)
    return answer({"ingredient_id": ingredient_id, "counted": counted}, url_for("stock.page", store_id=store_id))


def _units(name: str, zh: str) -> int:
    units = whole_number(form_or_json().get(name, ""))
    if not units:
        raise InvalidRequest(f"{name} is a positive whole number of base units", zh, code="INVALID_COUNT")
    return units


@bp.post("/s/<store_id>/stock/<ingredient_id>/restock")
@requires(Action.STOCK_ADJUST)
def restock(store_id: str, ingredient_id: str):
    units = _units("units", "进货数量有误")
    ingredient = console().stock().restock(store_id, ingredient_id, units, by=f"staff:{g.staff.staff_id}")
    audit("stock.restock", store_id, ingredient_id, units=units)
    return answer({"ingredient_id": ingredient_id, "on_hand": ingredient.quantity}, url_for("stock.page", store_id=store_id))


@bp.get("/s/<store_id>/stock/<ingredient_id>/ledger")
@requires(Action.STOCK_VIEW)
def ledger(store_id: str, ingredient_id: str):
    entries = console().stock().ledger(store_id, ingredient_id)
    return render_template("stock_ledger.html", store=store_of(store_id), ingredient_id=ingredient_id,
                           entries=sorted(entries, key=lambda e: e.at, reverse=True)[:200])
