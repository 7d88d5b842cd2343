"""The offers engine: examples that read as the menu board, and properties checked by hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import chain, combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diancan.domain.cart import OrderLine
from diancan.domain.pricing import Quote
from diancan.domain.promotions import (
    KINDS,
    Coupon,
    CouponNotApplicable,
    CouponRule,
    FullReduction,
    HourWindow,
    MemberBenefit,
    PointsPolicy,
    Setting,
    Shopper,
    Tier,
    allowed,
    best_plan,
    candidates,
    coupon_face_fen,
    evaluate,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)  # 12:30 in Shanghai
SETTING = Setting(store_id="sh-jingan", now=NOW)
FULL_REDUCTION = FullReduction(offer_id="fr-1", tiers=[Tier(threshold_fen=5000, off_fen=800),
                                                        Tier(threshold_fen=10000, off_fen=2000)])


def line(dish_id: str, total_fen: int, category_id: str = "hot", qty: int = 1) -> OrderLine:
    return OrderLine(dish_id=dish_id, name=dish_id, category_id=category_id, qty=qty,
                     base_price_fen=total_fen // qty, unit_price_fen=total_fen // qty, line_total_fen=total_fen)


def coupon(coupon_id: str = "c-1", **terms) -> Coupon:
    rule = CouponRule(**{"name": "新客券", "kind": "fixed", "amount_fen": 1000, **terms})
    return Coupon(coupon_id=coupon_id, template_id="t-1", rule=rule, valid_until=NOW + timedelta(days=7))


def test_the_highest_full_reduction_tier_reached_applies_and_is_explained():
    plan = best_plan([line("a", 6000), line("b", 4500)], SETTING, Shopper(), full_reductions=[FULL_REDUCTION])
    assert [(d.label, d.amount_fen) for d in plan.discounts] == [("满100减20", 2000)]


def test_a_new_guest_coupon_is_explained_with_its_amount():
    lines = [line("a", 3000)]
    plan = best_plan(lines, SETTING, Shopper(first_order=True, coupons=(coupon(first_order_only=True),)))
    quote = Quote(lines=lines, items_fen=3000, discounts=plan.discounts, discount_fen=plan.discount_fen,
                  total_fen=3000 - plan.discount_fen)
    assert quote.explain() == ["新客券 -10.00"]
    assert plan.coupon_id == "c-1"


def test_a_first_order_coupon_is_refused_to_a_returning_guest():
    plan = best_plan([line("a", 3000)], SETTING, Shopper(coupons=(coupon(first_order_only=True),)))
    assert plan.discounts == []
    assert plan.refused == {"c-1": "FIRST_ORDER_ONLY"}


def test_a_percentage_coupon_rounds_half_up_once_and_stops_at_its_cap():
    eight_five = coupon(kind="percent", amount_fen=0, percent_off=15)
    assert best_plan([line("a", 1230)], SETTING, Shopper(coupons=(eight_five,))).discount_fen == 185  # 184.5
    capped = coupon(kind="percent", amount_fen=0, percent_off=30, cap_fen=500)
    assert best_plan([line("a", 9000)], SETTING, Shopper(coupons=(capped,))).discount_fen == 500


def test_a_dish_coupon_counts_only_that_dish_for_threshold_and_amount():
    milk_tea = coupon(kind="percent", amount_fen=0, percent_off=50, scope="dish", scope_ids=["tea"],
                      threshold_fen=1500)
    shopper = Shopper(coupons=(milk_tea,))
    assert best_plan([line("tea", 1600), line("rice", 9000)], SETTING, shopper).discount_fen == 800
    assert best_plan([line("tea", 1400), line("rice", 9000)], SETTING, shopper).refused == {"c-1": "BELOW_THRESHOLD"}


def test_a_lunch_coupon_works_only_at_lunch_time():
    lunch = coupon(hours=[HourWindow(start=time(11), end=time(14))])
    evening = Setting(store_id="sh-jingan", now=NOW + timedelta(hours=6))
    assert best_plan([line("a", 3000)], SETTING, Shopper(coupons=(lunch,))).discount_fen == 1000
    assert best_plan([line("a", 3000)], evening, Shopper(coupons=(lunch,))).refused == {"c-1": "OUTSIDE_HOURS"}


def test_expired_and_other_store_coupons_are_refused_with_their_reason():
    expired = coupon("c-old", valid_until=NOW - timedelta(days=1))
    elsewhere = coupon("c-far", store_ids=["bj-1"])
    plan = best_plan([line("a", 3000)], SETTING, Shopper(coupons=(expired, elsewhere)))
    assert plan.refused == {"c-old": "EXPIRED", "c-far": "OTHER_STORE"}


def test_an_exclusive_coupon_wins_over_full_reduction_only_when_it_saves_more():
    exclusive = coupon(amount_fen=2500, combines_with=frozenset())
    plan = best_plan([line("a", 10000)], SETTING, Shopper(coupons=(exclusive,)), full_reductions=[FULL_REDUCTION])
    assert [d.kind for d in plan.discounts] == ["coupon"]
    small = coupon(amount_fen=1500, combines_with=frozenset())
    plan = best_plan([line("a", 10000)], SETTING, Shopper(coupons=(small,)), full_reductions=[FULL_REDUCTION])
    assert [d.kind for d in plan.discounts] == ["full_reduction"]


def test_a_named_coupon_is_used_even_when_another_combination_would_save_more():
    small = coupon(amount_fen=1500, combines_with=frozenset())
    plan = best_plan([line("a", 10000)], SETTING, Shopper(coupons=(small,)), full_reductions=[FULL_REDUCTION],
                     coupon_id="c-1")
    assert plan.coupon_id == "c-1" and plan.discount_fen == 1500


def test_a_named_coupon_that_cannot_apply_is_refused_with_its_reason():
    with pytest.raises(CouponNotApplicable) as refused:
        best_plan([line("a", 900)], SETTING, Shopper(coupons=(coupon(threshold_fen=1000),)), coupon_id="c-1")
    assert refused.value.details["reason"] == "BELOW_THRESHOLD"
    with pytest.raises(CouponNotApplicable):
        best_plan([line("a", 900)], SETTING, Shopper(), coupon_id="c-unknown")


def test_member_discount_applies_after_reductions_and_points_are_capped_by_share():
    gold = MemberBenefit(level="gold", name="金卡", percent_off=5)
    shopper = Shopper(member=gold, points_balance=100_000)
    plan = best_plan([line("a", 10000)], SETTING, shopper, full_reductions=[FULL_REDUCTION],
                     points=PointsPolicy(points_per_fen=1, max_share_percent=20), use_points=100_000)
    assert [(d.label, d.amount_fen) for d in plan.discounts] == [
        ("满100减20", 2000), ("金卡95折", 400), ("积分抵扣(1520分)", 1520)]
    assert plan.points_used == 1520


def test_a_ten_yuan_coupon_stays_in_the_wallet_on_an_eight_yuan_order_without_fees():
    """The reported failure: the coupon took the whole 8.00 and the order came to 0 (TOTAL_TOO_LOW)."""
    shopper = Shopper(coupons=(coupon(),))
    assert best_plan([line("cola", 800)], SETTING, shopper, limit_fen=799).discounts == []
    assert best_plan([line("cola", 1000)], SETTING, shopper, limit_fen=999).discounts == []  # 9.99 only
    assert best_plan([line("cola", 1001)], SETTING, shopper, limit_fen=1000).discount_fen == 1000
    assert best_plan([line("cola", 800)], SETTING, shopper, limit_fen=800 + 200 - 1).discounts == []  # below face
    named = best_plan([line("cola", 800)], SETTING, shopper, limit_fen=799, coupon_id="c-1")
    assert (named.coupon_id, named.discount_fen) == ("c-1", 799)  # the guest's choice: 0.01 left to pay


def test_a_full_reduction_and_points_give_way_so_that_one_fen_is_left_to_pay():
    everything = FullReduction(offer_id="fr-all", tiers=[Tier(threshold_fen=1000, off_fen=1000)])
    plan = best_plan([line("a", 1000)], SETTING, Shopper(points_balance=5000), full_reductions=[everything],
                     points=PointsPolicy(points_per_fen=1, max_share_percent=100), use_points=5000, limit_fen=999)
    assert plan.discount_fen == 999 and plan.points_used == 0


def test_a_coupon_is_not_spent_where_a_full_reduction_leaves_it_less_than_its_face():
    big = FullReduction(offer_id="fr-big", tiers=[Tier(threshold_fen=3000, off_fen=2500)])
    plan = best_plan([line("a", 3000)], SETTING, Shopper(coupons=(coupon(),)), full_reductions=[big],
                     limit_fen=2999)
    assert [d.kind for d in plan.discounts] == ["full_reduction"] and plan.coupon_id is None


def test_points_never_exceed_the_balance():
    plan = best_plan([line("a", 10000)], SETTING, Shopper(points_balance=300),
                     points=PointsPolicy(points_per_fen=10, max_share_percent=100), use_points=5000)
    assert (plan.points_used, plan.discount_fen) == (300, 30)


# ---- properties -------------------------------------------------------------------------------------

kind_sets = st.frozensets(st.sampled_from(KINDS))
lines_strategy = st.lists(
    st.builds(line, st.sampled_from(["a", "b", "c"]), st.integers(1, 20_000), st.sampled_from(["hot", "cold"])),
    min_size=1, max_size=4)
coupon_strategy = st.builds(
    lambda cid, fixed, amount, percent, cap, threshold, scope, combines: coupon(
        cid, kind="fixed" if fixed else "percent", amount_fen=amount if fixed else 0,
        percent_off=0 if fixed else percent, cap_fen=cap, threshold_fen=threshold,
        scope=scope[0], scope_ids=scope[1], combines_with=combines),
    st.text("xyz", min_size=3, max_size=3), st.booleans(), st.integers(1, 5000), st.integers(1, 99),
    st.one_of(st.none(), st.integers(1, 3000)), st.integers(0, 8000),
    st.sampled_from([("store", []), ("dish", ["a"]), ("category", ["cold"])]), kind_sets)
offers_strategy = st.fixed_dictionaries({
    "lines": lines_strategy,
    "full_reductions": st.lists(st.builds(
        lambda tiers, combines, n: FullReduction(offer_id=f"fr-{n}", tiers=tiers, combines_with=combines),
        st.lists(st.builds(Tier, threshold_fen=st.integers(1, 20_000), off_fen=st.integers(1, 5000)),
                 min_size=1, max_size=3), kind_sets, st.integers(0, 99)), max_size=2),
    "coupons": st.lists(coupon_strategy, max_size=3, unique_by=lambda c: c.coupon_id),
    "member": st.one_of(st.none(), st.builds(MemberBenefit, level=st.just("gold"), name=st.just("金卡"),
                                             percent_off=st.integers(0, 50), combines_with=kind_sets)),
    "points": st.one_of(st.none(), st.builds(PointsPolicy, points_per_fen=st.integers(1, 10),
                                             max_share_percent=st.integers(0, 100), combines_with=kind_sets)),
    "points_balance": st.integers(0, 50_000),
    "use_points": st.integers(0, 50_000),
    "fees_fen": st.integers(0, 1500),  # packing and delivery: the offers never touch them
})


def limit_of(case: dict, lines=None) -> int:
    """What the service passes: the offers may leave the guest 0.01 to pay, no less."""
    return sum(line.line_total_fen for line in lines or case["lines"]) + case["fees_fen"] - 1


def plan_of(case: dict, lines=None, coupon_id: str | None = None):
    shopper = Shopper(member=case["member"], coupons=tuple(case["coupons"]), points_balance=case["points_balance"])
    return best_plan(lines or case["lines"], SETTING, shopper, full_reductions=case["full_reductions"],
                     points=case["points"], use_points=case["use_points"], coupon_id=coupon_id,
                     limit_fen=limit_of(case, lines))


@settings(max_examples=300, deadline=None)
@given(offers_strategy)
def test_the_discount_is_never_negative_and_never_more_than_the_items(case):
    plan = plan_of(case)
    items = sum(line.line_total_fen for line in case["lines"])
    assert all(d.amount_fen > 0 for d in plan.discounts)
    assert 0 <= plan.discount_fen <= items
    assert plan.points_used <= min(case["use_points"], case["points_balance"])


@settings(max_examples=300, deadline=None)
@given(offers_strategy)
def test_the_engine_finds_the_best_combination_brute_force_finds(case):
    """Brute force: every subset of every offer, kept when the rules allow it."""
    shopper = Shopper(member=case["member"], coupons=tuple(case["coupons"]), points_balance=case["points_balance"])
    spendable = min(case["use_points"], case["points_balance"])
    found, _ = candidates(case["lines"], SETTING, shopper, full_reductions=case["full_reductions"],
                          points=case["points"], use_points=spendable)
    subsets = chain.from_iterable(combinations(found, size) for size in range(len(found) + 1))
    plans = [evaluate(s, case["lines"], spendable, limit_of(case)) for s in subsets if allowed(s)]
    best = max(p.discount_fen for p in plans if not p.coupon_short)  # a coupon only for its whole face value
    assert plan_of(case).discount_fen == best


@settings(max_examples=300, deadline=None)
@given(offers_strategy)
def test_the_chosen_offers_never_make_the_order_unpayable(case):
    """Items less the discount plus fees is at least 0.01, whatever the offers, coupons and points."""
    items = sum(line.line_total_fen for line in case["lines"])
    assert items - plan_of(case).discount_fen + case["fees_fen"] >= 1


@settings(max_examples=300, deadline=None)
@given(offers_strategy)
def test_an_automatically_chosen_coupon_always_saves_its_whole_face_value(case):
    plan = plan_of(case)
    if plan.coupon_id is None:
        return
    coupon_ = next(c for c in case["coupons"] if c.coupon_id == plan.coupon_id)
    [saved] = [d.amount_fen for d in plan.discounts if d.kind == "coupon"]
    assert saved == coupon_face_fen(coupon_, case["lines"])


@settings(max_examples=300, deadline=None)
@given(offers_strategy)
def test_a_coupon_the_guest_names_is_spent_and_still_leaves_the_order_payable(case):
    items = sum(line.line_total_fen for line in case["lines"])
    for named in case["coupons"]:
        try:
            plan = plan_of(case, coupon_id=named.coupon_id)
        except CouponNotApplicable:
            continue
        assert plan.coupon_id == named.coupon_id
        assert items - plan.discount_fen + case["fees_fen"] >= 1


@settings(max_examples=200, deadline=None)
@given(offers_strategy)
def test_rounding_is_stable_when_a_line_is_split_or_the_cart_reordered(case):
    """Rounding happens once per offer on a subtotal, never per line: splitting a line changes nothing."""
    first, *rest = case["lines"]
    if first.line_total_fen < 2:
        return
    half = first.line_total_fen // 2
    split = [line(first.dish_id, half, first.category_id), line(first.dish_id, first.line_total_fen - half,
                                                                 first.category_id), *rest]
    original = plan_of(case)
    assert plan_of(case, split).discounts == original.discounts
    assert plan_of(case, list(reversed(case["lines"]))).discounts == original.discounts
