"""The offers engine: which discounts a guest gets on a cart, chosen as the best allowed combination.

Offers apply in one fixed order — full reduction (满减), coupon, member discount, points — and each is
computed on whole fen:

* full reduction: the highest tier whose threshold the items reach (list prices);
* coupon: fixed amount, or ``percent_off`` of its scope's list-price subtotal (rounded half up once,
  ``money.percent_of``) capped at ``cap_fen``; its threshold is on that same subtotal;
* member discount: ``percent_off`` of what is left after the offers before it (rounded half up once);
* points: ``points_per_fen`` points buy one fen, at most ``max_share_percent`` of what is left.

No offer takes more than what is left of the items, so the discount is never negative and never more
than the items. At most one offer of each kind; two offers combine only if each lists the other's
kind in ``combines_with``. ``best_plan`` tries every allowed combination (a handful) and keeps the one
that saves the guest most, preferring fewer points and fewer offers on a tie.

Two rules keep an automatic choice from hurting the guest:

* the order stays payable: the offers together take at most ``limit_fen`` (the caller passes items + fees
  − 1 fen, so the total is at least 0.01), the later offers in the fixed order giving way first;
* a coupon is spent only for its whole face value (a fixed coupon's amount, a percent coupon's percentage
  of its scope up to its cap): a combination in which it would save less is not chosen, so a ¥10 coupon
  stays in the wallet on an ¥8 order. A coupon the guest names is spent anyway, for what the order allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from itertools import product
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from diancan.domain.cart import OrderLine
from diancan.domain.clock import local
from diancan.domain.errors import Unprocessable
from diancan.domain.money import Fen, percent_of
from diancan.domain.pricing import Discount

KINDS = ("full_reduction", "coupon", "member", "points")
ALL_KINDS = frozenset(KINDS)


def short_yuan(amount: Fen) -> str:
    """``10000`` → ``"100"``, ``850`` → ``"8.5"``: how menus print prices in offer names."""
    whole, cents = divmod(amount, 100)
    return str(whole) if cents == 0 else f"{whole}.{cents:02d}".rstrip("0")


class Tier(BaseModel):
    threshold_fen: Fen = Field(ge=1)
    off_fen: Fen = Field(ge=1)

    @property
    def label(self) -> str:
        return f"满{short_yuan(self.threshold_fen)}减{short_yuan(self.off_fen)}"


class FullReduction(BaseModel):
    """满减: tiers on the items' list price; only the highest tier reached applies."""

    offer_id: str
    tiers: list[Tier] = Field(min_length=1)
    combines_with: frozenset[str] = ALL_KINDS

    def tier_for(self, items_fen: Fen) -> Tier | None:
        reached = [t for t in self.tiers if t.threshold_fen <= items_fen]
        return max(reached, key=lambda t: (t.off_fen, t.threshold_fen), default=None)


class HourWindow(BaseModel):
    """Local time of day, ``start`` included, ``end`` excluded (lunch-only coupons and the like)."""

    start: time
    end: time

    def covers(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class CouponRule(BaseModel):
    """A coupon's terms. Templates hold them; a claimed coupon keeps a copy, so later edits never change it."""

    name: str = Field(min_length=1, max_length=20, description="what the guest sees, e.g. 新客券")
    kind: Literal["fixed", "percent"]
    amount_fen: Fen = Field(0, ge=0)
    percent_off: int = Field(0, ge=0, le=99)
    cap_fen: Fen | None = Field(None, ge=1)
    threshold_fen: Fen = Field(0, ge=0)
    scope: Literal["store", "category", "dish"] = "store"
    scope_ids: list[str] = Field(default_factory=list)
    store_ids: list[str] | None = Field(None, description="None = every store of the chain")
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    hours: list[HourWindow] = Field(default_factory=list)
    first_order_only: bool = False
    combines_with: frozenset[str] = ALL_KINDS

    @model_validator(mode="after")
    def _consistent(self) -> CouponRule:
        if self.kind == "fixed" and self.amount_fen < 1:
            raise ValueError("a fixed coupon needs amount_fen >= 1")
        if self.kind == "percent" and self.percent_off < 1:
            raise ValueError("a percent coupon needs percent_off >= 1")
        if self.scope != "store" and not self.scope_ids:
            raise ValueError("a category or dish coupon names its scope_ids")
        return self

    def scope_fen(self, lines: Sequence[OrderLine]) -> Fen:
        if self.scope == "store":
            return sum(line.line_total_fen for line in lines)
        attribute = "category_id" if self.scope == "category" else "dish_id"
        return sum(line.line_total_fen for line in lines if getattr(line, attribute) in self.scope_ids)


class Coupon(BaseModel):
    """A coupon in a guest's wallet."""

    coupon_id: str
    template_id: str
    rule: CouponRule
    valid_until: datetime


@dataclass(frozen=True)
class WalletCoupon:
    """A coupon as the guest's wallet holds it: ``status`` available, reserved (by ``order_id``) or used."""

    coupon: Coupon
    status: str
    order_id: str | None

class MemberBenefit(BaseModel):
    level: str
    name: str
    percent_off: int = Field(0, ge=0, le=50)
    combines_with: frozenset[str] = ALL_KINDS


class PointsPolicy(BaseModel):
    points_per_fen: int = Field(1, ge=1, description="1 → 100 points are worth 1 yuan")
    max_share_percent: int = Field(50, ge=0, le=100)
    combines_with: frozenset[str] = ALL_KINDS


@dataclass(frozen=True)
class Shopper:
    """What the engine knows of the guest: nothing at all for a guest who is not signed in."""

    first_order: bool = False
    member: MemberBenefit | None = None
    coupons: tuple[Coupon, ...] = ()
    points_balance: int = 0


@dataclass(frozen=True)
class Setting:
    """Where and when the cart is priced."""

    store_id: str
    now: datetime
    tz: str = "Asia/Shanghai"


@dataclass(frozen=True)
class _Candidate:
    kind: str
    ref: str
    combines_with: frozenset[str]
    offer: object


@dataclass(frozen=True)
class Plan:
    discounts: list[Discount]
    coupon_id: str | None = None
    points_used: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # coupon id → reason code
    coupon_short: bool = False  # the coupon in it saves less than its face value

    @property
    def discount_fen(self) -> Fen:
        return sum(d.amount_fen for d in self.discounts)


class CouponNotApplicable(Unprocessable):
    code, message_zh, message_en = "COUPON_NOT_APPLICABLE", "该优惠券不可用于本单", "This coupon cannot be used on this order"


def coupon_refusal(coupon: Coupon, lines: Sequence[OrderLine], setting: Setting, shopper: Shopper) -> str | None:
    """Why ``coupon`` cannot apply to this cart now (a stable reason code), or None when it can."""
    rule = coupon.rule
    if setting.now >= coupon.valid_until or (rule.valid_until and setting.now >= rule.valid_until):
        return "EXPIRED"
    if rule.valid_from and setting.now < rule.valid_from:
        return "NOT_YET_VALID"
    if rule.store_ids is not None and setting.store_id not in rule.store_ids:
        return "OTHER_STORE"
    if rule.hours and not any(w.covers(local(setting.now, setting.tz).time()) for w in rule.hours):
        return "OUTSIDE_HOURS"
    if rule.first_order_only and not shopper.first_order:
        return "FIRST_ORDER_ONLY"
    scope = rule.scope_fen(lines)
    if scope == 0:
        return "NOTHING_IN_SCOPE"
    if scope < rule.threshold_fen:
        return "BELOW_THRESHOLD"
    return None


def allowed(combination: Iterable[_Candidate]) -> bool:
    """At most one offer per kind, and every pair agrees to combine."""
    chosen = list(combination)
    if len({c.kind for c in chosen}) != len(chosen):
        return False
    return all(b.kind in a.combines_with and a.kind in b.combines_with
               for i, a in enumerate(chosen) for b in chosen[i + 1:])


def coupon_face_fen(coupon: Coupon, lines: Sequence[OrderLine]) -> Fen:
    """What ``coupon`` is worth on these lines before anything else takes its share: a fixed amount, or its
    percentage of its scope (rounded half up once) up to its cap."""
    if coupon.rule.kind == "fixed":
        return coupon.rule.amount_fen
    amount = percent_of(coupon.rule.scope_fen(lines), coupon.rule.percent_off)
    return min(amount, coupon.rule.cap_fen) if coupon.rule.cap_fen else amount


def evaluate(combination: Iterable[_Candidate], lines: Sequence[OrderLine], use_points: int,
             limit_fen: Fen | None = None) -> Plan:
    """The discount lines of one combination, applied in the fixed order of ``KINDS``, together at most
    ``limit_fen`` (None: at most the items)."""
    items = sum(line.line_total_fen for line in lines)
    room = items if limit_fen is None else max(0, min(items, limit_fen))
    discounts: list[Discount] = []
    coupon_id, points_used, coupon_short = None, 0, False
    for candidate in sorted(combination, key=lambda c: KINDS.index(c.kind)):
        offer = candidate.offer
        label, amount, points = "", 0, 0
        if isinstance(offer, FullReduction):
            tier = offer.tier_for(items)
            label, amount = (tier.label, tier.off_fen) if tier else ("", 0)
        elif isinstance(offer, Coupon):
            face = coupon_face_fen(offer, lines)
            amount = min(face, offer.rule.scope_fen(lines), room)  # a fixed coupon never takes more than its scope
            label, coupon_id, coupon_short = offer.rule.name, offer.coupon_id, amount < face
        elif isinstance(offer, MemberBenefit):
            label, amount = f"{offer.name}{_zhe(offer.percent_off)}", percent_of(room, offer.percent_off)
        elif isinstance(offer, PointsPolicy):
            cap = percent_of(room, offer.max_share_percent)
            amount = min(use_points // offer.points_per_fen, cap)
            points = amount * offer.points_per_fen
            label = f"积分抵扣({points}分)"
        amount = min(amount, room)
        if amount > 0:
            discounts.append(Discount(kind=candidate.kind, label=label, amount_fen=amount, ref=candidate.ref,
                                      points=points))
            room -= amount
            points_used += points
    return Plan(discounts=discounts, coupon_id=coupon_id if any(d.kind == "coupon" for d in discounts) else None,
                points_used=points_used, coupon_short=coupon_short)


def _zhe(percent_off: int) -> str:
    """Chinese discount notation: 5% off is 95折, 10% off is 9折."""
    paid = 100 - percent_off
    return f"{paid // 10 if paid % 10 == 0 else paid}折"


def candidates(lines: Sequence[OrderLine], setting: Setting, shopper: Shopper, *,
               full_reductions: Sequence[FullReduction] = (), points: PointsPolicy | None = None,
               use_points: int = 0, coupon_id: str | None = None) -> tuple[list[_Candidate], dict[str, str]]:
    """Every offer that could apply on its own, and why each of the guest's other coupons cannot."""
    found: list[_Candidate] = []
    refused: dict[str, str] = {}
    items = sum(line.line_total_fen for line in lines)
    for offer in full_reductions:
        if offer.tier_for(items):
            found.append(_Candidate("full_reduction", offer.offer_id, offer.combines_with, offer))
    for coupon in shopper.coupons:
        if coupon_id is not None and coupon.coupon_id != coupon_id:
            continue
        reason = coupon_refusal(coupon, lines, setting, shopper)
        if reason:
            refused[coupon.coupon_id] = reason
        else:
            found.append(_Candidate("coupon", coupon.coupon_id, coupon.rule.combines_with, coupon))
    if shopper.member and shopper.member.percent_off:
        found.append(_Candidate("member", shopper.member.level, shopper.member.combines_with, shopper.member))
    spendable = min(use_points, shopper.points_balance)
    if points and spendable >= points.points_per_fen and points.max_share_percent:
        found.append(_Candidate("points", "points", points.combines_with, points))
    return found, refused


def best_plan(lines: Sequence[OrderLine], setting: Setting, shopper: Shopper, *,
              full_reductions: Sequence[FullReduction] = (), points: PointsPolicy | None = None,
              use_points: int = 0, coupon_id: str | None = None, limit_fen: Fen | None = None) -> Plan:
    """The allowed combination that saves the guest most, taking at most ``limit_fen`` off (pass items + fees
    − 1 so that the order stays payable), with no coupon spent below its face value unless the guest named it.
    A named ``coupon_id`` must be part of it."""
    if coupon_id is not None and all(c.coupon_id != coupon_id for c in shopper.coupons):
        raise CouponNotApplicable("no such coupon in your wallet", "优惠券不存在或已使用", code="COUPON_NOT_FOUND",
                                  details={"coupon_id": coupon_id})
    spendable = min(use_points, shopper.points_balance)
    found, refused = candidates(lines, setting, shopper, full_reductions=full_reductions, points=points,
                                use_points=spendable, coupon_id=coupon_id)
    if coupon_id is not None and coupon_id in refused:
        raise CouponNotApplicable(details={"coupon_id": coupon_id, "reason": refused[coupon_id]})
    by_kind = [[None, *[c for c in found if c.kind == kind]] for kind in KINDS]
    best: tuple | None = None
    for choice in product(*by_kind):
        combination = [c for c in choice if c is not None]
        if not allowed(combination):
            continue
        if coupon_id is not None and all(c.ref != coupon_id for c in combination):
            continue
        plan = evaluate(combination, lines, spendable, limit_fen)
        if plan.coupon_short and coupon_id is None:
            continue
        rank = (plan.discount_fen, -plan.points_used, -len(plan.discounts))
        if best is None or rank > best[0]:
            best = (rank, plan)
    plan = best[1] if best else Plan(discounts=[])
    if coupon_id is not None and plan.coupon_id != coupon_id:
        raise CouponNotApplicable(details={"coupon_id": coupon_id, "reason": "NO_SAVING"})
    return Plan(discounts=plan.discounts, coupon_id=plan.coupon_id, points_used=plan.points_used, refused=refused)
