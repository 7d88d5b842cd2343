"""No oversell under concurrency, at both levels, against a moto server whose requests are serialised
(local/moto_server.py) so that conditions and transactions are atomic as in DynamoDB."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from diancan.domain.errors import DomainError
from tests.stock_fixtures import STORE, place

pytestmark = [pytest.mark.handlers, pytest.mark.slow]
THREADS = 20
XLB = [{"dish_id": "d-xiaolongbao", "qty": 1}]


@pytest.fixture
def server_stack(server_aws):
    """A fresh serialised moto server with the stack, the demo chain and the demo stock."""
    from diancan import bootstrap
    from local import demo_data, demo_stock

    demo_data.load()
    demo_stock.load()
    return bootstrap


def attempt(action) -> bool:
    try:
        action()
    except DomainError:
        return False
    return True


def test_a_hundred_parallel_orders_for_ten_portions_reserve_exactly_ten(server_stack):
    repository, admin = server_stack.repository(), server_stack.menu_admin()
    admin.set_daily_portions(STORE, "d-hongshao", 10)
    with ThreadPoolExecutor(THREADS) as pool:
        placed = list(pool.map(lambda _: attempt(lambda: place(repository, [{"dish_id": "d-hongshao", "qty": 1}],
                                                               pay=False)), range(100)))
    assert sum(placed) == 10
    assert repository.get_dish(STORE, "d-hongshao").portions_left == 0


def test_thirty_parallel_paid_orders_on_stock_for_twelve_deduct_exactly_twelve(server_stack):
    from diancan.adapters.stock_table import DeductResult
    from diancan.domain.stock import ledger_explains

    repository, stock, store = server_stack.repository(), server_stack.stock(), server_stack.stock_table()
    stock.stock_take(STORE, "crab", 12 * 40, by="test")
    orders = [place(repository, XLB) for _ in range(30)]
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda order: stock.order_paid(order.order_id), orders))
    assert results.count(DeductResult.DEDUCTED) == 12
    assert store.ingredient(STORE, "crab").quantity == 0
    short = [o.order_id for o, r in zip(orders, results, strict=True) if r == DeductResult.SHORT]
    assert len(short) == 18
    assert sorted(i["order_id"] for i in stock.open_issues(STORE)) == sorted(short)
    crab = store.ingredient(STORE, "crab")
    assert ledger_explains(crab, store.ledger(STORE, "crab"))
    assert repository.get_dish(STORE, "d-xiaolongbao").sold_out
