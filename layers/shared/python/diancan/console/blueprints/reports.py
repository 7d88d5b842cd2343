"""Reports (built by the reports area): listed here once ``bootstrap.reports()`` exists."""

from __future__ import annotations

from flask import Blueprint, render_template

from diancan.console.blueprints.common import console, store_of
from diancan.console.security import requires
from diancan.console.wiring import NotBuiltYet
from diancan.domain.staff import Action

bp = Blueprint("reports", __name__)


@bp.get("/s/<store_id>/reports")
@requires(Action.REPORTS_VIEW)
def page(store_id: str):
    try:
        reports = console().service("reports", "报表").list_reports(store_id)
    except NotBuiltYet:
        reports = None
    return render_template("reports.html", store=store_of(store_id), reports=reports)
