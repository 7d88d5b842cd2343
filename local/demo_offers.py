"""Demo offers for the demo chain: full reductions (满50减8, 满100减20), points, banners, and coupon
templates (a new-guest coupon, a half-price milk tea, a lunch 85折, automatic ones). Call ``load()``
after ``local.demo_data.load()``: it rewrites the store profiles with their offer settings."""

from __future__ import annotations

from datetime import time

from diancan.domain.coupons import CouponTemplate
from diancan.domain.membership import Banner, StoreOffers
from diancan.domain.promotions import CouponRule, FullReduction, HourWindow, PointsPolicy, Tier

BANNERS = "https://img.diancan.example.com/banners"


def offers() -> StoreOffers:
    return StoreOffers(
        full_reductions=[FullReduction(offer_id="fr-everyday", tiers=[Tier(threshold_fen=5000, off_fen=800),
                                                                       Tier(threshold_fen=10000, off_fen=2000)])],
        points=PointsPolicy(points_per_fen=1, max_share_percent=30), earn_points_per_yuan=1,
        banners=[Banner(image=f"{BANNERS}/winter-hotpot.jpg", link="/pages/menu/menu?category=hot", title="冬日暖菜"),
                 Banner(image=f"{BANNERS}/new-guest.jpg", link="/pages/coupons/coupons", title="新客立减10元")],
    )


def templates() -> list[CouponTemplate]:
    return [
        CouponTemplate(template_id="tpl-new-guest", rule=CouponRule(name="新客券", kind="fixed", amount_fen=1000,
                                                                    first_order_only=True),
                       stock=1000, per_guest_limit=1, valid_days=30),
        CouponTemplate(template_id="tpl-milktea-half", store_id="sh-jingan", rule=CouponRule(
            name="奶茶半价券", kind="percent", percent_off=50, cap_fen=1000, scope="dish", scope_ids=["d-milktea"],
            combines_with=frozenset({"full_reduction", "points"})), stock=200, per_guest_limit=2, valid_days=7),
        CouponTemplate(template_id="tpl-lunch", rule=CouponRule(
            name="午市85折券", kind="percent", percent_off=15, cap_fen=1500, threshold_fen=3000,
            hours=[HourWindow(start=time(11), end=time(14))], combines_with=frozenset({"member", "points"})),
            stock=500, per_guest_limit=3, valid_days=14),
        CouponTemplate(template_id="tpl-birthday", rule=CouponRule(name="生日券", kind="fixed", amount_fen=2000,
                                                                   threshold_fen=6000),
                       stock=10_000, per_guest_limit=1, valid_days=7, claimable=False, auto_rule="birthday"),
        CouponTemplate(template_id="tpl-win-back", rule=CouponRule(name="好久不见券", kind="fixed", amount_fen=1500,
                                                                   threshold_fen=5000),
                       stock=10_000, per_guest_limit=1, valid_days=14, claimable=False, auto_rule="win_back",
                       auto_param=30),
    ]


def load(repository=None, marketing=None) -> None:
    from diancan import bootstrap
    from local.demo_data import stores

    repository = repository or bootstrap.repository()
    marketing = marketing or bootstrap.marketing_table()
    for store in stores():
        repository.put_store(store.model_copy(update={
            "settings": {**store.settings, "offers": offers().model_dump(mode="json")}}))
    for template in templates():
        marketing.put_template(template)
