"""Store profile, hours and tables (read here); stations and their printers from ``bootstrap.print_jobs().stations``."""

from __future__ import annotations

from flask import Blueprint, render_template

from diancan.console.blueprints.common import console, store_of
from diancan.console.security import requires
from diancan.console.wiring import NotBuiltYet
from diancan.domain.staff import Action

bp = Blueprint("stores", __name__)


@bp.get("/s/<store_id>/store")
@requires(Action.STORE_VIEW)
def page(store_id: str):
    try:
        devices = [station.model_dump(mode="json") for station in console().service("print_jobs", "设备").stations(store_id)]
    except NotBuiltYet:
        devices = None
    return render_template("store.html", store=store_of(store_id), devices=devices)
