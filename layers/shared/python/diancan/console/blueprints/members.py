"""Members (owners): spend, visits, last visit, points and level, one day of latest orders a page
(``adapters.member_list.MemberList``: GSI2 ``LASTORDER#<day>`` then BatchGetItem, never a scan); and their
segments (services/segment_board.py: the daily job's figures, a segment's members by member code)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, g, render_template, request

from diancan.adapters.member_list import MemberList
from diancan.console.blueprints.common import console, day_asked, form_or_json
from diancan.console.security import audit, requires
from diancan.domain.errors import InvalidRequest
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


# ---- segments (用户分群): sizes over time, flows, lists and exports, the owner's settings --------------------


@bp.get("/segments")
@requires(Action.MARKETING_MANAGE)
def segments_page():
    overview = console().segment_board().overview(_days())
    return render_template("segments.html", store=None, o=overview)


@bp.get("/api/segments")
@requires(Action.MARKETING_MANAGE)
def segments_overview():
    return console().segment_board().overview(_days())


@bp.get("/segments/<segment_id>")
@requires(Action.MARKETING_MANAGE)
def segment_members(segment_id: str):
    """A segment's members: the page, or ``?format=csv|xlsx`` (every text cell neutralised by
    services/spreadsheets)."""
    listing = console().segment_board().members(segment_id)
    wanted = request.args.get("format", "")
    if wanted in ("csv", "xlsx"):
        from diancan.services.spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_text, xlsx_bytes

        body = csv_text(listing["members"]) if wanted == "csv" else xlsx_bytes({listing["name"]: listing["members"]})
        audit("segments.export", None, segment_id, format=wanted, members=len(listing["members"]))
        return Response(body, mimetype=CSV_MEDIA_TYPE if wanted == "csv" else XLSX_MEDIA_TYPE, headers={
            "Content-Disposition": f'attachment; filename="segment-{segment_id}.{wanted}"'})
    if wanted:
        raise InvalidRequest("format is csv or xlsx", "导出格式为 csv 或 xlsx", code="INVALID_FORMAT")
    return render_template("segment_members.html", store=None, listing=listing)


@bp.get("/api/segments/<segment_id>")
@requires(Action.MARKETING_MANAGE)
def segment_members_json(segment_id: str):
    return console().segment_board().members(segment_id)


@bp.post("/api/segments/settings")
@requires(Action.MARKETING_MANAGE)
def segment_settings():
    saved = console().segment_board().save_settings(form_or_json())
    audit("segments.settings", None, "segments", custom=len(saved["custom"]))
    return saved


def _days() -> int:
    raw = request.args.get("days", "28")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 15):
        raise InvalidRequest("days is a whole number", "天数须为整数", code="INVALID_DAYS")
    return int(raw)


@bp.post("/api/segments/campaigns")
@requires(Action.MARKETING_MANAGE)
def segment_campaign():
    """Issue a coupon template to a segment now or at ``send_at``, with a control group and a per-guest cap."""
    from pydantic import ValidationError

    from diancan.domain.campaigns import CampaignRequest

    try:
        asked = CampaignRequest.model_validate(form_or_json())
    except ValidationError as error:
        raise InvalidRequest("invalid campaign", "活动设置有误", code="INVALID_CAMPAIGN", details={"errors": [
            {"loc": [str(x) for x in e["loc"]], "msg": e["msg"]} for e in error.errors()[:10]]}) from None
    campaign = console().segment_campaigns().create(asked, f"staff:{g.staff.staff_id}")
    audit("segments.campaign", None, campaign.campaign_id, segment=campaign.segment_id, template=campaign.template_id,
          targeted=campaign.targeted, control=campaign.control, issued=campaign.issued)
    return campaign.model_dump()


@bp.get("/api/segments/campaigns/<campaign_id>")
@requires(Action.MARKETING_MANAGE)
def segment_campaign_report(campaign_id: str):
    """The uplift: orders and spend of the targeted against the control group over the campaign's window."""
    return console().segment_campaigns().report(campaign_id)
