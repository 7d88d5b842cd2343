"""Campaigns to segments (domain/campaigns.py): the control split is deterministic and near its percent, and
the uplift report's arithmetic matches a hand computation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from diancan.domain.campaigns import CampaignRequest, GroupOutcome, in_control, uplift

pytestmark = pytest.mark.unit


def test_the_control_split_is_deterministic_per_campaign_and_near_its_percent():
    members = [f"openid-{n}" for n in range(2000)]
    first = {m for m in members if in_control("spring", m, 10)}
    assert first == {m for m in members if in_control("spring", m, 10)}  # the same every time
    assert 150 <= len(first) <= 250  # about 10 % of 2,000
    assert first != {m for m in members if in_control("autumn", m, 10)}  # another campaign splits otherwise
    assert not any(in_control("spring", m, 0) for m in members)


def test_the_uplift_matches_a_hand_computation():
    """Targeted: 3 members with 2, 1 and 0 orders of 50.00, 30.00 and 0 yuan → 3 orders, 80.00 yuan;
    per 100 members 100 orders, per member 26.66 yuan (rounded down). Control: 2 members, 1 order of 20.00 →
    50 orders per 100 members, 10.00 yuan per member. Uplift: +50 orders per 100 members (+100 %), +16.66 yuan
    per member (+166 %)."""
    report = uplift(GroupOutcome(members=3, orders=3, spend_fen=8000), GroupOutcome(members=2, orders=1, spend_fen=2000))
    assert report["targeted"]["orders_per_100_members"] == 100 and report["targeted"]["spend_per_member_fen"] == 2666
    assert report["control"]["orders_per_100_members"] == 50 and report["control"]["spend_per_member_fen"] == 1000
    assert report["uplift"] == {"orders_per_100_members": 50, "spend_per_member_fen": 1666, "orders_percent": 100,
                                "spend_percent": 166}
    assert uplift(GroupOutcome(1, 1, 100), GroupOutcome(0, 0, 0))["uplift"]["spend_percent"] is None


@pytest.mark.parametrize("bad", [{"control_percent": 60}, {"per_guest_cap": 0}, {"segment_id": "vip"}, {"segment_id": "custom:Bad"},
                                 {"campaign_id": "Has Space"}, {"window_days": 0}])
def test_a_campaign_request_out_of_bounds_is_refused(bad):
    with pytest.raises(ValidationError):
        CampaignRequest.model_validate({"campaign_id": "c1", "template_id": "t", "segment_id": "active", **bad})
