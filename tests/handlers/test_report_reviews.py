"""The report's feedback section reads the reviews the reviews area stores (ReviewTable.add), by the business
day they were written in Shanghai, and finds the keywords of a known set of reviews."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from diancan.domain.order_status import OrderStatus
from diancan.domain.reports import ReportBook

pytestmark = pytest.mark.handlers

STORE = "sh-jingan"
HONGSHAO = ("d-hongshao", "红烧肉", 5800, 1, {"pork": 350})
MAPO = ("d-mapo", "麻婆豆腐", 2600, 1, {"tofu": 300})
RICE = ("d-rice", "米饭", 200, 1, {"rice": 150})
# (written at, UTC; dishes; stars per dish; text)
KNOWN = [
    ("2026-11-23T16:30:00.000Z", [HONGSHAO], {"d-hongshao": 5}, "红烧肉好吃，服务热情"),  # 11-24 00:30 Shanghai
    ("2026-11-24T04:00:00.000Z", [HONGSHAO], {"d-hongshao": 4}, "红烧肉好吃"),
    ("2026-11-24T11:00:00.000Z", [HONGSHAO], {"d-hongshao": 1}, "上菜太慢，红烧肉太咸"),
    ("2026-11-24T15:59:00.000Z", [MAPO, RICE], {"d-mapo": 2, "d-rice": 2}, "麻婆豆腐太咸"),  # 23:59
    ("2026-11-24T16:01:00.000Z", [HONGSHAO], {"d-hongshao": 1}, "难吃"),  # 11-25 00:01: the next day
    ("2026-11-30T17:00:00.000Z", [MAPO], {"d-mapo": 5}, "麻婆豆腐好吃"),  # 12-01 01:00, stored under 2026-11
]


@pytest.fixture
def reviewed(demo_chain):
    from diancan.adapters.review_table import ReviewTable
    from local.demo_history import make_order, order_record

    store = ReviewTable()
    for n, (at, lines, stars, text) in enumerate(KNOWN):
        created = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC).replace(hour=0)
        order = make_order(STORE, f"R{n:03d}", created, list(lines), status=OrderStatus.COMPLETED, openid=f"g{n}")
        order_record(order).save()
        store.add(order, stars, text, [], at)
    return demo_chain


def source():
    from diancan.adapters.report_sources import StoredReviews

    return StoredReviews("Asia/Shanghai")


def test_reviews_are_read_by_the_shanghai_day_they_were_written_one_per_order(reviewed):
    day = list(source().reviews(STORE, date(2026, 11, 24), date(2026, 11, 24)))

    assert [r.order_id for r in day] == ["R000", "R001", "R002", "R003"]
    assert day[3].stars == {"d-mapo": 2, "d-rice": 2} and day[3].text == "麻婆豆腐太咸"
    assert all(r.day == date(2026, 11, 24) for r in day)
    assert [r.order_id for r in source().reviews(STORE, date(2026, 12, 1), date(2026, 12, 1))] == ["R005"]
    assert list(source().reviews("sh-xuhui", date(2026, 11, 24), date(2026, 11, 24))) == []


def test_the_keywords_of_a_known_set_of_reviews(reviewed):
    book = ReportBook(STORE, date(2026, 11, 24), date(2026, 11, 24))
    for review in source().reviews(STORE, book.start, book.end):
        book.add_review(review)

    feedback = book.feedback()

    assert feedback["positive_keywords"] == [{"word": "好吃", "reviews": 2}, {"word": "红烧肉", "reviews": 2},
                                             {"word": "服务", "reviews": 1}, {"word": "热情", "reviews": 1}]
    assert feedback["negative_keywords"] == [{"word": "太咸", "reviews": 2}, {"word": "上菜", "reviews": 1},
                                             {"word": "太慢", "reviews": 1}, {"word": "红烧肉", "reviews": 1},
                                             {"word": "麻婆豆腐", "reviews": 1}]
    assert {r["dish_id"]: (r["reviews"], r["average"]) for r in feedback["ratings"]} == {
        "d-hongshao": (3, 3.33), "d-mapo": (1, 2.0), "d-rice": (1, 2.0)}
