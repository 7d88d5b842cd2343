"""Pickup numbers: handed out at payment, unique and gapless per store per local day, under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from diancan.domain.order import Order

pytestmark = [pytest.mark.handlers, pytest.mark.slow]


def pending_order(n: int, store_id: str = "sh-jingan") -> Order:
    return Order(order_id=f"2611241200{n:010d}", store_id=store_id, openid=f"openid-{n}", mode="takeout",
                 lines=[], items_fen=100, total_fen=100, created_at="2026-11-24T04:00:00.000Z",
                 business_day="2026-11-24", pay_expires_at="2026-11-24T04:15:00.000Z")


def create(orders: list[Order]) -> None:
    from diancan import bootstrap

    for order in orders:
        bootstrap.repository().create_order(order, encrypted_address=None, idempotency_key=f"key-{order.order_id}",
                                            request_hash="h", prices={}, expires_at_epoch=0)


def pay(order: Order, day: str) -> int:
    from diancan import bootstrap

    _, pickup = bootstrap.payment_table().mark_paid(
        order_id=order.order_id, store_id=order.store_id, day=day, at="2026-11-24T04:01:00.000Z", by="test",
        voucher_fields={"store_id": order.store_id, "kind": "payment", "order_id": order.order_id,
                        "reference": f"tx-{order.order_id}", "amount_fen": 100, "occurred_at": "2026-11-24"},
        nonce=None, body_hash=None, now_epoch=0)
    return pickup


def test_thirty_concurrent_payments_get_the_numbers_one_to_thirty_and_an_unbroken_chain(server_aws):
    from diancan import bootstrap
    from diancan.domain.payments import first_broken_link

    orders = [pending_order(n) for n in range(30)]
    create(orders)
    with ThreadPoolExecutor(max_workers=10) as pool:
        numbers = list(pool.map(lambda order: pay(order, "2026-11-24"), orders))
    assert sorted(numbers) == list(range(1, 31))
    chain = list(bootstrap.payment_table().vouchers("sh-jingan"))
    assert [v.seq for v in chain] == list(range(1, 31))
    assert first_broken_link(chain) is None
    stored = {o.order_id: bootstrap.repository().get_order(o.order_id).pickup_no for o in orders}
    assert sorted(stored.values()) == list(range(1, 31))


def test_numbers_restart_at_local_midnight_and_are_per_store(aws):
    orders = [pending_order(n) for n in range(4)] + [pending_order(9, store_id="sh-xuhui")]
    create(orders)
    assert [pay(o, "2026-11-24") for o in orders[:2]] == [1, 2]
    assert [pay(o, "2026-11-25") for o in orders[2:4]] == [1, 2]
    assert pay(orders[4], "2026-11-25") == 1


def test_the_payment_day_is_the_shanghai_day():
    """23:59 and 00:01 Shanghai time are different business days, whatever the UTC date says."""
    from diancan.domain.clock import business_day

    assert business_day(datetime(2026, 11, 24, 15, 59, tzinfo=UTC)).isoformat() == "2026-11-24"
    assert business_day(datetime(2026, 11, 24, 16, 1, tzinfo=UTC)).isoformat() == "2026-11-25"
