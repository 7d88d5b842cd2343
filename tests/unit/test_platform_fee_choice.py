"""The guest's fee for a store that charges the courier platform's quote when it is higher than its tiers."""

from __future__ import annotations

import pytest

from diancan.domain.delivery import DeliveryFeeRules, DeliveryQuote, FeeTier
from diancan.domain.delivery_settings import with_platform_fee

pytestmark = pytest.mark.unit

RULES = DeliveryFeeRules(tiers=(FeeTier(1000, 0), FeeTier(3000, 500)), free_from_fen=8800)


def test_the_platforms_fee_is_charged_when_higher_than_the_tier():
    assert with_platform_fee(RULES, DeliveryQuote(distance_m=2000, tier_fee_fen=500, fee_fen=500), 3800, 650) == 650


def test_the_tier_fee_stands_when_the_platform_is_cheaper_or_silent():
    quote = DeliveryQuote(distance_m=2000, tier_fee_fen=500, fee_fen=500)
    assert [with_platform_fee(RULES, quote, 3800, fee) for fee in (300, None)] == [500, 500]


def test_free_delivery_from_the_amount_wins_even_over_a_free_tier():
    free_tier = DeliveryQuote(distance_m=500, tier_fee_fen=0, fee_fen=0)
    assert with_platform_fee(RULES, free_tier, 9000, 650) == 0
    assert with_platform_fee(RULES, free_tier, 3800, 650) == 650  # a free tier is the store's price, not a waiver
