"""The chain's dashboard (owners): every store's counters summed, plus each store's own line."""

from __future__ import annotations

from flask import Blueprint, render_template

from diancan.console.blueprints.common import console, day_asked, visible_stores
from diancan.console.security import requires
from diancan.domain.staff import Action

bp = Blueprint("chain", __name__)


@bp.get("/chain")
@requires(Action.CHAIN_DASHBOARD_VIEW)
def page():
    """The chain's figures; above them, the last day's login lockouts, if any (details on the staff page)."""
    guard = console().guard
    return render_template("dashboard.html", store=None, scope="chain", feed="/api/chain/dashboard",
                           lockouts=guard.recent_lockouts(days=1) if guard else [])


@bp.get("/api/chain/dashboard")
@requires(Action.CHAIN_DASHBOARD_VIEW)
def figures():
    stores = visible_stores()
    view = console().stats.dashboard([s.store_id for s in stores], day_asked(), per_store=True)
    names = {s.store_id: s.name for s in stores}
    for line in view["per_store"]:
        line["name"] = names[line["store_id"]]
    return view
