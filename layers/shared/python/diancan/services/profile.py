"""A guest's profile page: points, level and the next one, usable and past coupons, recent orders, favourite
dishes.
Three DynamoDB calls: the member item, the wallet and one page of orders."""

from __future__ import annotations

from collections import Counter

from diancan.domain.membership import LEVELS, level_for, member_code
from diancan.services.coupons import CouponService
from diancan.services.ports import Marketing, OrderRepository

RECENT_ORDERS = 20


def favourite_dishes(orders, top: int = 5) -> list[dict]:
    """Dishes the guest ordered most often (by portions) across their recent orders."""
    portions: Counter[str] = Counter()
    names: dict[str, str] = {}
    for order in orders:
        for line in order.lines:
            portions[line.dish_id] += line.qty
            names[line.dish_id] = line.name
    return [{"dish_id": d, "name": names[d], "portions": n} for d, n in portions.most_common(top)]


def profile(openid: str, marketing: Marketing, coupons: CouponService, repository: OrderRepository) -> dict:
    standing = marketing.standing(openid)
    level = level_for(standing.spend_fen)
    upcoming = [lv for lv in LEVELS if lv.min_spend_fen > standing.spend_fen]
    orders, _ = repository.list_user_orders(openid, start_key=None, limit=RECENT_ORDERS)
    usable, past = coupons.wallet_and_past(openid)
    return {
        "member_code": member_code(openid),  # what staff see for this guest (never the openid)
        "points": standing.points,
        "level": level.model_dump(),
        "next_level": ({**upcoming[0].model_dump(), "spend_needed_fen": upcoming[0].min_spend_fen - standing.spend_fen}
                       if upcoming else None),
        "completed_orders": standing.completed_orders,
        "coupons": usable,
        "past_coupons": past,  # used, reserved by an unpaid order, or expired: the guest's coupon history
        "recent_orders": [{"order_id": o.order_id, "store_id": o.store_id, "status": o.status.value,
                           "total_fen": o.total_fen, "created_at": o.created_at} for o in orders[:5]],
        "favourite_dishes": favourite_dishes(orders),
    }
