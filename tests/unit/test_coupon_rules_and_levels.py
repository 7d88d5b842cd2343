"""Automatic coupon rules, member levels and points earned."""

from __future__ import annotations

from datetime import date

import pytest

from diancan.domain.coupons import GuestFacts, due_templates
from diancan.domain.membership import StoreOffers, level_for, points_earned
from local.demo_offers import templates

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 24)


def due(**facts) -> set[str]:
    return {t.template_id for t in due_templates(templates(), GuestFacts(**facts), TODAY)}


def test_a_birthday_guest_gets_the_birthday_coupon_and_nobody_else_does():
    assert due(joined_on=date(2025, 1, 1), birthday=date(1990, 11, 24)) == {"tpl-birthday"}
    assert due(joined_on=date(2025, 1, 1), birthday=date(1990, 11, 25)) == set()


def test_a_guest_away_for_thirty_days_is_won_back_but_not_after_twenty_nine():
    assert due(joined_on=date(2025, 1, 1), last_order_on=date(2026, 10, 25)) == {"tpl-win-back"}
    assert due(joined_on=date(2025, 1, 1), last_order_on=date(2026, 10, 26)) == set()


def test_claimable_templates_are_never_issued_by_rules():
    assert "tpl-new-guest" not in due(joined_on=TODAY)


def test_levels_follow_lifetime_spend_and_multiply_points():
    assert [level_for(s).level for s in (0, 49_999, 50_000, 200_000)] == ["regular", "regular", "silver", "gold"]
    offers = StoreOffers(earn_points_per_yuan=2)
    assert points_earned(12_399, offers, level_for(0)) == 246  # 123 whole yuan × 2
    assert points_earned(12_399, offers, level_for(200_000)) == 369  # × 150%
