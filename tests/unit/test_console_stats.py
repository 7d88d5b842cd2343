"""Counter updates of a paid order and the dashboard figures summed from counter items."""

from datetime import UTC, datetime

import pytest

from diancan.domain import stats
from diancan.domain.passwords import ScryptCost, hash_password, needs_rehash, verify_password

pytestmark = pytest.mark.unit


class _Line:
    def __init__(self, dish_id, name, qty):
        self.dish_id, self.name, self.qty = dish_id, name, qty


class _Order:
    total_fen, mode, channel = 9100, "takeout", "counter"

    class status:
        value = "PAID"

    lines = (_Line("d-a", "宫保鸡丁", 2), _Line("d-b", "可乐", 1), _Line("d-a", "宫保鸡丁", 1))


def test_a_paid_order_adds_revenue_its_local_hour_mode_channel_status_and_dish_quantities():
    update = stats.paid(_Order(), datetime(2026, 11, 24, 4, 30, tzinfo=UTC), "Asia/Shanghai")
    assert update.add == {"revenue_fen": 9100, "orders": 1, "h:12": 1, "hr:12": 9100, "m:takeout": 1, "c:counter": 1,
                          "s:PAID": 1, "d:d-a": 3, "d:d-b": 1}
    assert update.names == {"dn:d-a": "宫保鸡丁", "dn:d-b": "可乐"}


def test_figures_sum_stores_and_rank_hot_dishes():
    one = {"revenue_fen": 3000, "orders": 2, "s:PAID": 2, "h:12": 2, "d:x": 3, "dn:x": "鱼香肉丝"}
    two = {"revenue_fen": 1001, "orders": 1, "s:PAID": 1, "s:PREPARING": 0, "d:y": 5, "dn:y": "米饭", "refunded_fen": 500}
    day = stats.figures(one, two).to_view()
    assert (day["revenue_fen"], day["orders"], day["net_fen"], day["average_ticket_fen"]) == (4001, 3, 3501, 1334)
    assert day["by_status"] == {"PAID": 3}
    assert stats.figures({"c:counter": 2}, {"c:counter": 1, "c:miniprogram": 4}).to_view()["by_channel"] == {
        "counter": 3, "miniprogram": 4}
    assert day["by_hour"][12] == 2 and sum(day["by_hour"]) == 2
    assert [d["name"] for d in day["hot_dishes"]] == ["米饭", "鱼香肉丝"]


def test_a_status_move_takes_one_from_the_old_status_and_gives_it_to_the_new():
    assert stats.moved("PAID", "PREPARING").add == {"s:PAID": -1, "s:PREPARING": 1}


def test_no_orders_means_an_average_ticket_of_zero():
    assert stats.figures().average_ticket_fen == 0


def test_passwords_verify_only_themselves_and_cheap_hashes_ask_for_a_rehash():
    cheap = ScryptCost(n=2**10)
    stored = hash_password("正确的密码", cheap)
    assert verify_password("正确的密码", stored) and not verify_password("wrong", stored)
    assert hash_password("正确的密码", cheap).salt != stored.salt
    assert needs_rehash(stored) and not needs_rehash(stored, cheap)
