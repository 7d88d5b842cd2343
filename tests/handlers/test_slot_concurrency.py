"""No pickup slot ever holds more pre-orders than its capacity under concurrency, against a moto server whose
requests are serialised (local/moto_server.py) so that conditions and transactions are atomic as in DynamoDB:
the slot's place is taken in the order's own transaction (a conditional ADD below the capacity) and given
back in the cancel's."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest

from diancan.domain.errors import DomainError
from diancan.domain.preorders import SlotFull
from tests.handlers.test_stock_concurrency import THREADS, server_stack  # noqa: F401
from tests.stock_fixtures import STORE

pytestmark = [pytest.mark.handlers, pytest.mark.slow]
SLOT = "2026-12-06T12:00"
CAPACITY = 7


def place_in_slot(repository, capacity: int = CAPACITY):
    """An unpaid pre-order of one cola created with its slot, as place_order does; None when the slot is full."""
    from diancan.domain.cart import CartItem, build_lines
    from diancan.domain.clock import business_day, iso, utcnow
    from diancan.domain.order import Order

    dishes = {d.dish_id: d for d in repository.load_menu(STORE).dishes}
    lines = build_lines(dishes, [CartItem(dish_id="d-cola", qty=1)])
    now = utcnow()
    at = iso(now)
    order = Order(order_id=secrets.token_hex(10).upper(), store_id=STORE, openid="openid-slot", mode="takeout",
                  lines=lines, items_fen=lines[0].line_total_fen, total_fen=lines[0].line_total_fen, created_at=at,
                  business_day=business_day(now).isoformat(), pay_expires_at=at,
                  pickup_at="2026-12-06T04:00:00.000Z", slot=SLOT)
    try:
        repository.create_order(order, encrypted_address=None, idempotency_key=f"key-{order.order_id}",
                                request_hash="h", prices={"d-cola": lines[0].base_price_fen},
                                expires_at_epoch=int(now.timestamp()),
                                steps=[repository.take_slot(STORE, SLOT, capacity,
                                                            expires_at_epoch=int(now.timestamp()))])
    except SlotFull:
        return None
    return order


def cancel(repository, order) -> bool:
    from diancan.domain.clock import iso, utcnow
    from diancan.domain.order_status import OrderAction, decide

    try:
        return repository.release_order(order, decide(order.mode, OrderAction.CANCEL, at=iso(utcnow()),
                                                      by="test")).applied
    except DomainError:
        return False


def taken(repository) -> int:
    return repository.slot_counts(STORE, SLOT[:10]).get(SLOT, 0)


def test_sixty_parallel_pre_orders_for_a_slot_of_seven_take_exactly_seven(server_stack):  # noqa: F811
    repository = server_stack.repository()
    with ThreadPoolExecutor(THREADS) as pool:
        placed = [o for o in pool.map(lambda _: place_in_slot(repository), range(60)) if o is not None]
    assert len(placed) == CAPACITY
    assert taken(repository) == CAPACITY


def test_cancels_racing_new_orders_never_let_the_slot_pass_its_capacity(server_stack):  # noqa: F811
    repository = server_stack.repository()
    first = [place_in_slot(repository) for _ in range(CAPACITY)]
    assert all(first) and taken(repository) == CAPACITY

    def work(n: int):
        return ("cancel", cancel(repository, first[n])) if n < 4 else ("place", place_in_slot(repository))

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(40)))
    cancelled = sum(1 for kind, ok in results if kind == "cancel" and ok)
    newly = sum(1 for kind, order in results if kind == "place" and order is not None)
    assert cancelled == 4
    assert newly <= cancelled  # a place freed by a cancel can be taken again, never one more
    assert taken(repository) == CAPACITY - cancelled + newly <= CAPACITY
    assert all(place_in_slot(repository) for _ in range(CAPACITY - taken(repository)))  # what is left can be taken
    assert taken(repository) == CAPACITY and place_in_slot(repository) is None
