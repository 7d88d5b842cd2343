"""Campaigns to segments: issue a coupon template to a segment's members now or at a set time, leave a control
group out (deterministic hash split, domain/campaigns.py), cap the coupons per guest, and measure the uplift:
orders and spend of the targeted against the control group over the campaign's window.

Sending is idempotent: each member's side is written once (``add_member`` if absent) and coupons are claimed
under the campaign's period, so a resend after a failure gives no one a second side or more than the cap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from diancan.domain.campaigns import (
    CONTROL,
    CUSTOM_PREFIX,
    TARGETED,
    Campaign,
    CampaignRequest,
    GroupOutcome,
    in_control,
    uplift,
)
from diancan.domain.clock import iso, parse_iso, utcnow
from diancan.domain.errors import InvalidRequest
from diancan.domain.order_status import PAID_STATUSES, OrderStatus
from diancan.domain.segments import SEGMENT_IDS
from diancan.services.coupons import CouponService
from diancan.services.ports import CampaignBook, Marketing, ProfileBook

logger = logging.getLogger(__name__)
SEGMENT_BY_ID = {v: k for k, v in SEGMENT_IDS.items()}
COUNTED = PAID_STATUSES | {OrderStatus.REFUNDING}  # orders the guest paid for (a full refund leaves them out)


class SegmentCampaigns:
    def __init__(self, campaigns: CampaignBook, profiles: ProfileBook, marketing: Marketing, coupons: CouponService,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._campaigns = campaigns
        self._profiles = profiles
        self._marketing = marketing
        self._coupons = coupons
        self._clock = clock

    def create(self, request: CampaignRequest, by: str) -> Campaign:
        """Save the campaign and send it at once unless it is set for later."""
        now = self._clock()
        self._marketing.get_template(request.template_id)  # 404 before anything is written
        if request.send_at is not None:
            try:
                send_at = parse_iso(request.send_at)
            except ValueError:
                raise InvalidRequest("send_at is an ISO 8601 instant with an offset", "发送时间格式有误",
                                     code="INVALID_SEND_AT") from None
            request = request.model_copy(update={"send_at": iso(send_at) if send_at > now else None})
        campaign = Campaign(**request.model_dump(), created_at=iso(now), created_by=by)
        self._campaigns.create(campaign)
        return campaign if campaign.send_at else self.send(campaign)

    def send_due(self) -> list[str]:
        """Send every scheduled campaign whose time has come (the daily job, after the segments moved)."""
        return [self.send(c).campaign_id for c in self._campaigns.due(iso(self._clock()))]

    def send(self, campaign: Campaign) -> Campaign:
        template = self._marketing.get_template(campaign.template_id)
        # The campaign's cap is the claim limit within its period: a resend issues nothing more.
        capped = template.model_copy(update={"per_guest_limit": min(template.per_guest_limit, campaign.per_guest_cap)})
        targeted = control = issued = 0
        for stored in self._members(campaign.segment_id):
            if in_control(campaign.campaign_id, stored.openid, campaign.control_percent):
                control += self._campaigns.add_member(campaign.campaign_id, stored.openid, CONTROL, 0)
                continue
            coupons = 0
            for _ in range(campaign.per_guest_cap):
                if self._coupons.issue(stored.openid, capped, campaign.campaign_id) is None:
                    break  # the cap (or the template's own per-guest limit) reached, or its stock ran out
                coupons += 1
            targeted += self._campaigns.add_member(campaign.campaign_id, stored.openid, TARGETED, coupons)
            issued += coupons
        sent = campaign.model_copy(update={"sent_at": iso(self._clock()), "targeted": campaign.targeted + targeted,
                                           "control": campaign.control + control, "issued": campaign.issued + issued})
        self._campaigns.mark_sent(sent)
        logger.info("campaign sent", extra={"campaign": campaign.campaign_id, "targeted": targeted, "control": control})
        return sent

    def _members(self, segment_id: str):
        """An RFM segment's members (Query GSI2), or a saved custom segment's as the last nightly run listed
        them (a Query per page of its list)."""
        if segment_id.startswith(CUSTOM_PREFIX):
            return self._profiles.custom_members(segment_id.removeprefix(CUSTOM_PREFIX))
        return self._profiles.members_in(SEGMENT_BY_ID[segment_id])

    def report(self, campaign_id: str) -> dict:
        """Orders and spend (paid, less refunds) of each group within [sent, sent + window days): the members'
        sides (one Query of the campaign, paged) and the orders of the window, matched in memory."""
        campaign = self._campaigns.get(campaign_id)
        if campaign.sent_at is None:
            raise InvalidRequest("not sent yet", "活动尚未发送", code="CAMPAIGN_NOT_SENT")
        start = campaign.sent_at
        end = iso(parse_iso(start) + timedelta(days=campaign.window_days))
        totals = {TARGETED: [0, 0, 0], CONTROL: [0, 0, 0]}
        groups = dict(self._campaigns.members(campaign_id))  # openid -> group: the campaign's size, no more
        for group in groups.values():
            totals[group][0] += 1
        # the window's orders: a Query per member or per store and day, whichever is fewer
        for order in self._campaigns.orders_in_window(start, end, groups.keys()):
            group = groups.get(order.openid)
            if group is not None and order.status in COUNTED:
                totals[group][1] += 1
                totals[group][2] += max(0, order.total_fen - order.refunded_fen)
        report = uplift(GroupOutcome(*totals[TARGETED]), GroupOutcome(*totals[CONTROL]))
        return {"campaign": campaign.model_dump(), "window": {"from": start, "to": end}, **report}
