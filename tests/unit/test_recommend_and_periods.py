""""Guess you like" ranking and the periods the automatic-coupon limits count within."""

from __future__ import annotations

from datetime import date

import pytest

from diancan.domain.cart import OrderLine
from diancan.domain.coupons import GuestFacts, birthday_falls_on, claim_period
from diancan.domain.recommend import StoreReco, add_portions, favourite, recommend, store_reco
from local.demo_offers import templates

pytestmark = pytest.mark.unit


def line(dish_id: str, qty: int = 1) -> OrderLine:
    return OrderLine(dish_id=dish_id, name=dish_id, category_id="c", qty=qty, base_price_fen=100,
                     unit_price_fen=100, line_total_fen=100 * qty)


def test_dishes_ordered_together_and_best_sellers_are_counted_per_order():
    reco = store_reco([[line("a"), line("b", 2)], [line("a"), line("c")], [line("a"), line("b")]], "now")
    assert reco.best_sellers == ["a", "b", "c"]
    assert reco.together == {"a": ["b", "c"], "b": ["a"], "c": ["a"]}
    assert reco.orders_counted == 3


def test_recommendations_never_include_a_dish_that_cannot_be_ordered():
    reco = StoreReco(best_sellers=["x", "y"], together={"a": ["b", "c"]})
    assert recommend({"a": 3}, reco, orderable={"a", "b", "c", "x", "y"}) == ["a", "b", "c", "x", "y"]
    assert recommend({"a": 3}, reco, orderable={"c", "y"}) == ["c", "y"]


def test_a_guest_without_history_gets_the_best_sellers():
    assert recommend({}, StoreReco(best_sellers=["x", "y"]), orderable={"y"}) == ["y"]
    assert recommend({}, None, orderable={"y"}) == []


def test_a_guests_counts_stay_bounded_and_name_a_stable_favourite():
    counts = add_portions({}, [line(f"d{n:02d}") for n in range(40)])
    assert len(counts) == 30
    assert favourite(add_portions({"b": 2}, [line("a", 2)])) == "a"


def test_a_leap_day_birthday_is_kept_on_the_28th_in_other_years():
    assert birthday_falls_on(date(2000, 2, 29), date(2027, 2, 28))
    assert not birthday_falls_on(date(2000, 2, 29), date(2028, 2, 28))
    assert birthday_falls_on(date(2000, 2, 29), date(2028, 2, 29))


def test_birthday_coupons_count_per_year_and_win_back_per_absence():
    by_id = {t.template_id: t for t in templates()}
    facts = GuestFacts(joined_on=date(2025, 1, 1), last_order_on=date(2026, 10, 1))
    assert claim_period(by_id["tpl-birthday"], facts, date(2026, 11, 24)) == "2026"
    assert claim_period(by_id["tpl-win-back"], facts, date(2026, 11, 24)) == "away-2026-10-01"
    assert claim_period(by_id["tpl-new-guest"], facts, date(2026, 11, 24)) is None
