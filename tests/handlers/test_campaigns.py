"""The home-page campaigns call with a real function-URL event, against moto."""

from __future__ import annotations

import pytest

from tests.conftest import http_call

pytestmark = pytest.mark.handlers


def test_the_home_page_shows_tiers_banners_and_only_claimable_coupons_of_this_store(demo_chain):
    from local.demo_offers import load

    load()
    status, answer = http_call("menu", "menu/get_campaigns")
    assert status == 200
    assert [t["label"] for t in answer["full_reductions"][0]["tiers"]] == ["满50减8", "满100减20"]
    assert len(answer["banners"]) == 2
    assert {c["template_id"] for c in answer["coupons"]} == {"tpl-new-guest", "tpl-milktea-half", "tpl-lunch"}
    status, other = http_call("menu", "menu/get_campaigns", path="/stores/sh-xuhui/campaigns")
    assert status == 200
    assert "tpl-milktea-half" not in {c["template_id"] for c in other["coupons"]}
