"""Stock of a store (ingredients, thresholds, ledger, open alerts) through ``bootstrap.stock()``."""

from __future__ import annotations

from flask import Blueprint, g, render_template, url_for

from diancan.console.blueprints.common import answer, console, form_or_json, store_of
from diancan.console.security import audit, requires
from diancan.console.wiring import NotBuiltYet
from diancan.domain.errors import InvalidRequest
from diancan.domain.staff import Action

bp = Blueprint("stock", __name__)


@bp.get("/s/<store_id>/stock")
@requires(Action.STOCK_VIEW)
def page(store_id: str):
    try:
        overview = console().service("stock", "库存").overview(store_id)
    except NotBuiltYet:
        overview = None
    return render_template("stock.html", store=store_of(store_id), overview=overview)


@bp.post("/s/<store_id>/stock/<ingredient_id>/count")
@requires(Action.STOCK_ADJUST)
def stock_take(store_id: str, ingredient_id: str):
    raw = str(form_or_json().get("counted", "")).strip()
    if not raw.isdigit():
        raise InvalidRequest("counted is a whole number of base units", "盘点数量有误", code="INVALID_COUNT")
    console().service("stock", "盘点").stock_take(store_id, ingredient_id, int(raw), by=f"staff:{g.staff.staff_id}")
    audit("stock.take", store_id, ingredient_id, counted=int(raw))
    return answer({"ingredient_id": ingredient_id, "counted": int(raw)}, url_for("stock.page", store_id=store_id))
