"""The audit log of a store: who changed prices, refunded, counted stock, reprinted; and, chain-wide, the state of
guests' "delete my data" requests."""

from __future__ import annotations

from flask import Blueprint, render_template

from diancan.console.blueprints.common import console, store_of
from diancan.console.security import requires
from diancan.domain.staff import Action

bp = Blueprint("audit", __name__)


@bp.get("/s/<store_id>/audit")
@requires(Action.AUDIT_VIEW)
def page(store_id: str):
    return render_template("audit.html", store=store_of(store_id), entries=console().audit.recent(store_id))


@bp.get("/api/privacy/erasures")
@requires(Action.AUDIT_VIEW)
def erasures():
    """Guests' "delete my data" requests, newest first, with their state (chain-wide: owners). Each guest appears
    as their member code, never their openid."""
    return {"erasures": console().erasures().recent()}
