"""A member's profile (用户画像), folded from their orders one event at a time.

Only what orders already say about the guest: when and where they came, what they spent and ate, how (mode,
day-part) and whether a coupon paid part of it. Every list is bounded (top-N with eviction, the last
``MONTHS_KEPT`` months, the last ``RECENT_KEPT`` events counted), so the item stays small however long the
guest stays. Points and level are not copied here: they live on the member item (``Standing``) and are joined
when the profile is shown. ``fold_completed`` / ``fold_refunded`` return None when the event was already
counted (a replay) or predates the guest's erasure, so the caller writes nothing.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from diancan.domain.clock import BUSINESS_TZ_DEFAULT, local, parse_iso
from diancan.domain.money import Fen
from diancan.domain.order import Order
from diancan.domain.order_status import OrderStatus

RECENT_KEPT = 50  # events counted, newest last: a replay of any of them writes nothing
MONTHS_KEPT = 13  # visits and spend per month: this month and a year back
DISHES_KEPT = 20
CATEGORIES_KEPT = 10
STORES_KEPT = 10
STORE_DAYPARTS_KEPT = 20
WITHDRAWN = -1  # ``counted`` value of an order a full refund took back

# Local hour ranges [start, end) of each day-part; the rest of the night is "late".
DAYPARTS: tuple[tuple[str, int, int], ...] = (
    ("breakfast", 5, 10), ("lunch", 10, 14), ("afternoon", 14, 17), ("dinner", 17, 21))
DAYPART_NAMES = {"breakfast": "早餐", "lunch": "午餐", "afternoon": "下午茶", "dinner": "晚餐", "late": "夜宵"}


def day_part(instant: datetime, tz: str = BUSINESS_TZ_DEFAULT) -> str:
    hour = local(instant, tz).hour
    return next((name for name, start, end in DAYPARTS if start <= hour < end), "late")


class Tally(BaseModel):
    """A count with the last business day it moved, and a label to show (a dish's name)."""

    n: int = 0
    last: str = ""
    label: str = ""


class Period(BaseModel):
    visits: int = 0
    spend_fen: Fen = 0


class MemberProfile(BaseModel):
    first_visit: str | None = None  # business days, yyyy-mm-dd
    last_visit: str | None = None
    visits: int = 0  # completed orders, less those fully refunded afterwards
    spend_fen: Fen = 0  # what completed orders kept after refunds
    coupon_orders: int = 0  # counted orders a coupon paid part of
    refunds: int = 0
    refunded_fen: Fen = 0
    months: dict[str, Period] = Field(default_factory=dict)  # yyyy-mm → visits and spend
    dishes: dict[str, Tally] = Field(default_factory=dict)  # dish id → portions
    categories: dict[str, Tally] = Field(default_factory=dict)  # category id → portions
    modes: dict[str, int] = Field(default_factory=dict)  # dine_in / takeout / delivery → visits
    dayparts: dict[str, int] = Field(default_factory=dict)
    stores: dict[str, Tally] = Field(default_factory=dict)  # store id → visits
    store_dayparts: dict[str, int] = Field(default_factory=dict)  # "<store>/<day-part>" → visits
    counted: dict[str, int] = Field(default_factory=dict)  # order id → its refunds reflected (fen; -1 withdrawn)
    recent: list[str] = Field(default_factory=list)  # the refunds counted (order id#refund no)
    erased_at: str | None = None  # the guest asked to delete their data: earlier orders are not counted again

    # ---- what the console and the rules read ------------------------------------------------------------------

    @property
    def average_ticket_fen(self) -> Fen:
        return self.spend_fen // self.visits if self.visits > 0 else 0

    @property
    def coupon_rate_percent(self) -> int:
        """Share of the counted orders a coupon paid part of (the guest's response to coupons)."""
        return self.coupon_orders * 100 // self.visits if self.visits > 0 else 0

    @property
    def preferred_mode(self) -> str | None:
        return _top(self.modes)

    @property
    def usual_daypart(self) -> str | None:
        return _top(self.dayparts)

    @property
    def usual_store(self) -> str | None:
        return _top({k: t.n for k, t in self.stores.items()})

    def favourite_dishes(self, n: int = 5) -> list[tuple[str, str, int]]:
        """(dish id, name, portions), most ordered first."""
        ranked = sorted(self.dishes.items(), key=lambda kv: (-kv[1].n, kv[0]))[:n]
        return [(dish_id, t.label, t.n) for dish_id, t in ranked if t.n > 0]

    def favourite_categories(self, n: int = 3) -> list[str]:
        return [c for c, t in sorted(self.categories.items(), key=lambda kv: (-kv[1].n, kv[0]))[:n] if t.n > 0]


def _top(counts: dict[str, int]) -> str | None:
    best = max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=None)
    return best[0] if best and best[1] > 0 else None


def _bounded(tallies: dict[str, Tally], key: str, add: int, day: str, label: str, keep: int) -> None:
    """Add to one tally; past ``keep`` entries the least counted (then the stalest) goes: favourites stay
    right for anyone with a clear favourite, and the item never grows past the bound."""
    tally = tallies.get(key) or Tally()
    tallies[key] = Tally(n=tally.n + add, last=max(tally.last, day), label=label or tally.label)
    while len(tallies) > keep:
        drop = min((k for k in tallies if k != key), key=lambda k: (tallies[k].n, tallies[k].last, k))
        del tallies[drop]


def _bounded_counts(counts: dict[str, int], key: str, add: int, keep: int) -> None:
    counts[key] = counts.get(key, 0) + add
    while len(counts) > keep:
        del counts[min((k for k in counts if k != key), key=lambda k: (counts[k], k))]


def _remember(profile: MemberProfile, event_key: str) -> None:
    profile.recent = [*profile.recent[-(RECENT_KEPT - 1):], event_key]


def _too_old(profile: MemberProfile, order: Order) -> bool:
    return profile.erased_at is not None and order.created_at < profile.erased_at


def _has_coupon(order: Order) -> bool:
    return any(d.kind == "coupon" for d in order.discounts)


def fold_completed(profile: MemberProfile, order: Order, tz: str = BUSINESS_TZ_DEFAULT) -> MemberProfile | None:
    """A completed order counts once: a visit, what it kept after the refunds made so far, its dishes, mode,
    day-part and store. An order no longer COMPLETED when read (fully refunded meanwhile) counts nothing."""
    if order.order_id in profile.counted or _too_old(profile, order) or order.status != OrderStatus.COMPLETED:
        return None
    new = profile.model_copy(deep=True)
    day, kept = order.business_day, max(0, order.total_fen - order.refunded_fen)
    new.first_visit = min(new.first_visit or day, day)
    new.last_visit = max(new.last_visit or day, day)
    new.visits += 1
    new.spend_fen += kept
    month = new.months.get(day[:7]) or Period()
    new.months[day[:7]] = Period(visits=month.visits + 1, spend_fen=month.spend_fen + kept)
    for old in sorted(new.months)[:-MONTHS_KEPT]:
        del new.months[old]
    new.coupon_orders += _has_coupon(order)
    for line in order.lines:
        _bounded(new.dishes, line.dish_id, line.qty, day, line.name, DISHES_KEPT)
        _bounded(new.categories, line.category_id, line.qty, day, "", CATEGORIES_KEPT)
    part = day_part(parse_iso(order.created_at), tz)
    new.modes[order.mode] = new.modes.get(order.mode, 0) + 1
    new.dayparts[part] = new.dayparts.get(part, 0) + 1
    _bounded(new.stores, order.store_id, 1, day, "", STORES_KEPT)
    _bounded_counts(new.store_dayparts, f"{order.store_id}/{part}", 1, STORE_DAYPARTS_KEPT)
    new.counted = {**dict(list(new.counted.items())[-(RECENT_KEPT - 1):]), order.order_id: order.refunded_fen}
    return new


def fold_refunded(profile: MemberProfile, order: Order, *, refund_no: str, amount_fen: Fen,
                  full: bool) -> MemberProfile | None:
    """A refund's tallies count once per refund number. Money leaves the spend only for an order already
    counted, and only what the order's refunds grew by since it was counted (``counted`` keeps that figure),
    so refund and completion events may come in any order and any number of times; a full refund (the order
    REFUNDED) also takes the visit back."""
    key = f"{order.order_id}#{refund_no or 'full'}"
    if _too_old(profile, order):
        return None
    new = profile.model_copy(deep=True)
    if key not in new.recent:
        new.refunds += 1
        new.refunded_fen += amount_fen
        _remember(new, key)
    reflected = new.counted.get(order.order_id)
    if reflected is not None and reflected >= 0:
        month_key = order.business_day[:7]
        month = new.months.get(month_key)
        taken = min(max(0, order.refunded_fen - reflected), new.spend_fen)
        withdrawn = full or order.status == OrderStatus.REFUNDED
        new.spend_fen -= taken
        if withdrawn:
            new.visits = max(0, new.visits - 1)
            new.coupon_orders = max(0, new.coupon_orders - _has_coupon(order))
        if month is not None:
            new.months[month_key] = Period(visits=max(0, month.visits - withdrawn),
                                           spend_fen=max(0, month.spend_fen - taken))
        new.counted[order.order_id] = WITHDRAWN if withdrawn else order.refunded_fen
    return None if new == profile else new


def erased(at: str) -> MemberProfile:
    """What is left of a profile when the guest deletes their data: nothing but the time they asked."""
    return MemberProfile(erased_at=at)
