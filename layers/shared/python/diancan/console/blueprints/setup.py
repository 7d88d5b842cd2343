"""The management API for setting a store up (``/api/...`` of the console, so ``/admin/api/...`` when
deployed): stores, tables, printers and stations, ingredients, a new store's manager. JSON in and out,
the console session (cookie + CSRF token) or a bearer session (``POST /api/session``); the same rights
(``requires``: every write checked against the staff member's stores), the same audit log, errors in the
one format. Each route is declared once in ``API`` with its body model: ``python -m local.openapi`` writes
``docs/openapi/admin.json`` from it. The console's setup pages call the same service (``store_setup``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, g, request
from pydantic import BaseModel, ValidationError

from diancan.console.blueprints import staff as staff_views
from diancan.console.blueprints.common import console, store_of, visible_stores
from diancan.console.security import audit, requires
from diancan.domain.errors import InvalidRequest
from diancan.domain.setup import (
    IngredientCreate,
    IngredientEdit,
    PrinterAdd,
    StationRetire,
    StationSave,
    StockTake,
    StoreCreate,
    StoreEdit,
    TableEdit,
    TablesAdd,
)
from diancan.domain.staff import Action, authorize

bp = Blueprint("setup", __name__)


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str  # Flask rule
    action: Action | None  # None: any signed-in person (what they see is limited to their stores)
    summary: str
    body: type[BaseModel] | None = None
    chain: bool = False  # owners only (chain-wide), whatever the URL's store


API: list[ApiRoute] = []


def route(method: str, path: str, action: Action | None, summary: str, body: type[BaseModel] | None = None,
          *, chain: bool = False, blueprint: Blueprint | None = None) -> Callable:
    """Register a view for ``path`` (on ``blueprint``, the setup API's by default) and document it in ``API``."""
    entry = ApiRoute(method, path, action, summary, body, chain)
    API.append(entry)

    def decorate(view: Callable) -> Callable:
        checked = requires(action)(view) if action else view
        if chain:
            inner = checked

            def checked(*args, **kwargs):
                authorize(g.staff, action or Action.STORE_EDIT)  # chain-wide: owners
                return inner(*args, **kwargs)

            checked.__name__ = view.__name__
        (blueprint or bp).add_url_rule(path, view.__name__, checked, methods=[method])
        return view

    return decorate


def body_of(model: type[BaseModel], code: str):
    """The request's JSON (or form) as ``model``; every refusal names its fields: 400 ``code``."""
    if request.mimetype not in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data"):
        raise InvalidRequest("send JSON", "请以JSON提交", code="UNSUPPORTED_MEDIA_TYPE")
    data = request.get_json(silent=True) if request.is_json else form_fields(model)
    if not isinstance(data, dict):
        raise InvalidRequest("a JSON object", "请求内容应为JSON对象", code=code)
    return validated(model, data, code)


FIELD_ZH = {"store_id": "门店编号", "name": "名称", "city": "城市", "address": "地址", "phone": "电话", "lat": "纬度",
            "lng": "经度", "hours": "营业时间", "closed_dates": "休息日", "modes": "就餐方式", "preorder_days": "预订天数",
            "accepting_orders": "接单开关", "timezone": "时区", "packing_fee_fen": "打包费", "tables": "桌号",
            "seats": "座位", "area": "区域", "active": "启用", "sn": "打印机编号", "key": "识别码",
            "printer_sn": "打印机", "fallback_printer_sn": "备用打印机", "paper_columns": "纸宽", "receipt": "前台小票",
            "sort": "排序", "category_ids": "分类", "ingredient_id": "食材编号", "unit": "单位", "quantity": "库存",
            "threshold": "预警线", "cost_fen_per_unit": "成本", "counted": "盘点数量", "updated_at": "版本",
            "items": "菜品", "remark": "备注", "payment": "收款方式", "tendered_fen": "实收现金",
            "transaction_id": "付款码单号", "session_id": "桌台"}


def validated(model: type[BaseModel], data: dict, code: str):
    """``data`` as ``model``; a refusal names each wrong field (in Chinese for the page, as sent for scripts)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()})
        named = [FIELD_ZH.get(f.split(".")[0], "未知字段 " + f.split(".")[0]) for f in fields]
        raise InvalidRequest("invalid fields: " + ", ".join(fields), "以下内容有误：" + "、".join(dict.fromkeys(named)),
                             code=code, details={"fields": fields}) from None


def form_fields(model: type[BaseModel]) -> dict:
    """A console form as the model's fields: empty inputs left out (not sent), list fields from repeated
    inputs or comma-separated text, inputs the model does not have (the CSRF token, the URL's id) dropped."""
    data: dict = {}
    for name in request.form:
        if name not in model.model_fields:
            continue
        values = [v.strip() for v in request.form.getlist(name) if v.strip()]
        field = model.model_fields.get(name)
        if field is not None and "list" in str(field.annotation):
            data[name] = [part.strip() for v in values for part in v.replace("，", ",").split(",") if part.strip()]
        elif values:
            data[name] = values[-1]
    return data


def setup():
    return console().store_setup()


# ---- stores -----------------------------------------------------------------------------------------------

def _store_view(store) -> dict:
    return store.model_dump(mode="json", exclude={"settings", "images"})


@route("GET", "/api/stores", None, "The stores the caller may see (retired ones flagged)")
def stores():
    return {"stores": [_store_view(s) for s in visible_stores()]}


@route("POST", "/api/stores", Action.STORE_EDIT, "Create a store (owners); it accepts orders once switched on",
       StoreCreate, chain=True)
def create_store():
    body = body_of(StoreCreate, "INVALID_STORE")
    store, updated_at = setup().create_store(body)
    audit("store.create", store.store_id, store.store_id, name=store.name)
    return {"store": _store_view(store), "updated_at": updated_at}, 201


@route("GET", "/api/s/<store_id>/store", Action.STORE_VIEW, "A store's profile and its edit token")
def get_store(store_id: str):
    store, updated_at = console().repository.store_for_update(store_of(store_id).store_id)
    return {"store": _store_view(store), "updated_at": updated_at}


@route("POST", "/api/s/<store_id>/store", Action.STORE_EDIT, "Change a store's profile: the fields sent",
       StoreEdit)
def edit_store(store_id: str):
    body = body_of(StoreEdit, "INVALID_STORE")
    store, changed, updated_at = setup().edit_store(store_of(store_id).store_id, body)
    audit("store.profile", store_id, "profile", changed=changed)
    return {"store": _store_view(store), "changed": changed, "updated_at": updated_at}


@route("POST", "/api/s/<store_id>/store/retire", Action.STORE_EDIT, "Retire a store (owners): no new orders, "
       "hidden from guests, its orders and reports kept", chain=True)
def retire_store(store_id: str):
    store = setup().retire_store(store_of(store_id).store_id)
    audit("store.retire", store_id, store_id)
    return {"store": _store_view(store)}


# ---- tables -----------------------------------------------------------------------------------------------

@route("GET", "/api/s/<store_id>/setup/tables", Action.TABLES_VIEW, "Every table of the store, retired ones too")
def tables(store_id: str):
    store_of(store_id)
    return {"tables": sorted(console().seating_table().tables(store_id),
                             key=lambda t: (len(t["table_no"]), t["table_no"]))}


@route("POST", "/api/s/<store_id>/setup/tables", Action.STORE_EDIT, 'Add tables in bulk ("A1-A20, B1-B5")',
       TablesAdd)
def add_tables(store_id: str):
    body = body_of(TablesAdd, "INVALID_TABLES")
    names = setup().add_tables(store_of(store_id).store_id, body)
    audit("tables.add", store_id, f"{names[0]}..{names[-1]}", count=len(names), seats=body.seats, area=body.area)
    return {"tables": names}, 201


@route("POST", "/api/s/<store_id>/setup/tables/<table_no>", Action.STORE_EDIT,
       "Change a table's seats or area, or retire it (active=false)", TableEdit)
def edit_table(store_id: str, table_no: str):
    body = body_of(TableEdit, "INVALID_TABLE")
    table = setup().edit_table(store_of(store_id).store_id, table_no, body.model_dump(exclude_none=True))
    audit("tables.edit", store_id, table_no, **body.model_dump(exclude_none=True))
    return {"table": table}


# ---- printers and stations --------------------------------------------------------------------------------

@route("GET", "/api/s/<store_id>/setup/printers", Action.STORE_VIEW, "The store's printers")
def printers(store_id: str):
    store_of(store_id)
    return {"printers": setup().printers(store_id)}


@route("POST", "/api/s/<store_id>/setup/printers", Action.DEVICES_MANAGE,
       "Add a printer: registered at Feieyun with its SN and key (Open_printerAddlist)", PrinterAdd)
def add_printer(store_id: str):
    body = body_of(PrinterAdd, "INVALID_PRINTER")
    printer = setup().add_printer(store_of(store_id).store_id, body)
    audit("printer.add", store_id, body.sn, name=printer["name"])
    return {"printer": printer}, 201


@route("GET", "/api/s/<store_id>/setup/printers/<sn>", Action.STORE_VIEW, "A printer's live status at Feieyun")
def printer_status(store_id: str, sn: str):
    return {"sn": sn, "status": setup().printer_status(store_of(store_id).store_id, sn)}


@route("POST", "/api/s/<store_id>/setup/printers/<sn>/test", Action.DEVICES_MANAGE, "Print a test page")
def test_page(store_id: str, sn: str):
    print_id = setup().test_page(store_of(store_id).store_id, sn)
    audit("printer.test", store_id, sn)
    return {"sn": sn, "print_id": print_id}


@route("POST", "/api/s/<store_id>/setup/printers/<sn>/remove", Action.DEVICES_MANAGE,
       "Remove a printer no station uses (Open_printerDelList)")
def remove_printer(store_id: str, sn: str):
    setup().remove_printer(store_of(store_id).store_id, sn)
    audit("printer.remove", store_id, sn)
    return {"sn": sn, "removed": True}


@route("GET", "/api/s/<store_id>/setup/stations", Action.STORE_VIEW, "The store's kitchen stations (retired ones "
       "with retired_at)")
def stations(store_id: str):
    store_of(store_id)
    return {"stations": [{**s.model_dump(mode="json"), "retired_at": at}
                         for s, at in console().print_jobs().all_stations(store_id)]}


@route("POST", "/api/s/<store_id>/setup/stations/<station_id>", Action.DEVICES_MANAGE,
       "Create or change a station: its printers and the categories that print there", StationSave)
def save_station(store_id: str, station_id: str):
    if not station_id.replace("-", "").isalnum() or not station_id.isascii() or len(station_id) > 32:
        raise InvalidRequest("station id: a-z 0-9 -", "档口编号为字母数字", code="INVALID_STATION")
    body = body_of(StationSave, "INVALID_STATION")
    station = setup().save_station(store_of(store_id).store_id, station_id, body)
    audit("station.save", store_id, station_id, printer_sn=body.printer_sn, categories=body.category_ids)
    return {"station": station.model_dump(mode="json")}


@route("POST", "/api/s/<store_id>/setup/stations/<station_id>/retire", Action.DEVICES_MANAGE,
       "Retire a station: no dish prints there again, its printers unbound; refused (409 STATION_IN_USE, naming "
       "them) while dishes or categories print there, unless move_to names the station they move to", StationRetire)
def retire_station(store_id: str, station_id: str):
    body = body_of(StationRetire, "INVALID_STATION")
    station, done = setup().retire_station(store_of(store_id).store_id, station_id, body)
    if not done["replay"]:
        audit("station.retire", store_id, station_id, **{k: v for k, v in done.items() if k != "replay"})
    return {"station": station.model_dump(mode="json"), **done}


# ---- ingredients ------------------------------------------------------------------------------------------

@route("GET", "/api/s/<store_id>/setup/ingredients", Action.STOCK_VIEW, "Ingredients with quantity, threshold, cost")
def ingredients(store_id: str):
    store_of(store_id)
    return {"ingredients": console().stock().overview(store_id)["ingredients"]}


@route("POST", "/api/s/<store_id>/setup/ingredients", Action.STOCK_ADJUST,
       "Add an ingredient (unit, opening quantity, threshold, cost per unit)", IngredientCreate)
def add_ingredient(store_id: str):
    body = body_of(IngredientCreate, "INVALID_INGREDIENT")
    ingredient = setup().add_ingredient(store_of(store_id).store_id, body)
    audit("stock.ingredient_add", store_id, ingredient.ingredient_id, unit=ingredient.unit.value,
          threshold=ingredient.threshold, cost_fen_per_unit=ingredient.cost_fen_per_unit)
    return {"ingredient": ingredient.model_dump(mode="json")}, 201


@route("POST", "/api/s/<store_id>/setup/ingredients/<ingredient_id>", Action.STOCK_ADJUST,
       "Change an ingredient's name, threshold or cost", IngredientEdit)
def edit_ingredient(store_id: str, ingredient_id: str):
    body = body_of(IngredientEdit, "INVALID_INGREDIENT")
    ingredient = setup().edit_ingredient(store_of(store_id).store_id, ingredient_id, body)
    audit("stock.ingredient_edit", store_id, ingredient_id, **body.model_dump(exclude_none=True))
    return {"ingredient": ingredient.model_dump(mode="json")}


@route("POST", "/api/s/<store_id>/setup/ingredients/<ingredient_id>/count", Action.STOCK_ADJUST,
       "A stock-take: the counted quantity replaces the book one (the difference is in the ledger)", StockTake)
def count_ingredient(store_id: str, ingredient_id: str):
    body = body_of(StockTake, "INVALID_QUANTITY")
    ingredient = console().stock().stock_take(store_of(store_id).store_id, ingredient_id,
                                                            body.counted, by=g.staff.staff_id)
    audit("stock.count", store_id, ingredient_id, counted=body.counted)
    return {"ingredient": ingredient.model_dump(mode="json")}


# ---- staff ------------------------------------------------------------------------------------------------

@route("POST", "/api/s/<store_id>/staff", Action.STAFF_STORE, "Create a staff account of the store (an owner: "
       "a manager too): login, name, role, password (10+), refund limits")
def create_staff(store_id: str):
    return staff_views.create(store_id=store_id)

