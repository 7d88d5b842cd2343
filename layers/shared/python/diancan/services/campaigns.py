"""The mini-program's home page in one call: the store's full reductions, banners and claimable coupons.
Two DynamoDB calls: the store profile (offers live in its settings) and the chain's coupon templates."""

from __future__ import annotations

from datetime import datetime

from diancan.domain.clock import utcnow
from diancan.domain.membership import StoreOffers
from diancan.services.ports import Marketing, OrderRepository


def campaigns(store_id: str, repository: OrderRepository, marketing: Marketing, now: datetime | None = None) -> dict:
    now = now or utcnow()
    store, _, _ = repository.load_for_order(store_id, [], None)
    offers = StoreOffers.of(store.settings)
    claimable = [t for t in marketing.list_templates()
                 if t.claimable and t.stock > 0 and t.applies_to_store(store_id) and t.open_for_claims(now)]
    return {
        "store_id": store_id,
        "full_reductions": [{"offer_id": o.offer_id, "tiers": [{**t.model_dump(), "label": t.label} for t in o.tiers]}
                            for o in offers.full_reductions],
        "banners": [b.model_dump() for b in offers.banners],
        "coupons": [{"template_id": t.template_id, "stock": t.stock, "per_guest_limit": t.per_guest_limit,
                     "valid_days": t.valid_days, **t.rule.model_dump(mode="json")} for t in claimable],
    }
