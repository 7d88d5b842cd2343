"""Table rounds on fakes (a store where each round is paid as it is sent): guests share one session and one
cart, a round becomes an order of the cart the sender saw, and a cart that moved meanwhile is refused."""

from __future__ import annotations

import itertools

import pytest

from diancan.domain.cart import CartItem
from diancan.domain.errors import Conflict
from diancan.domain.menu import Dish, OpeningPeriod, Store
from diancan.services.tables import TableService
from tests.services.fakes import FakeTables
from tests.services.scene import TZ, Scene

pytestmark = pytest.mark.service

STORE = Store(store_id="sh-jingan", name="静安店", hours=[OpeningPeriod(open="10:00", close="22:00")])
NOODLES = Dish(dish_id="d-noodles", store_id="sh-jingan", category_id="c-hot", name="葱油拌面", price_fen=1800)
TEA = Dish(dish_id="d-tea", store_id="sh-jingan", category_id="c-drink", name="菊花茶", price_fen=600)


class TableCodes:
    """The table-code service's answer for a scanned scene (its signing is tested in tests/unit)."""

    def resolve(self, scene: str) -> dict:
        return {"store_id": "sh-jingan", "table_no": scene, "table_name": f"{scene}桌"}


@pytest.fixture
def scene():
    scene = Scene.selling(STORE, NOODLES, TEA, tables=("A1",))
    scene.tables = FakeTables(scene.world)
    return scene


@pytest.fixture
def tables(scene):
    payments = scene.payments()
    ordering = scene.ordering(payments)
    ids = (f"id{n:06d}" for n in itertools.count(1))
    return TableService(scene.tables, TableCodes(), scene.orders, ordering, payments, scene.ledger, scene.bus,
                        expiry_minutes=15, business_tz=TZ, clock=scene.clock, new_id=lambda: next(ids))


def test_two_guests_who_scan_one_table_share_its_session(tables):
    first = tables.join("o-ann", "A1", "Ann")
    second = tables.join("o-bo", "A1", "Bo")
    assert first["session_id"] == second["session_id"]
    assert second["guests"] == ["Ann", "Bo"] and second["table_name"] == "A1桌"


def test_the_shared_cart_shows_every_guests_lines_and_whose_they_are(tables):
    session_id = tables.join("o-ann", "A1", "Ann")["session_id"]
    tables.join("o-bo", "A1", "Bo")
    tables.add_line("o-ann", session_id, CartItem(dish_id="d-noodles", qty=1))
    cart = tables.add_line("o-bo", session_id, CartItem(dish_id="d-tea", qty=2))
    assert [(x["dish_id"], x["added_by"], x["mine"]) for x in cart["lines"]] == [
        ("d-noodles", "Ann", False), ("d-tea", "Bo", True)]
    assert cart["version"] == 2
    assert tables.cart("o-ann", session_id, since=2) == {"changed": False, "version": 2, "status": "open"}


def test_a_stranger_cannot_read_or_fill_the_tables_cart(tables):
    session_id = tables.join("o-ann", "A1", "Ann")["session_id"]
    with pytest.raises(Exception) as refused:
        tables.add_line("o-stranger", session_id, CartItem(dish_id="d-tea", qty=1))
    assert refused.value.status in (403, 404)


def test_a_round_becomes_an_order_of_the_cart_its_sender_saw_and_empties_the_cart(scene, tables):
    session_id = tables.join("o-ann", "A1", "Ann")["session_id"]
    tables.add_line("o-ann", session_id, CartItem(dish_id="d-noodles", qty=2))
    cart = tables.add_line("o-ann", session_id, CartItem(dish_id="d-tea", qty=1))
    sent = tables.submit_round("o-ann", session_id, cart["version"])
    order = scene.world.order(sent["round"]["order_id"])
    assert (order.mode, order.table_no, order.total_fen, order.status) == ("dine_in", "A1", 4200, "PENDING_PAYMENT")
    assert sent["pay_params"] is not None
    after = tables.cart("o-ann", session_id)
    assert after["lines"] == [] and after["round_count"] == 1 and [r["round_no"] for r in after["rounds"]] == [1]


def test_a_round_sent_from_a_cart_that_changed_meanwhile_is_refused_and_places_nothing(scene, tables):
    session_id = tables.join("o-ann", "A1", "Ann")["session_id"]
    tables.join("o-bo", "A1", "Bo")
    seen = tables.add_line("o-ann", session_id, CartItem(dish_id="d-noodles", qty=1))["version"]
    tables.add_line("o-bo", session_id, CartItem(dish_id="d-tea", qty=1))  # Bo adds while Ann looks
    with pytest.raises(Conflict) as refused:
        tables.submit_round("o-ann", session_id, seen)
    assert refused.value.code == "CART_CHANGED"
    assert scene.world.orders == {} and len(tables.cart("o-ann", session_id)["lines"]) == 2


def test_each_round_is_its_own_order_and_a_removed_line_is_not_sent(scene, tables):
    session_id = tables.join("o-ann", "A1", "Ann")["session_id"]
    first = tables.add_line("o-ann", session_id, CartItem(dish_id="d-noodles", qty=1))
    tables.submit_round("o-ann", session_id, first["version"])
    tables.add_line("o-ann", session_id, CartItem(dish_id="d-noodles", qty=1))
    cart = tables.add_line("o-ann", session_id, CartItem(dish_id="d-tea", qty=1))
    noodles = next(x["line_id"] for x in cart["lines"] if x["dish_id"] == "d-noodles")
    cart = tables.set_qty("o-ann", session_id, noodles, 0)
    second = tables.submit_round("o-ann", session_id, cart["version"])
    assert second["round"]["round_no"] == 2
    assert [line.dish_id for line in scene.world.order(second["round"]["order_id"]).lines] == ["d-tea"]
    assert len(scene.world.orders) == 2
