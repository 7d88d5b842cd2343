"""Reports (built by report_build): the store's list, from ``ConsoleServices.reports``."""

from __future__ import annotations

from flask import Blueprint, render_template

from diancan.console.blueprints.common import console, store_of
from diancan.console.security import requires
from diancan.domain.staff import Action

bp = Blueprint("reports", __name__)


@bp.get("/s/<store_id>/reports")
@requires(Action.REPORTS_VIEW)
def page(store_id: str):
    reports = console().reports().list_reports(store_id)
    return render_template("reports.html", store=store_of(store_id), reports=reports)
