"""Report figures computed by hand on a small fixed data set (docs/reports.md defines each one)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from diancan.domain.forecast import DayProfile, central_kitchen, forecast
from diancan.domain.menu_engineering import DishSales, classify
from diancan.domain.order_status import OrderStatus
from diancan.domain.pricing import Discount
from diancan.domain.report_facts import (
    CostBook,
    CouponIssue,
    CouponUse,
    Guest,
    RefundFact,
    Review,
    order_fact,
)
from diancan.domain.reports import ReportBook, delivery_times
from diancan.domain.review_keywords import KeywordCounter, tokens
from diancan.domain.stock import Ingredient, Unit
from local import demo_data, demo_history
from local.demo_history import make_order

pytestmark = pytest.mark.unit

TZ = "Asia/Shanghai"
D24, D25 = date(2026, 11, 24), date(2026, 11, 25)
GONGBAO = ("d-gongbao", "宫保鸡丁", 3800, 2, {"chicken": 200})
RICE = ("d-rice", "米饭", 200, 2, {"rice": 150})
MAPO = ("d-mapo", "麻婆豆腐", 2600, 1, {"tofu": 300})
COSTS = CostBook({"s1": {iid: Ingredient(ingredient_id=iid, store_id="s1", name=iid, unit=Unit.KG, quantity=0,
                                         cost_fen_per_unit=cost)
                         for iid, cost in (("chicken", 2600), ("rice", 600), ("tofu", 800))}})


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def orders(store: str = "s1"):
    return [
        make_order(store, "o1", utc("2026-11-24T11:30:00+08:00"), [GONGBAO, RICE], openid="g1",
                   discounts=[Discount(kind="coupon", label="券", amount_fen=500, ref="cp1")]),
        make_order(store, "o2", utc("2026-11-24T23:59:00+08:00"), [MAPO], mode="takeout", openid="g2", packing_fen=100),
        make_order(store, "o3", utc("2026-11-25T00:01:00+08:00"), [MAPO], openid="g1"),
        make_order(store, "o4", utc("2026-11-24T12:10:00+08:00"), [MAPO], openid="g3", status=OrderStatus.CANCELLED),
    ]


def book_of(day: date, store: str = "s1") -> ReportBook:
    book = ReportBook(store, day, day)
    for order in orders(store):
        book.add_order(order_fact(order, COSTS, TZ))
    book.add_refund(RefundFact(store, "o1", 1000, D25, "出餐太慢"))  # o1 (the 24th) refunded on the 25th
    return book


def test_sales_of_a_day_add_up_by_hand():
    sales = book_of(D24).sales()

    assert (sales["orders"], sales["unpaid_orders"]) == (2, 1)
    assert sales["gross_fen"] == 8000 + 2700  # o1 items 7600 + 400; o2 2600 + packing 100
    assert (sales["discount_fen"], sales["paid_fen"], sales["refund_fen"], sales["net_fen"]) == (500, 10200, 0, 10200)
    assert sales["average_ticket_fen"] == 5100
    assert sales["by_mode"] == {"dine_in": {"orders": 1, "paid_fen": 7500}, "takeout": {"orders": 1, "paid_fen": 2700}}
    assert [(h["hour"], h["orders"], h["paid_fen"]) for h in sales["by_hour"] if h["orders"]] == [(11, 1, 7500),
                                                                                                  (23, 1, 2700)]


def test_sales_by_channel_count_counter_orders_apart_and_old_orders_as_they_were_taken():
    """An order stored before channels existed reads as table (with a table number) or mini-program."""
    book = ReportBook("s1", D24, D24)
    first, second = orders()[:2]
    book.add_order(order_fact(first, COSTS, TZ))
    book.add_order(order_fact(second.model_copy(update={"channel": "counter"}), COSTS, TZ))
    channel_of_first = "table" if first.table_no else "miniprogram"

    assert book.sales()["by_channel"] == {channel_of_first: {"orders": 1, "paid_fen": 7500},
                                          "counter": {"orders": 1, "paid_fen": 2700}}


def test_walk_ins_at_the_counter_are_no_guests_in_the_guest_figures():
    book = ReportBook("s1", D24, D24)
    first, second = orders()[:2]
    for n in range(3):
        book.add_order(order_fact(second.model_copy(update={"order_id": f"w{n}", "openid": "staff:cashier-1",
                                                             "channel": "counter"}), COSTS, TZ))
    book.add_order(order_fact(first, COSTS, TZ))
    assert book.sales()["orders"] == 4 and dict(book.guest_orders) == {first.openid: 1}


def test_23_59_and_00_01_land_on_their_own_business_days():
    assert [f.day for f in (order_fact(o, COSTS, TZ) for o in orders()[1:3])] == [D24, D25]
    assert book_of(D25).sales()["orders"] == 1


def test_a_refund_counts_on_the_day_it_happened_not_the_order_day():
    assert book_of(D24).sales()["refund_fen"] == 0
    day25 = book_of(D25).sales()
    assert (day25["paid_fen"], day25["refund_fen"], day25["net_fen"]) == (2600, 1000, 1600)
    assert book_of(D25).operations()["refunds_by_reason"] == [{"reason": "出餐太慢", "count": 1, "fen": 1000}]


def test_dish_ranking_uses_quantity_then_revenue_and_recipe_costs():
    dishes = book_of(D24).dish_figures()

    assert [(d["dish_id"], d["qty"], d["revenue_fen"], d["cost_fen"]) for d in dishes["by_qty"]] == [
        ("d-gongbao", 2, 7600, 1040), ("d-rice", 2, 400, 180), ("d-mapo", 1, 2600, 240)]
    assert [d["dish_id"] for d in dishes["by_revenue"]] == ["d-gongbao", "d-mapo", "d-rice"]


def test_marketing_counts_redemptions_cost_and_the_revenue_of_coupon_orders():
    book = book_of(D24)
    book.add_coupon_use(CouponUse("s1", "cp1", "tpl1", "o1"))

    marketing = book.marketing([CouponIssue("tpl1", "新客券", 10)], {"cp1": "tpl1"})

    assert marketing["coupons"] == [{"template_id": "tpl1", "label": "新客券", "issued": 10, "redeemed": 1,
                                     "redemption_rate": 0.1, "discount_fen": 500}]
    assert (marketing["coupon_orders"], marketing["coupon_orders_revenue_fen"]) == (1, 7500)
    assert marketing["full_reduction_fen"] == 0


def test_members_split_new_and_returning_and_sum_points_liability():
    guests = {"g1": Guest("g1", D24, 100), "g2": Guest("g2", date(2026, 10, 1), 250)}

    members = book_of(D24).members(guests)

    assert members == {"guests": 2, "new_guests": 1, "returning_guests": 1, "repeat_guests": 0, "repeat_rate": 0.0,
                       "points_liability_points": 350, "points_liability_fen": 350}


def test_chain_totals_are_the_sum_of_the_stores():
    chain = ReportBook("chain", D24, D24)
    stores = []
    for store in ("s1", "s2"):
        book = ReportBook(store, D24, D24)
        for order in orders(store):
            fact = order_fact(order, COSTS, TZ)
            book.add_order(fact)
            chain.add_order(fact)
        stores.append(book.sales())
    totals = chain.sales()
    for figure in ("orders", "gross_fen", "discount_fen", "refund_fen", "net_fen", "paid_fen"):
        assert totals[figure] == sum(s[figure] for s in stores)


def test_menu_engineering_puts_each_dish_in_its_quadrant():
    matrix = classify([DishSales("a", "A", 40, 4000, 1000), DishSales("b", "B", 40, 2000, 1200),
                       DishSales("c", "C", 10, 1500, 300), DishSales("d", "D", 10, 300, 200)])

    assert (matrix["popularity_threshold"], matrix["average_margin_fen"]) == (0.175, 51)
    assert matrix["quadrants"] == {"star": ["a"], "plowhorse": ["b"], "puzzle": ["c"], "dog": ["d"]}
    assert all(row["suggestion"] for row in matrix["dishes"])


def test_the_forecast_weights_recent_weeks_more_and_rounds_prep_up():
    history = [DayProfile(date(2026, 11, 17), {12: 10}, {"x": 10}, {"x": "X"}),
               DayProfile(date(2026, 11, 10), {12: 20}, {"x": 20}, {"x": "X"})]

    plan = forecast(D24, history)

    assert plan["expected_orders_by_hour"] == {12: 14.3}  # (4×10 + 3×20) / 7
    assert plan["prep"] == [{"dish_id": "x", "name": "X", "qty": 16}]  # ceil(14.29 × 1.1)
    assert plan["staff_by_hour"] == {12: 2}
    assert central_kitchen([plan["prep"], plan["prep"]]) == [{"dish_id": "x", "name": "X", "qty": 32}]


def test_review_keywords_split_positive_and_negative_without_stop_words():
    book = ReportBook("s1", D24, D24)
    for n, (stars, text) in enumerate(((5, "红烧肉非常好吃"), (4, "红烧肉好吃，服务热情"), (3, "一般般吧"),
                                       (1, "上菜太慢，红烧肉太咸"))):
        book.add_review(Review("s1", f"o{n}", {"d-hongshao": stars}, text, D24))

    feedback = book.feedback()

    positive = {k["word"]: k["reviews"] for k in feedback["positive_keywords"]}
    negative = {k["word"] for k in feedback["negative_keywords"]}
    assert positive["红烧肉"] == 2 and positive["好吃"] == 2 and "非常" not in positive
    assert {"上菜", "太咸"} <= negative and "好吃" not in negative
    assert feedback["ratings"] == [{"dish_id": "d-hongshao", "name": "d-hongshao", "reviews": 4, "average": 3.25}]


def test_a_review_of_several_dishes_rates_each_and_counts_its_text_once_by_its_mean_stars():
    book = ReportBook("s1", D24, D24)
    book.add_review(Review("s1", "o1", {"d-gongbao": 5, "d-rice": 3}, "红烧肉好吃", D24))  # mean 4: positive
    book.add_review(Review("s1", "o2", {"d-gongbao": 2, "d-rice": 3}, "红烧肉太咸", D24))  # mean 2.5: neither
    book.add_review(Review("s1", "o3", {"d-gongbao": 4}, "", D24))  # stars only

    feedback = book.feedback()

    assert {r["dish_id"]: (r["reviews"], r["average"]) for r in feedback["ratings"]} == {
        "d-gongbao": (3, 3.67), "d-rice": (2, 3.0)}
    assert (feedback["positive_reviews"], feedback["negative_reviews"]) == (1, 0)
    assert feedback["positive_keywords"] == [{"word": "好吃", "reviews": 1}, {"word": "红烧肉", "reviews": 1}]


def test_delivery_times_use_the_nearest_rank_percentiles():
    assert delivery_times({20: 1, 30: 2, 50: 1}) == {"count": 4, "mean_minutes": 32.5, "median_minutes": 30,
                                                     "p90_minutes": 50}


def test_review_keywords_of_the_demo_history_are_exactly_those_jieba_gave():
    """rjieba replaced jieba: every review text the demo history writes splits into the same keywords, and the
    keyword ranking is the same (the snapshot was made with jieba 0.42.1 before the switch)."""
    snapshot = json.loads((Path(__file__).parent / "snapshots" / "review_keywords_demo.json").read_text())
    names = sorted({dish.name for store in demo_data.stores() for dish in demo_data.menu_of(store.store_id)[1]})
    texts = [phrase.format(dish=name) for name in names
             for phrase in demo_history.PRAISE + demo_history.COMPLAINTS + demo_history.SO_SO]
    counter = KeywordCounter()
    for text in texts:
        counter.add(text)

    assert len(texts) == snapshot["texts"]
    assert {text: tokens(text) for text in texts} == snapshot["tokens"]
    assert counter.top(40) == snapshot["top"]
