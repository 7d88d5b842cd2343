"""The console's setup pages: the chain's stores (create, retire) and a store's setup page (tables in bulk,
printers with status and test page, stations, ingredients). Each form calls the management API's view
(``setup``), so both take the same checks and write the same audit; a refused form shows the page again
with the reason (4xx), nothing written."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, g, redirect, render_template, request, url_for

from diancan.console.blueprints import setup as api
from diancan.console.blueprints.common import console, store_of, visible_stores
from diancan.console.blueprints.store_profile import _hours
from diancan.console.security import audit, requires, wants_json
from diancan.domain.errors import DomainError
from diancan.domain.setup import StoreCreate
from diancan.domain.staff import Action, authorize

bp = Blueprint("setup_pages", __name__)
WEEKDAY_HINT = "一二三四五 10:00-14:00\n一二三四五 17:00-22:00\n六日 09:00-23:00"


def _stores_page(error: DomainError | None = None, form: dict | None = None):
    return render_template("stores.html", stores=visible_stores(), error=error, form=form or {}, store=None,
                           hint=WEEKDAY_HINT), error.status if error else 200


@bp.get("/stores")
@requires(Action.STORE_EDIT)
def stores():
    return _stores_page()


@bp.post("/stores")
@requires(Action.STORE_EDIT)
def create_store():
    form = request.form.to_dict()
    try:
        data = {k: v.strip() for k, v in form.items() if k != "csrf_token" and v.strip()}
        data["hours"] = _hours(form.get("hours", ""))
        data["modes"] = request.form.getlist("modes") or None
        data["closed_dates"] = form.get("closed_dates", "").split() or None
        data["accepting_orders"] = "accepting_orders" in form
        body = api.validated(StoreCreate, {k: v for k, v in data.items() if v is not None}, "INVALID_STORE")
        store, _ = api.setup().create_store(body)
    except DomainError as refused:
        if wants_json():
            raise
        return _stores_page(refused, form)
    audit("store.create", store.store_id, store.store_id, name=store.name)
    return redirect(url_for("setup_pages.page", store_id=store.store_id))


@bp.post("/s/<store_id>/store/retire")
@requires(Action.STORE_EDIT)
def retire_store(store_id: str):
    authorize(g.staff, Action.STORE_EDIT)  # chain-wide: owners
    try:
        api.retire_store(store_id=store_id)
    except DomainError as refused:
        if wants_json():
            raise
        return _stores_page(refused)
    return redirect(url_for("setup_pages.stores"))


def _page(store_id: str, error: DomainError | None = None):
    store = store_of(store_id)
    service = api.setup()
    printers = service.printers(store_id)
    status = {}
    for printer in printers:
        try:
            status[printer["sn"]] = service.printer_status(store_id, printer["sn"])
        except Exception:
            status[printer["sn"]] = "unknown"
    tables = sorted(console().seating_table().tables(store_id),
                    key=lambda t: (len(t["table_no"]), t["table_no"]))
    return render_template("setup.html", store=store, error=error, tables=tables, printers=printers, status=status,
                           stations=console().print_jobs().all_stations(store_id),
                           categories=console().repository.load_menu(store_id).categories,
                           ingredients=console().stock().overview(store_id)["ingredients"]
                           ), error.status if error else 200


@bp.get("/s/<store_id>/setup")
@requires(Action.STORE_VIEW)
def page(store_id: str):
    return _page(store_id)


def _form(store_id: str, view: Callable, **kwargs):
    try:
        view(store_id=store_id, **kwargs)
    except DomainError as refused:
        if wants_json():  # a script posting the form: the error format, not the page
            raise
        return _page(store_id, refused)
    return redirect(url_for("setup_pages.page", store_id=store_id))


@bp.post("/s/<store_id>/setup/tables")
@requires(Action.STORE_EDIT)
def add_tables(store_id: str):
    return _form(store_id, api.add_tables)


@bp.post("/s/<store_id>/setup/tables/<table_no>")
@requires(Action.STORE_EDIT)
def edit_table(store_id: str, table_no: str):
    return _form(store_id, api.edit_table, table_no=table_no)


@bp.post("/s/<store_id>/setup/printers")
@requires(Action.DEVICES_MANAGE)
def add_printer(store_id: str):
    return _form(store_id, api.add_printer)


@bp.post("/s/<store_id>/setup/printers/<sn>/test")
@requires(Action.DEVICES_MANAGE)
def test_page(store_id: str, sn: str):
    return _form(store_id, api.test_page, sn=sn)


@bp.post("/s/<store_id>/setup/printers/<sn>/remove")
@requires(Action.DEVICES_MANAGE)
def remove_printer(store_id: str, sn: str):
    return _form(store_id, api.remove_printer, sn=sn)


@bp.post("/s/<store_id>/setup/stations")
@requires(Action.DEVICES_MANAGE)
def save_station(store_id: str):
    return _form(store_id, api.save_station, station_id=request.form.get("station_id", "").strip())


@bp.post("/s/<store_id>/setup/stations/<station_id>/retire")
@requires(Action.DEVICES_MANAGE)
def retire_station(store_id: str, station_id: str):
    """停用档口: refused with the dishes named unless the form picks the station they move to."""
    return _form(store_id, api.retire_station, station_id=station_id)


@bp.post("/s/<store_id>/setup/ingredients")
@requires(Action.STOCK_ADJUST)
def add_ingredient(store_id: str):
    return _form(store_id, api.add_ingredient)


@bp.post("/s/<store_id>/setup/ingredients/<ingredient_id>")
@requires(Action.STOCK_ADJUST)
def edit_ingredient(store_id: str, ingredient_id: str):
    return _form(store_id, api.edit_ingredient, ingredient_id=ingredient_id)
