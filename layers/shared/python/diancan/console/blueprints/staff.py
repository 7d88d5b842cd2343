"""Staff list (owners). Accounts are created with local/demo_staff.py or StaffAccounts.create for now."""

from __future__ import annotations

from flask import Blueprint, render_template

from diancan.console.blueprints.common import console
from diancan.console.security import requires
from diancan.domain.staff import Action

bp = Blueprint("staff", __name__)


@bp.get("/staff")
@requires(Action.STAFF_MANAGE)
def page():
    return render_template("staff.html", people=console().accounts.everyone())
