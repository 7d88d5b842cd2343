"""Menu of a store: dishes by category with price and shelf state, new dishes and their details (pictures,
specs, station, packing fee, daily portions), categories, bulk price changes, combos and recipes (a dish's and
each spec option's). Every change goes through the menu_admin service (``bootstrap.menu_admin()``) and is
audited here; the page reads the
menu straight from the table, so it shows a change at once. Prices apply to new orders only (menu_admin)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, render_template, request, url_for
from pydantic import ValidationError

from diancan.console.blueprints.common import answer, console, fen_field, form_or_json, store_of
from diancan.console.security import audit, requires
from diancan.domain.errors import InvalidRequest, NotFound
from diancan.domain.inputs import strict_json, whole_number
from diancan.domain.menu import Category, Dish
from diancan.domain.money import percent_of, yuan
from diancan.domain.staff import Action

bp = Blueprint("menu", __name__)
PART_FIELD = "part_"
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{1,39}")
RECIPE_LINE = re.compile(r"^\s*([A-Za-z0-9_-]{1,40})\s*[=:]\s*(\d{1,7})\s*$", re.ASCII)


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
    dish = console().menu_admin().set_price(store_id, dish_id, price_fen)
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
            if not re.fullmatch(r"-?[0-9]{1,3}", raw):
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
    dish = console().menu_admin().set_on_shelf(store_id, dish_id, on_shelf)
    audit("menu.shelf", store_id, dish_id, on_shelf=on_shelf)
    return answer({"dish_id": dish_id, "on_shelf": dish.on_shelf}, url_for("menu.page", store_id=store_id))


def _quantities(data: dict) -> dict[str, int]:
    """Combo parts: JSON ``{"parts": {dish_id: qty}}`` or form fields ``part_<dish_id>`` (empty or 0: not a part)."""
    raw = data["parts"] if isinstance(data.get("parts"), dict) else {
        k.removeprefix(PART_FIELD): v for k, v in data.items() if k.startswith(PART_FIELD) and str(v).strip()}
    quantities = {d: whole_number(q) for d, q in raw.items()}
    if any(q is None for q in quantities.values()):
        raise InvalidRequest("part quantities are whole numbers", "套餐数量有误", code="INVALID_COMBO")
    return {d: q for d, q in quantities.items() if q}


@bp.post("/s/<store_id>/menu/combos")
@requires(Action.MENU_EDIT)
def define_combo(store_id: str):
    data = form_or_json()
    combo_id, name = str(data.get("combo_id") or "").strip(), str(data.get("name") or "").strip()
    price = fen_field(data, "price")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{1,39}", combo_id) or not name or price is None:
        raise InvalidRequest("combo_id (a-z 0-9 _ -), name and price", "请填写套餐编号（小写字母数字）、名称和价格",
                             code="INVALID_COMBO")
    combo = console().menu_admin().define_combo(store_id, combo_id, name=name[:40], category_id=str(data.get("category_id") or ""),
                                         price_fen=price, parts=_quantities(data))
    audit("menu.combo", store_id, combo_id, amount_fen=price, parts=combo.combo_parts)
    return answer({"dish_id": combo.dish_id, "price_fen": combo.price_fen, "combo_parts": combo.combo_parts,
                   "recipe": combo.recipe}, url_for("menu.page", store_id=store_id))


@bp.get("/s/<store_id>/menu/dishes/<dish_id>")
@requires(Action.MENU_VIEW)
def dish(store_id: str, dish_id: str):
    """A dish's specs (option groups and their prices) and recipes, each recipe editable; its station (the
    active ones offered)."""
    return render_template("dish.html", store=store_of(store_id), dish=console().repository.get_dish(store_id, dish_id),
                           stations=console().print_jobs().stations(store_id))


def _active_station(store_id: str, station_id: str | None) -> str | None:
    """A dish's or category's station: none (follow the category / the default) or any but a retired one, so
    nothing is ever routed to a retired station (a station not made yet prints at the default until it is)."""
    if station_id and station_id in {s.station_id for s, retired_at in
                                     console().print_jobs().all_stations(store_id) if retired_at}:
        raise InvalidRequest("that station is retired", "该档口已停用，请选择其他档口", code="STATION_RETIRED",
                             details={"station_id": station_id})
    return station_id


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
    dish = console().menu_admin().edit_recipe(store_id, dish_id, recipe, option_id)
    audit("menu.recipe", store_id, dish_id, option_id=option_id, recipe=recipe)
    return answer({"dish_id": dish_id, "option_id": option_id, "recipe": dish.recipe},
                  url_for("menu.dish", store_id=store_id, dish_id=dish_id))


def _listed(raw) -> list[str]:
    """A JSON list, or text split on commas and new lines (a form's field)."""
    items = raw if isinstance(raw, list) else str(raw or "").replace("，", ",").replace("\n", ",").split(",")
    return [str(i).strip() for i in items if str(i).strip()]


def _whole_or_none(raw, code: str) -> int | None:
    text = str("" if raw is None else raw).strip()
    if not text:
        return None
    value = whole_number(text)
    if value is None:
        raise InvalidRequest("a whole number", "需为整数", code=code)
    return value


def _dish_from(store_id: str, dish_id: str, data: dict, base: dict) -> Dish:
    """The dish the form or JSON describes over ``base`` (the current dish, or a new one's id and price); pictures
    must be https; option groups are JSON (a list of groups with their options)."""
    fields = {**base, "store_id": store_id, "dish_id": dish_id}
    for name in ("name", "name_en", "category_id", "description", "description_en"):
        if name in data:
            fields[name] = str(data[name] or "").strip()
    for name in ("images", "tags", "allergens"):
        if name in data:
            fields[name] = _listed(data[name])
    if "station_id" in data:
        fields["station_id"] = _active_station(store_id, str(data["station_id"] or "").strip() or None)
    if "daily_portions" in data:
        fields["daily_portions"] = _whole_or_none(data["daily_portions"], "INVALID_PORTIONS")
    if "prep_minutes" in data:  # empty: the store's default preparation time
        fields["prep_minutes"] = _whole_or_none(data["prep_minutes"], "INVALID_DISH")
    packing = fen_field(data, "packing_fee")
    if packing is not None:
        fields["packing_fee_fen"] = packing
    if "option_groups" in data:
        groups = data["option_groups"]
        try:
            fields["option_groups"] = strict_json(groups or "[]") if isinstance(groups, str) else groups
        except ValueError:
            raise InvalidRequest("option_groups is JSON", "规格格式有误", code="INVALID_DISH") from None
    insecure = [u for u in fields.get("images", []) if urlsplit(u).scheme != "https" or not urlsplit(u).netloc]
    if insecure:
        raise InvalidRequest("pictures are https URLs", "图片须为 https 地址", code="INVALID_IMAGE",
                             details={"images": insecure[:5]})
    try:
        dish = Dish.model_validate(fields)
    except ValidationError as error:
        raise InvalidRequest("dish fields are invalid", "菜品信息有误", code="INVALID_DISH",
                             details={"fields": sorted({".".join(map(str, e["loc"])) for e in error.errors()})}) from None
    option_ids = [o.option_id for g in dish.option_groups for o in g.options]
    group_ids = [g.group_id for g in dish.option_groups]
    if not dish.name or not dish.category_id or len(set(option_ids)) < len(option_ids) \
            or len(set(group_ids)) < len(group_ids):
        raise InvalidRequest("name, category and unique spec ids", "请填写名称、分类，规格编号不可重复", code="INVALID_DISH")
    return dish


def _dish_answer(dish: Dish) -> dict:
    return {"dish": dish.model_dump(mode="json")}


@bp.post("/s/<store_id>/menu/dishes")
@requires(Action.MENU_EDIT)
def create_dish(store_id: str):
    data = form_or_json()
    dish_id, price = str(data.get("dish_id") or "").strip(), fen_field(data, "price")
    if not SLUG.fullmatch(dish_id) or price is None:
        raise InvalidRequest("dish_id (a-z 0-9 _ -) and price", "请填写菜品编号（小写字母数字）和价格", code="INVALID_DISH")
    dish = console().menu_admin().create_dish(_dish_from(store_id, dish_id, data, {"price_fen": price}))
    audit("menu.dish_create", store_id, dish_id, amount_fen=price, name=dish.name)
    return answer(_dish_answer(dish), url_for("menu.dish", store_id=store_id, dish_id=dish_id))


@bp.post("/s/<store_id>/menu/dishes/<dish_id>/details")
@requires(Action.MENU_EDIT)
def edit_dish(store_id: str, dish_id: str):
    """Fields left out keep their value; price, shelf and portions left have their own routes."""
    current = console().repository.get_dish(store_id, dish_id)
    data = form_or_json()
    dish = console().menu_admin().save_dish_details(store_id, _dish_from(store_id, dish_id, data, current.model_dump()))
    audit("menu.dish_details", store_id, dish_id, fields=sorted(data))
    return answer(_dish_answer(dish), url_for("menu.dish", store_id=store_id, dish_id=dish_id))


@bp.post("/s/<store_id>/menu/dishes/<dish_id>/portions")
@requires(Action.MENU_EDIT)
def set_portions(store_id: str, dish_id: str):
    """Set today's portions left now (the daily limit is a detail of the dish)."""
    left = _whole_or_none(form_or_json().get("portions_left"), "INVALID_PORTIONS")
    if left is None:
        raise InvalidRequest("give portions_left", "请填写剩余份数", code="INVALID_PORTIONS")
    dish = console().menu_admin().set_portions_left(store_id, dish_id, left)
    audit("menu.portions", store_id, dish_id, portions_left=left)
    return answer({"dish_id": dish_id, "portions_left": dish.portions_left},
                  url_for("menu.page", store_id=store_id))


@bp.get("/s/<store_id>/menu/categories")
@requires(Action.MENU_VIEW)
def categories(store_id: str):
    """The categories in menu order, with their default station (JSON)."""
    return {"categories": [c.model_dump(mode="json") for c in console().repository.load_menu(store_id).categories]}


def _category_change(store_id: str, category_id: str, data: dict, base: dict, *, create: bool) -> Category:
    fields = {**base, "store_id": store_id, "category_id": category_id}
    for name in ("name", "name_en"):
        if name in data:
            fields[name] = str(data[name] or "").strip()[:40]
    if "sort" in data:
        fields["sort"] = _whole_or_none(data["sort"], "INVALID_CATEGORY") or 0
    if "station_id" in data:
        fields["station_id"] = _active_station(store_id, str(data["station_id"] or "").strip() or None)
    try:
        category = Category.model_validate(fields)
    except ValidationError:
        raise InvalidRequest("category name and sort", "请填写分类名称和排序", code="INVALID_CATEGORY") from None
    if not category.name or category.sort > 9999:
        raise InvalidRequest("category name and sort (0-9999)", "请填写分类名称，排序为 0-9999", code="INVALID_CATEGORY")
    saved = console().menu_admin().save_category(category, create=create)
    audit("menu.category", store_id, category_id, name=saved.name, sort=saved.sort, station_id=saved.station_id)
    return saved


@bp.post("/s/<store_id>/menu/categories")
@requires(Action.MENU_EDIT)
def create_category(store_id: str):
    data = form_or_json()
    category_id = str(data.get("category_id") or "").strip()
    if not SLUG.fullmatch(category_id):
        raise InvalidRequest("category_id (a-z 0-9 _ -)", "请填写分类编号（小写字母数字）", code="INVALID_CATEGORY")
    category = _category_change(store_id, category_id, data, {}, create=True)
    return answer({"category": category.model_dump(mode="json")}, url_for("menu.page", store_id=store_id))


@bp.post("/s/<store_id>/menu/categories/<category_id>")
@requires(Action.MENU_EDIT)
def edit_category(store_id: str, category_id: str):
    """Rename, reorder (``sort``) or change the default station; fields left out keep their value."""
    current = next((c for c in console().repository.load_menu(store_id).categories if c.category_id == category_id),
                   None)
    if current is None:
        raise NotFound("no such category", "分类不存在", code="CATEGORY_NOT_FOUND")
    category = _category_change(store_id, category_id, form_or_json(), current.model_dump(), create=False)
    return answer({"category": category.model_dump(mode="json")}, url_for("menu.page", store_id=store_id))
