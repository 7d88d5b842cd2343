"""Members (owners): spend, visits, last visit, points and level, one day of latest orders a page
(``adapters.member_list.MemberList``: GSI2 ``LASTORDER#<day>`` then BatchGetItem, never a scan)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template

from diancan.adapters.member_list import MemberList
from diancan.console.blueprints.common import day_asked
from diancan.console.security import requires
from diancan.domain.membership import level_for, member_code
from diancan.domain.staff import Action

bp = Blueprint("members", __name__)


def _view(row) -> dict:
    return {"member": member_code(row.openid), "last_visit": row.last_visit, "points": row.points,
            "spend_fen": row.spend_fen, "visits": row.visits, "level": level_for(row.spend_fen).name}


@bp.get("/members")
@requires(Action.MARKETING_MANAGE)
def page():
    day = day_asked()
    rows = [_view(r) for r in MemberList().on_day(day.isoformat())]
    return render_template("members.html", store=None, day=day, rows=rows,
                           older=(day - timedelta(days=1)).isoformat(), newer=(day + timedelta(days=1)).isoformat())


@bp.get("/api/members")
@requires(Action.MARKETING_MANAGE)
def listing():
    day = day_asked()
    return {"day": day.isoformat(), "older": (day - timedelta(days=1)).isoformat(),
            "members": [_view(r) for r in MemberList().on_day(day.isoformat())]}
