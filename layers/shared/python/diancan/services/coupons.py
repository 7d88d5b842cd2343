"""Guests claim coupons; rules issue them; the wallet shows them. Stock and limits are the table's job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from diancan.domain.clock import business_day, utcnow
from diancan.domain.coupons import (
    ClaimLimitReached,
    CouponNotClaimable,
    CouponsGone,
    CouponTemplate,
    GuestFacts,
    claim_period,
    due_templates,
)
from diancan.domain.promotions import Coupon
from diancan.services.ports import Marketing

logger = logging.getLogger(__name__)


PAST_SHOWN = 20


def coupon_view(coupon: Coupon, status: str) -> dict:
    """The coupon as the guest sees it: its terms, and its own expiry (set when it was issued, never past the
    template's end), which wins over the terms' ``valid_until`` (empty when the template has no end)."""
    return {**coupon.rule.model_dump(mode="json"), "coupon_id": coupon.coupon_id, "template_id": coupon.template_id,
            "status": status, "valid_until": coupon.valid_until.isoformat()}


class CouponService:
    def __init__(self, marketing: Marketing, clock: Callable[[], datetime] = utcnow) -> None:
        self._marketing = marketing
        self._clock = clock

    def claim(self, openid: str, template_id: str) -> dict:
        """Claim one coupon of a claimable template (two calls: GetItem, then one transaction)."""
        now = self._clock()
        template = self._marketing.get_template(template_id)
        if not template.claimable or not template.open_for_claims(now):
            raise CouponNotClaimable(details={"template_id": template_id})
        coupon = template.issue(now)
        self._marketing.claim(openid, template, coupon)
        logger.info("coupon claimed", extra={"template_id": template_id, "coupon_id": coupon.coupon_id})
        return coupon_view(coupon, "available")

    def wallet(self, openid: str) -> list[dict]:
        """Unexpired coupons first by expiry; used and expired ones are left out."""
        return self.wallet_and_past(openid)[0]

    def wallet_and_past(self, openid: str, past_shown: int = PAST_SHOWN) -> tuple[list[dict], list[dict]]:
        """The usable coupons (first to expire first) and, from the same query, the latest used, reserved
        (held by an unpaid order) and expired ones for the guest's history."""
        now = self._clock()
        entries = self._marketing.wallet(openid)
        usable = [e for e in entries if e.status == "available" and e.coupon.valid_until > now]
        past = sorted((e for e in entries if e not in usable), key=lambda e: e.coupon.valid_until, reverse=True)
        return ([coupon_view(e.coupon, e.status) for e in sorted(usable, key=lambda e: e.coupon.valid_until)],
                [coupon_view(e.coupon, "expired" if e.status == "available" else e.status) for e in past[:past_shown]])

    def automatic_templates(self) -> list[CouponTemplate]:
        return [t for t in self._marketing.list_templates() if t.auto_rule]

    def issue_automatic(self, openid: str, facts: GuestFacts, templates: list[CouponTemplate] | None = None
                        ) -> list[str]:
        """Issue every automatic coupon the guest qualifies for today; the per-guest limit (per year for
        birthdays, per absence for win-back) makes reruns no-ops. A job passes ``templates`` read once."""
        now = self._clock()
        today = business_day(now)
        issued = []
        for template in due_templates(self.automatic_templates() if templates is None else templates, facts, today):
            coupon = template.issue(now)
            if template.auto_rule == "favourite_dish" and facts.favourite_dish:
                coupon = coupon.model_copy(update={"rule": coupon.rule.model_copy(
                    update={"scope": "dish", "scope_ids": [facts.favourite_dish]})})
            try:
                self._marketing.claim(openid, template, coupon, claim_period(template, facts, today))
            except (ClaimLimitReached, CouponsGone):
                continue
            issued.append(template.template_id)
        return issued

    def issue(self, openid: str, template: CouponTemplate, campaign: str) -> str | None:
        """Staff give a guest one coupon of ``template`` (no claim window or claimable flag needed). The
        per-guest limit counts within ``campaign``, so rerunning a campaign gives no one a second coupon.
        The coupon id, or None when the guest already has this campaign's coupon or the stock ran out."""
        coupon = template.issue(self._clock())
        try:
            self._marketing.claim(openid, template, coupon, f"campaign-{campaign}")
        except (ClaimLimitReached, CouponsGone):
            return None
        return coupon.coupon_id
