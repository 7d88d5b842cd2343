"""A store's live dashboard: the page, and the JSON it polls (counters only, no order scan)."""

from __future__ import annotations

from flask import Blueprint, render_template

from diancan.console.blueprints.common import console, day_asked, store_of
from diancan.console.security import requires
from diancan.domain.staff import Action

bp = Blueprint("dashboard", __name__)


@bp.get("/s/<store_id>/")
@requires(Action.DASHBOARD_VIEW)
def page(store_id: str):
    return render_template("dashboard.html", store=store_of(store_id), scope="store",
                           feed=f"/api/s/{store_id}/dashboard", push_topic=f"dashboard:{store_id}")


@bp.get("/api/s/<store_id>/dashboard")
@requires(Action.DASHBOARD_VIEW)
def figures(store_id: str):
    store_of(store_id)
    return console().stats.dashboard([store_id], day_asked())
