"""The kitchen screen: today's paid and in-progress orders, oldest first, with "ready" buttons."""

from __future__ import annotations

from flask import Blueprint, render_template

from diancan.console.blueprints.common import console, store_of
from diancan.console.security import requires
from diancan.domain.staff import Action
from diancan.services.store_orders import OrderFilter

bp = Blueprint("kitchen", __name__)
ON_SCREEN = ("PAID", "PREPARING")


def _queue(store_id: str) -> list[dict]:
    day = console().stats.today().isoformat()
    orders = console().orders.search(store_id, day, OrderFilter())
    return [o for o in reversed(orders) if o["status"] in ON_SCREEN]


@bp.get("/s/<store_id>/kitchen")
@requires(Action.KITCHEN_VIEW)
def page(store_id: str):
    return render_template("kitchen.html", store=store_of(store_id), orders=_queue(store_id))


@bp.get("/api/s/<store_id>/kitchen")
@requires(Action.KITCHEN_VIEW)
def queue(store_id: str):
    store_of(store_id)
    return {"orders": _queue(store_id)}
