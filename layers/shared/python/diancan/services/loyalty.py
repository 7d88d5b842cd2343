"""What happens to coupons and points when an order moves on (driven by bus events, idempotent per order).

paid → the reserved coupon is spent and recorded for reports; cancelled → coupon and redeemed points go
back; completed → points are earned and spend counts towards the level; refunded → coupon and redeemed
points go back and earned points are taken back. Every points move is a ledger line keyed by the order.
"""

from __future__ import annotations

from diancan.domain.membership import StoreOffers, level_for, points_earned
from diancan.domain.menu import Store
from diancan.domain.order import Order
from diancan.services.ports import Marketing


def _coupon_id(order: Order) -> str | None:
    return next((d.ref for d in order.discounts if d.kind == "coupon"), None)


def _redeemed(order: Order) -> int:
    return sum(d.points for d in order.discounts if d.kind == "points")


class Loyalty:
    def __init__(self, marketing: Marketing) -> None:
        self._marketing = marketing

    def order_paid(self, order: Order, at: str) -> None:
        coupon_id = _coupon_id(order)
        if coupon_id:
            self._marketing.mark_coupon_used(order.openid, coupon_id, order.order_id, order.store_id,
                                         order.business_day, at)

    def order_cancelled(self, order: Order, at: str) -> None:
        self._give_back(order, at)

    def order_completed(self, order: Order, store: Store, at: str) -> int:
        """Earn points on what was paid and not refunded; returns the points (0 on a replay)."""
        kept = max(0, order.total_fen - order.refunded_fen)
        standing = self._marketing.standing(order.openid)
        points = points_earned(kept, StoreOffers.of(store.settings), level_for(standing.spend_fen))
        applied = self._marketing.post_points(order.openid, f"{order.order_id}#earn", points, at=at,
                                          spend_delta=kept, completed_delta=1, note="order completed")
        return points if applied else 0

    def order_refunded(self, order: Order, at: str, *, full: bool = True, refund_no: str = "",
                       amount_fen: int = 0) -> None:
        """A full refund gives back the coupon and the redeemed points and takes back what is left of the earned
        points; a partial refund takes back earned points in proportion to its amount, once per refund."""
        if full:
            self._give_back(order, at)
        ledger = self._marketing.ledger(order.openid)
        earned = next((e for e in ledger if e.ref == f"{order.order_id}#earn"), None)
        if earned is None:
            return
        reversal = f"{order.order_id}#reverse"
        taken = [e for e in ledger if e.ref.startswith(reversal)]
        points_left = earned.delta + sum(e.delta for e in taken)
        spend_left = earned.spend_delta + sum(e.spend_delta for e in taken)
        if full:
            points, spend, completed, ref = points_left, spend_left, -1, reversal
        else:
            paid = order.paid_fen or order.total_fen
            points = min(points_left, earned.delta * amount_fen // paid) if paid else 0
            spend, completed, ref = min(spend_left, amount_fen), 0, f"{reversal}#{refund_no}"
        if points or spend or completed:
            self._marketing.post_points(order.openid, ref, -points, at=at, spend_delta=-spend,
                                    completed_delta=completed, note="order refunded" if full else "part refunded")

    def _give_back(self, order: Order, at: str) -> None:
        coupon_id = _coupon_id(order)
        if coupon_id:
            self._marketing.return_coupon(order.openid, coupon_id, order.order_id)
        points = _redeemed(order)
        if points:
            self._marketing.post_points(order.openid, f"{order.order_id}#unredeem", points, at=at, note="order undone")
