"""The kitchen: today's paid and in-progress orders (with start / ready buttons), one screen per station
(its open tickets from ``bootstrap.kitchen().open_tickets``, bumped one by one) and the pickup board for the
counter's screen (numbers preparing and ready; the browser speaks the number that was just called)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, url_for

from diancan.console.blueprints.common import answer, console, form_or_json, store_of
from diancan.console.security import audit, requires
from diancan.domain.errors import InvalidRequest, NotFound
from diancan.domain.staff import Action
from diancan.services.store_orders import OrderFilter

bp = Blueprint("kitchen", __name__)
ON_SCREEN = ("PAID", "PREPARING")


def _queue(store_id: str) -> list[dict]:
    day = console().stats.today().isoformat()
    orders = console().orders.search(store_id, day, OrderFilter())
    on_screen = [o for o in reversed(orders) if o["status"] in ON_SCREEN]
    return sorted(on_screen, key=_due)  # stable: orders due together keep their payment order


def _due(order: dict) -> str:
    """When the kitchen must have it: a pre-order's pickup time, else its payment time."""
    return order.get("pickup_at") or order.get("paid_at") or order.get("created_at") or ""


def _stations(store_id: str) -> list:
    return [s for s in console().print_jobs().stations(store_id) if not s.receipt]


def _station(store_id: str, station_id: str):
    for station in _stations(store_id):
        if station.station_id == station_id:
            return station
    raise NotFound("no such station", "档口不存在", code="STATION_NOT_FOUND")


@bp.get("/s/<store_id>/kitchen")
@requires(Action.KITCHEN_VIEW)
def page(store_id: str):
    store = store_of(store_id)
    return render_template("kitchen.html", store=store, orders=_queue(store_id), stations=_stations(store_id),
                           service=console().busy_mode().view(store))


@bp.get("/api/s/<store_id>/kitchen")
@requires(Action.KITCHEN_VIEW)
def queue(store_id: str):
    store_of(store_id)
    return {"orders": _queue(store_id)}


@bp.get("/s/<store_id>/kitchen/<station_id>")
@requires(Action.KITCHEN_VIEW)
def station_page(store_id: str, station_id: str):
    station = _station(store_of(store_id).store_id, station_id)
    board = console().kitchen().open_tickets(store_id, station_id)
    return render_template("station.html", store=store_of(store_id), station=station, tickets=board["tickets"],
                           feed=url_for("kitchen.station_tickets", store_id=store_id, station_id=station_id),
                           push_topic=f"kitchen:{store_id}:{station_id}")


@bp.get("/api/s/<store_id>/kitchen/<station_id>")
@requires(Action.KITCHEN_VIEW)
def station_tickets(store_id: str, station_id: str):
    _station(store_of(store_id).store_id, station_id)
    return console().kitchen().open_tickets(store_id, station_id)


@bp.post("/s/<store_id>/kitchen/<station_id>/bump/<order_id>/<ticket_id>")
@requires(Action.ORDERS_READY)
def bump(store_id: str, station_id: str, order_id: str, ticket_id: str):
    """A cook bumps a ticket; the order becomes READY (number called) when its last kitchen ticket is bumped."""
    console().orders.get(store_id, order_id)
    result = console().kitchen().bump(order_id, ticket_id, f"staff:{g.staff.staff_id}")
    audit("kitchen.bump", store_id, order_id, ticket_id=ticket_id, station_id=station_id)
    return answer(result, url_for("kitchen.station_page", store_id=store_id, station_id=station_id))


@bp.get("/api/s/<store_id>/service")
@requires(Action.KITCHEN_VIEW)
def service(store_id: str):
    """Busy (switched or automatic), delivery paused, open kitchen tickets and the automatic limit."""
    return console().busy_mode().view(store_of(store_id))


def _switch(store_id: str, name: str):
    store = store_of(store_id)
    raw = form_or_json().get("on")
    on = {True: True, False: False, "1": True, "0": False, "true": True, "false": False, "on": True, "off": False}.get(
        raw.strip().lower() if isinstance(raw, str) else raw)
    if on is None:
        raise InvalidRequest("on must be true or false", "请选择开启或关闭", code="INVALID_SWITCH")
    result = console().busy_mode().switch(store, name, on, f"staff:{g.staff.staff_id}")
    if result["changed"]:
        audit(f"store.{name}", store_id, name, on=on)
    return answer(result, url_for("kitchen.page", store_id=store_id))


@bp.post("/s/<store_id>/service/busy")
@requires(Action.STORE_BUSY)
def switch_busy(store_id: str):
    """Busy mode by hand: the menu tells guests, pre-order slots shrink (cashiers, managers, owners)."""
    return _switch(store_id, "busy")


@bp.post("/s/<store_id>/service/delivery-paused")
@requires(Action.STORE_EDIT)
def switch_delivery(store_id: str):
    """Pause delivery alone: delivery orders are refused, takeout and dine-in stay open (managers, owners)."""
    return _switch(store_id, "delivery_paused")


@bp.get("/s/<store_id>/pickup")
@requires(Action.KITCHEN_VIEW)
def pickup_page(store_id: str):
    return render_template("pickup.html", store=store_of(store_id), board=_board(store_id),
                           feed=url_for("kitchen.pickup_board", store_id=store_id), push_topic=f"board:{store_id}")


@bp.get("/api/s/<store_id>/pickup")
@requires(Action.KITCHEN_VIEW)
def pickup_board(store_id: str):
    store_of(store_id)
    return _board(store_id)


def _board(store_id: str) -> dict:
    return console().kitchen().pickup_board(store_id, console().business_tz)


@bp.post("/s/<store_id>/orders/<order_id>/call")
@requires(Action.ORDERS_READY)
def call(store_id: str, order_id: str):
    """Call a number at the counter (READY, OrderReady to the guest); the pickup board speaks it."""
    console().orders.get(store_id, order_id)
    result = console().kitchen().call_number(order_id, f"staff:{g.staff.staff_id}")
    audit("order.call", store_id, order_id, pickup_no=result.get("pickup_no"))
    return answer(result, url_for("kitchen.pickup_page", store_id=store_id))
