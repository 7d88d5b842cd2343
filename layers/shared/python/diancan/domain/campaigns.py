"""Campaigns to a segment: a coupon template issued to a segment's members, now or at a set time, with a
per-guest cap and a control group left out by a deterministic hash split; and the uplift report.

The control group is chosen by ``in_control``: the first 8 hex digits of SHA-256(campaign id + openid) mod 100
below ``control_percent``. The same member is always on the same side of the same campaign (a rerun or a
retry never moves anyone), and different campaigns split differently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pydantic import BaseModel, Field

from diancan.domain.money import Fen

CUSTOM_PREFIX = "custom:"
SEGMENT_PATTERN = r"^(new|active|high_value|sleeping|at_risk|lost|custom:[a-z0-9][a-z0-9-]{0,31})$"
TARGETED, CONTROL = "targeted", "control"


def in_control(campaign_id: str, openid: str, control_percent: int) -> bool:
    digest = hashlib.sha256(f"{campaign_id}#{openid}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 < control_percent


class CampaignRequest(BaseModel):
    """What the owner asks for (console body)."""

    campaign_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,29}$")
    template_id: str = Field(min_length=1, max_length=64)
    segment_id: str = Field(pattern=SEGMENT_PATTERN, description="an RFM segment's id, or custom:<saved segment id>")
    control_percent: int = Field(10, ge=0, le=50)
    per_guest_cap: int = Field(1, ge=1, le=5, description="coupons a member gets at most (the template's own "
                                                          "per-guest limit may be lower)")
    send_at: str | None = Field(None, description="ISO 8601 instant; none or past: now")
    window_days: int = Field(14, ge=1, le=90, description="days after sending that the uplift report counts")


class Campaign(CampaignRequest):
    created_at: str
    created_by: str
    sent_at: str | None = None
    targeted: int = 0
    control: int = 0
    issued: int = 0


@dataclass(frozen=True)
class GroupOutcome:
    members: int
    orders: int
    spend_fen: Fen


def _per_member(total: int, members: int, scale: int = 1) -> int:
    return total * scale // members if members else 0


def uplift(targeted: GroupOutcome, control: GroupOutcome) -> dict:
    """Orders per 100 members and spend per member (fen, rounded down) of each group, and the difference
    targeted − control, absolute and as a percent of the control's (rounded down; None without a control)."""
    t_orders, c_orders = _per_member(targeted.orders, targeted.members, 100), _per_member(control.orders, control.members, 100)
    t_spend, c_spend = _per_member(targeted.spend_fen, targeted.members), _per_member(control.spend_fen, control.members)
    return {
        "targeted": {"members": targeted.members, "orders": targeted.orders, "spend_fen": targeted.spend_fen,
                     "orders_per_100_members": t_orders, "spend_per_member_fen": t_spend},
        "control": {"members": control.members, "orders": control.orders, "spend_fen": control.spend_fen,
                    "orders_per_100_members": c_orders, "spend_per_member_fen": c_spend},
        "uplift": {"orders_per_100_members": t_orders - c_orders, "spend_per_member_fen": t_spend - c_spend,
                   "orders_percent": (t_orders - c_orders) * 100 // c_orders if c_orders else None,
                   "spend_percent": (t_spend - c_spend) * 100 // c_spend if c_spend else None},
    }
