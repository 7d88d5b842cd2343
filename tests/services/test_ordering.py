"""Placing an order on fakes: priced by the domain, portions reserved, the coupon spent with the order in one
write, an Idempotency-Key honoured, and nothing written (the prepay closed) when any part is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from diancan.domain.cart import CartItem, InsufficientPortions
from diancan.domain.menu import Dish, OpeningPeriod, Store
from diancan.domain.order import OrderRequest
from diancan.domain.promotions import Coupon, CouponNotApplicable, CouponRule
from diancan.domain.request_keys import KeyReused
from tests.services.fakes import FakeMarketing
from tests.services.scene import NOW, Scene

pytestmark = pytest.mark.service

STORE = Store(store_id="sh-jingan", name="静安店", hours=[OpeningPeriod(open="10:00", close="22:00")],
              packing_fee_fen=100)
KUNG_PAO = Dish(dish_id="d-kungpao", store_id="sh-jingan", category_id="c-hot", name="宫保鸡丁", price_fen=3800,
                portions_left=3)
CUCUMBER = Dish(dish_id="d-cucumber", store_id="sh-jingan", category_id="c-cold", name="拍黄瓜", price_fen=1200)


@pytest.fixture
def scene():
    scene = Scene.selling(STORE, KUNG_PAO, CUCUMBER, tables=("A1",))
    scene.marketing = FakeMarketing(scene.world)
    return scene


@pytest.fixture
def ordering(scene):
    return scene.ordering(marketing=scene.marketing)


def request(*items: tuple[str, int], **fields) -> OrderRequest:
    return OrderRequest(store_id="sh-jingan", mode=fields.pop("mode", "takeout"),
                        items=[CartItem(dish_id=d, qty=q) for d, q in items], **fields)


def coupon(coupon_id="cp-1", amount_fen=500, threshold_fen=3000, valid_for=timedelta(days=7)) -> Coupon:
    rule = CouponRule(name="满30减5", kind="fixed", amount_fen=amount_fen, threshold_fen=threshold_fen)
    return Coupon(coupon_id=coupon_id, template_id="t-1", rule=rule, valid_until=NOW + valid_for)


def test_an_order_is_priced_stored_unpaid_with_its_prepay_and_its_portions_reserved(scene, ordering):
    placed = ordering.place("o-guest", request(("d-kungpao", 2), ("d-cucumber", 1)), "key-0001")
    o = placed.order
    assert placed.created and placed.pay_params["package"] == f"prepay_id=wx-prepay-{o.order_id}"
    assert (o.items_fen, o.packing_fee_fen, o.total_fen) == (8800, 100, 8900)
    assert scene.world.order(o.order_id).status == "PENDING_PAYMENT"
    assert scene.pay.prepaid[o.order_id][0] == 8900
    assert o.reserved == {"d-kungpao": 2}
    assert scene.world.portions[("sh-jingan", "d-kungpao")] == 1


def test_the_same_key_again_returns_the_first_order_and_writes_nothing(scene, ordering):
    first = ordering.place("o-guest", request(("d-kungpao", 1)), "key-0001")
    scene.now = NOW + timedelta(seconds=5)
    again = ordering.place("o-guest", request(("d-kungpao", 1)), "key-0001")
    assert (again.created, again.order.order_id) == (False, first.order.order_id)
    assert list(scene.world.orders) == [first.order.order_id]
    assert scene.world.portions[("sh-jingan", "d-kungpao")] == 2
    assert len(scene.pay.closed) == 1  # the repeat's own prepay was never handed out


def test_the_same_key_for_another_order_is_refused(scene, ordering):
    ordering.place("o-guest", request(("d-kungpao", 1)), "key-0001")
    scene.now = NOW + timedelta(seconds=5)
    with pytest.raises(KeyReused):
        ordering.place("o-guest", request(("d-cucumber", 1)), "key-0001")
    assert len(scene.world.orders) == 1


def test_more_portions_than_are_left_are_refused_and_nothing_is_written(scene, ordering):
    with pytest.raises(InsufficientPortions):
        ordering.place("o-guest", request(("d-kungpao", 4)), "key-0001")
    assert scene.world.orders == {} and scene.world.portions[("sh-jingan", "d-kungpao")] == 3


def test_portions_sold_between_the_quote_and_the_write_refuse_the_order_and_close_its_prepay(scene, ordering):
    scene.world.portions[("sh-jingan", "d-kungpao")] = 3
    real_load = scene.orders.load_for_order

    def sold_meanwhile(*args, **kwargs):
        loaded = real_load(*args, **kwargs)
        scene.world.portions[("sh-jingan", "d-kungpao")] = 1  # another guest's order committed first
        return loaded

    scene.orders.load_for_order = sold_meanwhile
    with pytest.raises(InsufficientPortions):
        ordering.place("o-guest", request(("d-kungpao", 2)), "key-0001")
    assert scene.world.orders == {}
    assert len(scene.pay.closed) == 1


def test_a_coupon_in_the_wallet_lowers_the_total_and_is_reserved_with_the_order(scene, ordering):
    scene.marketing.given_coupon("o-guest", coupon())
    placed = ordering.place("o-guest", request(("d-kungpao", 1), coupon_id="cp-1"), "key-0001")
    assert placed.order.total_fen == 3800 + 100 - 500
    [held] = scene.marketing.wallet("o-guest")
    assert (held.status, held.order_id) == ("reserved", placed.order.order_id)


def test_a_coupon_below_its_threshold_is_refused_before_anything_is_written(scene, ordering):
    scene.marketing.given_coupon("o-guest", coupon())
    with pytest.raises(CouponNotApplicable):
        ordering.place("o-guest", request(("d-cucumber", 1), coupon_id="cp-1"), "key-0001")
    assert scene.world.orders == {} and scene.marketing.wallet("o-guest")[0].status == "available"


def test_a_coupon_spent_by_another_order_meanwhile_refuses_this_one_whole(scene, ordering):
    scene.marketing.given_coupon("o-guest", coupon())
    reserve = scene.marketing.reserve_coupon

    def taken_meanwhile(openid, coupon_id, order_id, at):
        reserve(openid, coupon_id, "another-order", at).apply()  # the quote saw it available; now it is gone
        return reserve(openid, coupon_id, order_id, at)

    scene.marketing.reserve_coupon = taken_meanwhile
    with pytest.raises(CouponNotApplicable) as refused:
        ordering.place("o-guest", request(("d-kungpao", 1), coupon_id="cp-1"), "key-0001")
    assert refused.value.code == "COUPON_TAKEN"
    assert scene.marketing.wallet("o-guest")[0].order_id == "another-order"
    assert scene.world.orders == {} and scene.world.portions[("sh-jingan", "d-kungpao")] == 3
    assert len(scene.pay.closed) == 1


def test_dine_in_needs_a_table_of_the_store(scene, ordering):
    placed = ordering.place("o-guest", request(("d-cucumber", 1), mode="dine_in", table_no="A1"), "key-0001")
    assert placed.order.table_no == "A1" and placed.order.packing_fee_fen == 0
    with pytest.raises(Exception) as refused:
        ordering.place("o-guest", request(("d-cucumber", 1), mode="dine_in", table_no="Z9"), "key-0002")
    assert refused.value.code == "TABLE_NOT_FOUND"
