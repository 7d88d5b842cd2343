"""Menu of a store: dishes by category with price and shelf state; changes go through the menu_admin
service (``bootstrap.menu_admin()``: ``set_price``, ``set_on_shelf``), audited here."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from diancan.console.blueprints.common import answer, console, fen_field, form_or_json, store_of
from diancan.console.security import audit, requires
from diancan.domain.errors import InvalidRequest
from diancan.domain.money import yuan
from diancan.domain.staff import Action

bp = Blueprint("menu", __name__)


@bp.get("/s/<store_id>/menu")
@requires(Action.MENU_VIEW)
def page(store_id: str):
    menu = console().repository.load_menu(store_id)
    by_category = [(c, [d for d in menu.dishes if d.category_id == c.category_id]) for c in menu.categories]
    return render_template("menu.html", store=store_of(store_id), by_category=by_category)


@bp.post("/s/<store_id>/menu/dishes/<dish_id>/price")
@requires(Action.MENU_EDIT)
def set_price(store_id: str, dish_id: str):
    price = fen_field(form_or_json(), "price")
    if price is None:
        raise InvalidRequest("give price_yuan or price_fen", "请填写价格", code="INVALID_PRICE")
    before = console().repository.get_dish(store_id, dish_id).price_fen
    dish = console().service("menu_admin", "改价").set_price(store_id, dish_id, price)
    audit("menu.price", store_id, dish_id, amount_fen=price, before=yuan(before), after=yuan(price))
    return answer({"dish_id": dish_id, "price_fen": dish.price_fen}, url_for("menu.page", store_id=store_id))


@bp.post("/s/<store_id>/menu/dishes/<dish_id>/shelf")
@requires(Action.MENU_EDIT)
def set_shelf(store_id: str, dish_id: str):
    on_shelf = str(form_or_json().get("on_shelf", "")).lower() in ("1", "true", "on", "yes")
    dish = console().service("menu_admin", "上下架").set_on_shelf(store_id, dish_id, on_shelf)
    audit("menu.shelf", store_id, dish_id, on_shelf=on_shelf)
    return answer({"dish_id": dish_id, "on_shelf": dish.on_shelf}, url_for("menu.page", store_id=store_id))
