"""The member profile fold (domain/member_profile.py): each completed order counts once, refunds take money
(and a full refund the visit) back once whatever order the events come in, lists stay bounded, and an erased
member's earlier orders are not counted again."""

from __future__ import annotations

from datetime import datetime

import pytest

from diancan.domain.member_profile import (
    DISHES_KEPT,
    MONTHS_KEPT,
    RECENT_KEPT,
    MemberProfile,
    day_part,
    erased,
    fold_completed,
    fold_refunded,
)
from diancan.domain.order_status import OrderStatus
from diancan.domain.pricing import Discount
from local.demo_history import make_order

pytestmark = pytest.mark.unit
GONGBAO = ("d-gongbao", "宫保鸡丁", 3800, 2, {})
RICE = ("d-rice", "米饭", 200, 2, {})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def completed(order_id: str = "o1", when: str = "2026-11-24T12:00:00+08:00", lines=(GONGBAO, RICE), **kw):
    return make_order("sh-jingan", order_id, at(when), list(lines), openid="g1", **kw)


def refunded(order, amount: int, *, status=OrderStatus.COMPLETED):
    return order.model_copy(update={"refunded_fen": order.refunded_fen + amount, "status": status})


def test_a_completed_order_makes_a_visit_with_its_spend_dishes_mode_daypart_and_store():
    coupon = Discount(kind="coupon", label="新客券", amount_fen=500, ref="c1")
    profile = fold_completed(MemberProfile(), completed(discounts=[coupon]))
    assert (profile.visits, profile.spend_fen, profile.average_ticket_fen) == (1, 7500, 7500)
    assert (profile.first_visit, profile.last_visit) == ("2026-11-24", "2026-11-24")
    assert profile.months["2026-11"].model_dump() == {"visits": 1, "spend_fen": 7500}
    assert profile.favourite_dishes() == [("d-gongbao", "宫保鸡丁", 2), ("d-rice", "米饭", 2)]
    assert (profile.preferred_mode, profile.usual_daypart, profile.usual_store) == ("dine_in", "lunch", "sh-jingan")
    assert profile.store_dayparts == {"sh-jingan/lunch": 1}
    assert (profile.coupon_orders, profile.coupon_rate_percent) == (1, 100)


def test_a_replayed_completion_counts_nothing():
    once = fold_completed(MemberProfile(), completed())
    assert fold_completed(once, completed()) is None


def test_an_order_not_completed_when_read_counts_nothing():
    assert fold_completed(MemberProfile(), completed(status=OrderStatus.REFUNDED)) is None


@pytest.mark.parametrize(("local_time", "part"), [
    ("04:59", "late"), ("05:00", "breakfast"), ("09:59", "breakfast"), ("10:00", "lunch"), ("13:59", "lunch"),
    ("14:00", "afternoon"), ("17:00", "dinner"), ("20:59", "dinner"), ("21:00", "late"), ("00:30", "late")])
def test_day_parts_are_local_hours(local_time, part):
    assert day_part(at(f"2026-11-24T{local_time}:00+08:00")) == part


def test_a_partial_refund_after_completion_takes_its_money_once():
    order = completed()
    profile = fold_completed(MemberProfile(), order)
    after = fold_refunded(profile, refunded(order, 1000), refund_no="r1", amount_fen=1000, full=False)
    assert (after.visits, after.spend_fen, after.refunds, after.refunded_fen) == (1, 7000, 1, 1000)
    assert after.months["2026-11"].spend_fen == 7000
    assert fold_refunded(after, refunded(order, 1000), refund_no="r1", amount_fen=1000, full=False) is None


def test_a_refund_read_by_the_completion_is_not_taken_twice():
    """The completion event is handled after the refund was made: the order it reads already shows it."""
    order = refunded(completed(), 1000)
    profile = fold_completed(MemberProfile(), order)
    assert profile.spend_fen == 7000
    after = fold_refunded(profile, order, refund_no="r1", amount_fen=1000, full=False)
    assert (after.spend_fen, after.refunds) == (7000, 1)


def test_a_full_refund_takes_the_visit_and_the_spend_back():
    coupon = Discount(kind="coupon", label="券", amount_fen=500, ref="c1")
    order = completed(discounts=[coupon])
    profile = fold_completed(MemberProfile(), order)
    gone = refunded(order, order.total_fen, status=OrderStatus.REFUNDED)
    after = fold_refunded(profile, gone, refund_no="r9", amount_fen=order.total_fen, full=True)
    assert (after.visits, after.spend_fen, after.coupon_orders) == (0, 0, 0)
    assert after.months["2026-11"].model_dump() == {"visits": 0, "spend_fen": 0}
    assert fold_refunded(after, gone, refund_no="r9", amount_fen=order.total_fen, full=True) is None


def test_a_refund_of_an_order_never_counted_moves_only_the_refund_tallies():
    order = refunded(completed(status=OrderStatus.PAID), 2000, status=OrderStatus.REFUNDED)
    after = fold_refunded(MemberProfile(), order, refund_no="r1", amount_fen=2000, full=True)
    assert (after.visits, after.spend_fen, after.refunds, after.refunded_fen) == (0, 0, 1, 2000)


def test_lists_stay_bounded_and_keep_the_favourites():
    profile = MemberProfile()
    for n in range(60):
        lines = [("d-gongbao", "宫保鸡丁", 3800, 1, {}), (f"d-{n}", f"菜{n}", 1000, 1, {})]
        month = 1 + n % 12
        profile = fold_completed(profile, completed(f"o{n}", f"20{25 + n // 12}-{month:02d}-10T12:00:00+08:00", lines))
    assert len(profile.dishes) == DISHES_KEPT and profile.favourite_dishes(1) == [("d-gongbao", "宫保鸡丁", 60)]
    assert len(profile.months) == MONTHS_KEPT and len(profile.counted) == RECENT_KEPT
    assert profile.visits == 60


def test_an_erased_member_starts_again_from_orders_after_the_erasure():
    profile = erased("2026-11-25T00:00:00.000Z")
    assert fold_completed(profile, completed()) is None
    later = fold_completed(profile, completed("o2", "2026-11-26T19:00:00+08:00"))
    assert (later.visits, later.first_visit, later.usual_daypart) == (1, "2026-11-26", "dinner")
