"""Coupon templates, what a claim creates, and the rules that issue coupons without being asked.

A template is defined by a store (``store_id``) or the whole chain (``store_id=None``); its stock and
the per-guest limit are enforced by the table's conditions, not here. A claimed coupon copies the
template's terms and gets its own expiry: ``valid_days`` after the claim, never past the template's end.
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from diancan.domain.errors import Conflict, Unprocessable
from diancan.domain.promotions import Coupon, CouponRule

CouponStatus = Literal["available", "reserved", "used"]
AutoRule = Literal["new_member", "birthday", "after_n_orders", "win_back", "favourite_dish"]


class CouponTemplate(BaseModel):
    template_id: str = Field(min_length=1, max_length=40)
    store_id: str | None = Field(None, description="None = a chain template")
    rule: CouponRule
    stock: int = Field(ge=0, description="coupons that can still be claimed")
    per_guest_limit: int = Field(1, ge=1)
    valid_days: int = Field(7, ge=1, le=366)
    claim_from: datetime | None = None
    claim_until: datetime | None = None
    claimable: bool = Field(True, description="shown on the home page; False = only issued by rules")
    auto_rule: AutoRule | None = None
    auto_param: int = Field(0, ge=0, description="N orders for after_n_orders (and favourite_dish), days away "
                                                 "for win_back, days after joining for new_member")

    def open_for_claims(self, now: datetime) -> bool:
        return (self.claim_from is None or self.claim_from <= now) and (self.claim_until is None or now < self.claim_until)

    def applies_to_store(self, store_id: str) -> bool:
        return self.store_id in (None, store_id)

    def issue(self, now: datetime) -> Coupon:
        """The guest's copy. For a dish-favourite rule the caller narrows the scope afterwards."""
        until = now + timedelta(days=self.valid_days)
        if self.rule.valid_until is not None:
            until = min(until, self.rule.valid_until)
        rule = self.rule if self.store_id is None else self.rule.model_copy(update={"store_ids": [self.store_id]})
        return Coupon(coupon_id=f"cp-{secrets.token_hex(8)}", template_id=self.template_id, rule=rule,
                      valid_until=until)


class CouponsGone(Conflict):
    code, message_zh, message_en = "COUPONS_GONE", "优惠券已领完", "All coupons have been claimed"


class ClaimLimitReached(Conflict):
    code, message_zh, message_en = "CLAIM_LIMIT_REACHED", "已达领取上限", "You have claimed the maximum of this coupon"


class CouponNotClaimable(Unprocessable):
    code, message_zh, message_en = "COUPON_NOT_CLAIMABLE", "该优惠券当前不可领取", "This coupon cannot be claimed now"


@dataclass(frozen=True)
class GuestFacts:
    """What the issue rules look at, gathered once per guest by the scheduled job."""

    joined_on: date
    birthday: date | None = None
    completed_orders: int = 0
    last_order_on: date | None = None
    favourite_dish: str | None = None


def birthday_falls_on(birthday: date, today: date) -> bool:
    """Same month and day; a 29 February birthday is kept on 28 February in other years."""
    if (birthday.month, birthday.day) == (today.month, today.day):
        return True
    return (birthday.month, birthday.day) == (2, 29) and (today.month, today.day) == (2, 28) \
        and not calendar.isleap(today.year)


def due_templates(templates: list[CouponTemplate], facts: GuestFacts, today: date) -> list[CouponTemplate]:
    """The automatic templates a guest qualifies for today (the per-guest limit stops repeats)."""
    due = []
    for template in templates:
        rule, n = template.auto_rule, template.auto_param
        if rule == "new_member":  # within n days (7) of joining, so a missed run still welcomes them
            hit = 0 <= (today - facts.joined_on).days <= (n or 7)
        elif rule == "birthday":
            hit = facts.birthday is not None and birthday_falls_on(facts.birthday, today)
        elif rule == "after_n_orders":
            hit = n > 0 and facts.completed_orders >= n
        elif rule == "win_back":
            hit = facts.last_order_on is not None and (today - facts.last_order_on).days >= (n or 30)
        elif rule == "favourite_dish":
            hit = facts.favourite_dish is not None and facts.completed_orders >= (n or 3)
        else:
            hit = False
        if hit:
            due.append(template)
    return due


def claim_period(template: CouponTemplate, facts: GuestFacts, today: date) -> str | None:
    """What the per-guest limit counts within: a birthday coupon per year, a win-back coupon per absence
    (keyed by the last order day), every other rule for good (None)."""
    if template.auto_rule == "birthday":
        return str(today.year)
    if template.auto_rule == "win_back" and facts.last_order_on is not None:
        return f"away-{facts.last_order_on.isoformat()}"
    return None
