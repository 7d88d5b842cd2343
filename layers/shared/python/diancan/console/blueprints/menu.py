"""Menu of a store: dishes by category with price and shelf state, bulk price changes, combos and recipes
(a dish's and each spec option's). Every change goes through the menu_admin service (``bootstrap.menu_admin()``:
``set_price``, ``set_on_shelf``, ``define_combo``, ``edit_recipe``) and is audited here; the page reads the
menu straight from the table, so it shows a change at once. Prices apply to new orders only (menu_admin)."""

from __future__ import annotations

import re

from flask import Blueprint, render_template, request, url_for

from diancan.console.blueprints.common import answer, console, fen_field, form_or_json, store_of
from diancan.console.security import audit, requires
from diancan.domain.errors import InvalidRequest
from diancan.domain.menu import Dish
from diancan.domain.money import percent_of, yuan
from diancan.domain.staff import Action

bp = Blueprint("menu", __name__)
PART_FIELD = "part_"
RECIPE_LINE = re.compile(r"^\s*([A-Za-z0-9_-]{1,40})\s*[=:]\s*(\d{1,7})\s*$")


def _admin(feature: str):
    return console().service("menu_admin", feature)


@bp.get("/s/<store_id>/menu")
@requires(Action.MENU_VIEW)
def page(store_id: str):
    menu = console().repository.load_menu(store_id)
    by_category = [(c, [d for d in menu.dishes if d.category_id == c.category_id]) for c in menu.categories]
    parts = [d for d in menu.dishes if not d.combo_parts and not any(g.required for g in d.option_groups)]
    return render_template("menu.html", store=store_of(store_id), by_category=by_category,
                           categories=menu.categories, combo_parts=parts)


def _price_change(store_id: str, dish_id: str, price_fen: int) -> Dish:
    before = console().repository.get_dish(store_id, dish_id).price_fen
    dish = _admin("改价").set_price(store_id, dish_id, price_fen)
    audit("menu.price", store_id, dish_id, amount_fen=price_fen, before=yuan(before), after=yuan(price_fen))
    return dish


@bp.post("/s/<store_id>/menu/dishes/<dish_id>/price")
@requires(Action.MENU_EDIT)
def set_price(store_id: str, dish_id: str):
    price = fen_field(form_or_json(), "price")
    if price is None:
        raise InvalidRequest("give price_yuan or price_fen", "请填写价格", code="INVALID_PRICE")
    dish = _price_change(store_id, dish_id, price)
    return answer({"dish_id": dish_id, "price_fen": dish.price_fen}, url_for("menu.page", store_id=store_id))


def bulk_prices(current: dict[str, int], data: dict) -> dict[str, int]:
    """The new price of each chosen dish: JSON ``{"prices": {dish_id: fen}}``, or a form's ``dish_ids`` with
    ``how`` = set (``amount_yuan``), add (``amount_yuan``, may be negative) or percent (``percent``, e.g. -10)."""
    if isinstance(data.get("prices"), dict):
        wanted = {str(d): p for d, p in data["prices"].items()}
        if not all(isinstance(p, int) and not isinstance(p, bool) for p in wanted.values()):
            raise InvalidRequest("prices are whole fen", "金额格式有误", code="INVALID_AMOUNT")
    else:
        chosen = data.get("dish_ids") or []
        chosen = [chosen] if isinstance(chosen, str) else list(chosen)
        how = str(data.get("how") or "set")
        if how == "percent":
            raw = str(data.get("percent") or "").strip()
            if not re.fullmatch(r"-?\d{1,3}", raw):
                raise InvalidRequest("percent is a whole number", "百分比格式有误", code="INVALID_PERCENT")
            wanted = {d: current.get(d, 0) + percent_of(current.get(d, 0), int(raw)) for d in chosen}
        else:
            raw = str(data.get("amount_yuan") or "").strip()
            negative = how == "add" and raw.startswith("-")
            amount = fen_field({"amount_yuan": raw.removeprefix("-") if negative else raw}, "amount")
            if amount is None or how not in ("set", "add"):
                raise InvalidRequest("give how and amount_yuan", "请填写调价方式和金额", code="INVALID_PRICE")
            amount = -amount if negative else amount
            wanted = {d: amount if how == "set" else current.get(d, 0) + amount for d in chosen}
    if not wanted:
        raise InvalidRequest("choose at least one dish", "请至少选择一个菜品", code="NO_DISHES")
    unknown = sorted(set(wanted) - set(current))
    if unknown:
        raise InvalidRequest("not dishes of this store", "菜品不存在", code="DISH_NOT_FOUND", details={"dish_ids": unknown})
    if any(p < 0 for p in wanted.values()):
        raise InvalidRequest("a price cannot be negative", "价格不能为负", code="INVALID_PRICE")
    return wanted


@bp.post("/s/<store_id>/menu/prices")
@requires(Action.MENU_EDIT)
def set_prices(store_id: str):
    """Several dishes at once: every new price is checked before the first is written; each write is audited."""
    data = form_or_json()
    if not request.is_json:
        data["dish_ids"] = request.form.getlist("dish_ids")  # the checkboxes repeat the name
    current = {d.dish_id: d.price_fen for d in console().repository.load_menu(store_id).dishes}
    changed = {d: p for d, p in bulk_prices(current, data).items() if p != current[d]}
    for dish_id, price in sorted(changed.items()):
        _price_change(store_id, dish_id, price)
    return answer({"changed": changed}, url_for("menu.page", store_id=store_id))


@bp.post("/s/<store_id>/menu/dishes/<dish_id>/shelf")
@requires(Action.MENU_EDIT)
def set_shelf(store_id: str, dish_id: str):
    on_shelf = str(form_or_json().get("on_shelf", "")).lower() in ("1", "true", "on", "yes")
    dish = _admin("上下架").set_on_shelf(store_id, dish_id, on_shelf)
    audit("menu.shelf", store_id, dish_id, on_shelf=on_shelf)
    return answer({"dish_id": dish_id, "on_shelf": dish.on_shelf}, url_for("menu.page", store_id=store_id))


def _quantities(data: dict) -> dict[str, int]:
    """Combo parts: JSON ``{"parts": {dish_id: qty}}`` or form fields ``part_<dish_id>`` (empty or 0: not a part)."""
    raw = data["parts"] if isinstance(data.get("parts"), dict) else {
        k.removeprefix(PART_FIELD): v for k, v in data.items() if k.startswith(PART_FIELD) and str(v).strip()}
    if not all(str(q).strip().isdigit() for q in raw.values()):
        raise InvalidRequest("part quantities are whole numbers", "套餐数量有误", code="INVALID_COMBO")
    return {d: int(q) for d, q in raw.items() if int(q) > 0}


@bp.post("/s/<store_id>/menu/combos")
@requires(Action.MENU_EDIT)
def define_combo(store_id: str):
    data = form_or_json()
    combo_id, name = str(data.get("combo_id") or "").strip(), str(data.get("name") or "").strip()
    price = fen_field(data, "price")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{1,39}", combo_id) or not name or price is None:
        raise InvalidRequest("combo_id (a-z 0-9 _ -), name and price", "请填写套餐编号（小写字母数字）、名称和价格",
                             code="INVALID_COMBO")
    combo = _admin("套餐").define_combo(store_id, combo_id, name=name[:40], category_id=str(data.get("category_id") or ""),
                                         price_fen=price, parts=_quantities(data))
    audit("menu.combo", store_id, combo_id, amount_fen=price, parts=combo.combo_parts)
    return answer({"dish_id": combo.dish_id, "price_fen": combo.price_fen, "combo_parts": combo.combo_parts,
                   "recipe": combo.recipe}, url_for("menu.page", store_id=store_id))


@bp.get("/s/<store_id>/menu/dishes/<dish_id>")
@requires(Action.MENU_VIEW)
def dish(store_id: str, dish_id: str):
    """A dish's specs (option groups and their prices) and recipes, each recipe editable."""
    return render_template("dish.html", store=store_of(store_id), dish=console().repository.get_dish(store_id, dish_id))


def parse_recipe(data: dict) -> dict[str, int]:
    """JSON ``{"recipe": {ingredient: units}}`` or a textarea of ``ingredient=units`` lines."""
    if isinstance(data.get("recipe"), dict):
        raw = data["recipe"]
        if not all(isinstance(u, int) and not isinstance(u, bool) for u in raw.values()):
            raise InvalidRequest("recipe units are whole numbers", "配方用量需为整数", code="INVALID_RECIPE")
        return {str(i): u for i, u in raw.items()}
    recipe = {}
    for line in str(data.get("recipe") or "").replace("，", ",").replace(",", "\n").splitlines():
        if not line.strip():
            continue
        found = RECIPE_LINE.match(line)
        if not found:
            raise InvalidRequest("one ingredient=units per line", "配方格式：每行 原料编号=用量", code="INVALID_RECIPE",
                                 details={"line": line[:60]})
        recipe[found[1]] = int(found[2])
    return recipe


@bp.post("/s/<store_id>/menu/dishes/<dish_id>/recipe")
@requires(Action.MENU_EDIT)
def edit_recipe(store_id: str, dish_id: str):
    data = form_or_json()
    option_id = str(data.get("option_id") or "").strip() or None
    recipe = parse_recipe(data)
    dish = _admin("配方").edit_recipe(store_id, dish_id, recipe, option_id)
    audit("menu.recipe", store_id, dish_id, option_id=option_id, recipe=recipe)
    return answer({"dish_id": dish_id, "option_id": option_id, "recipe": dish.recipe},
                  url_for("menu.dish", store_id=store_id, dish_id=dish_id))
