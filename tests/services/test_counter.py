"""Counter ordering (POS) on fakes: a walk-in order priced by the domain like the mini-program's (a client's price
is never read), created with channel counter and no WeChat Pay prepay, paid at once with a counter voucher in the
store's chain (cash with its change, card, a payment code's transaction id), OrderPaid published for the tickets;
the same key again pays once; cash short of the total writes nothing."""

from __future__ import annotations

import pytest

from diancan.domain.cart import CartItem
from diancan.domain.counter import CounterSale
from diancan.domain.errors import InvalidRequest, Unprocessable
from diancan.domain.menu import Dish, OpeningPeriod, Store
from diancan.services.counter import CounterService
from tests.services.scene import Scene

pytestmark = pytest.mark.service

STORE = Store(store_id="sh-jingan", name="静安店", hours=[OpeningPeriod(open="10:00", close="22:00")],
              packing_fee_fen=100)
NOODLES = Dish(dish_id="d-noodles", store_id="sh-jingan", category_id="c-hot", name="葱油拌面", price_fen=1800,
               portions_left=5)
TEA = Dish(dish_id="d-tea", store_id="sh-jingan", category_id="c-drink", name="菊花茶", price_fen=600)
ITEMS = [CartItem(dish_id="d-noodles", qty=2), CartItem(dish_id="d-tea", qty=1)]
TOTAL = 2 * 1800 + 600 + 100  # takeout: the store's packing fee, as the mini-program charges it


@pytest.fixture
def scene():
    return Scene.selling(STORE, NOODLES, TEA)


@pytest.fixture
def counter(scene):
    payments = scene.payments()
    ordering = scene.ordering(payments)
    return CounterService(scene.orders, ordering, payments, tables=None)


def sale(**payment) -> CounterSale:
    return CounterSale.model_validate({"items": [i.model_dump() for i in ITEMS], "remark": "打包", **payment})


def test_a_cash_sale_is_priced_on_the_server_paid_with_a_counter_voucher_and_its_change_answered(scene, counter):
    answer = counter.sell("sh-jingan", sale(payment="cash", tendered_fen=10000), "cashier-1", "counter-key-0001")

    order = scene.world.order(answer["order"]["order_id"])
    assert (order.status.value, order.channel, order.total_fen, order.openid) == ("PAID", "counter", TOTAL,
                                                                                  "staff:cashier-1")
    assert order.prepay_id is None  # no WeChat Pay prepay for money taken at the counter
    assert (answer["tendered_fen"], answer["change_fen"]) == (10000, 10000 - TOTAL)
    [voucher] = scene.world.vouchers
    assert (voucher.method, voucher.amount_fen, voucher.raw) == ("counter:cash", TOTAL,
                                                                 {"tendered_fen": 10000, "change_fen": 10000 - TOTAL})
    assert [(e.name, e.detail["order_id"]) for e in scene.world.events] == [("OrderPaid", order.order_id)]
    assert scene.world.portions[("sh-jingan", "d-noodles")] == 3


def test_a_card_and_a_payment_code_are_recorded_with_their_method(scene, counter):
    counter.sell("sh-jingan", sale(payment="card"), "cashier-1", "counter-key-0002")
    counter.sell("sh-jingan", sale(payment="other", transaction_id="4200009999"), "cashier-1", "counter-key-0003")
    assert [(v.method, v.raw) for v in scene.world.vouchers] == [
        ("counter:card", {}), ("counter:other", {"transaction_id": "4200009999"})]
    assert [o.pickup_no for o in scene.world.orders.values()] == [1, 2]


def test_the_same_key_again_answers_the_same_order_paid_once(scene, counter):
    first = counter.sell("sh-jingan", sale(payment="card"), "cashier-1", "counter-key-0004")
    again = counter.sell("sh-jingan", sale(payment="card"), "cashier-1", "counter-key-0004")
    assert again == first
    assert len(scene.world.orders) == 1 and len(scene.world.vouchers) == 1 and len(scene.world.events) == 1


def test_cash_short_of_the_total_is_refused_and_nothing_is_written(scene, counter):
    with pytest.raises(Unprocessable) as refused:
        counter.sell("sh-jingan", sale(payment="cash", tendered_fen=TOTAL - 1), "cashier-1", "counter-key-0005")
    assert refused.value.code == "CASH_SHORT" and refused.value.details["total_fen"] == TOTAL
    assert scene.world.orders == {} and scene.world.vouchers == [] and scene.world.events == []
    assert scene.world.portions[("sh-jingan", "d-noodles")] == 5


@pytest.mark.parametrize(("payment", "code"), [({"payment": "cash"}, "TENDERED_REQUIRED"),
                                                ({"payment": "other"}, "TRANSACTION_ID_REQUIRED"),
                                                ({"payment": "table"}, "TABLE_REQUIRED")])
def test_each_payment_needs_its_field(payment, code):
    with pytest.raises(InvalidRequest) as refused:
        sale(**payment)
    assert refused.value.code == code


def test_the_quote_is_the_mini_programs_price(counter):
    assert counter.quote("sh-jingan", sale(payment="card"))["total_fen"] == TOTAL


def test_a_counter_order_refunded_is_settled_at_once_with_a_refund_voucher_and_never_reaches_wechat_pay(scene,
                                                                                                         counter):
    paid = counter.sell("sh-jingan", sale(payment="cash", tendered_fen=TOTAL), "cashier-1", "counter-key-0006")
    order_id = paid["order"]["order_id"]
    payments = scene.payments()

    refund = payments.refund(order_id, None, reason="客人不要了", by="staff:manager-1")

    assert refund.status.value == "SUCCESS" and scene.pay.refund_calls == []
    assert scene.status(order_id) == "REFUNDED" and scene.world.order(order_id).refunded_fen == TOTAL
    assert [(v.kind, v.amount_fen) for v in scene.world.vouchers] == [("payment", TOTAL), ("refund", TOTAL)]
    assert [e.name for e in scene.world.events] == ["OrderPaid", "OrderRefunded"]


class Recorder:
    """Stands in for the loyalty rules and the activity store: records each call by name."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: self.calls.append(name)


def typed(name: str, order_id: str):
    """The bus event ``name`` about ``order_id``, as the loyalty consumer receives it."""
    from diancan.domain.events import EVENTS

    facts = {"OrderPaid": {"mode": "takeout", "total_fen": 3800, "transaction_id": "t-1", "pickup_no": 1},
             "OrderCompleted": {"mode": "takeout", "total_fen": 3800, "by": "staff:front"},
             "OrderRefunded": {"refund_no": "R1", "amount_fen": 100, "full": False, "food_made": True,
                               "reason": "cold"},
             "OrderCancelled": {"reason": "guest", "paid": False}}[name]
    return EVENTS[name](order_id=order_id, store_id="sh-jingan", at="2026-11-24T05:00:00Z", **facts)


@pytest.mark.parametrize("event", ["OrderPaid", "OrderCompleted", "OrderRefunded", "OrderCancelled"])
def test_a_walk_in_order_credits_no_one_while_a_guests_order_does(scene, counter, event):
    from diancan.domain.order_status import OrderStatus
    from diancan.services.loyalty_events import LoyaltyEvents
    from tests.services.scene import order

    walk_in = counter.sell("sh-jingan", sale(payment="card"), "cashier-1", "counter-key-0007")["order"]["order_id"]
    guest = scene.orders.given_order(order("261124123000GUEST001", status=OrderStatus.COMPLETED)).order_id
    for order_id in (walk_in, guest):
        scene.world.orders[order_id] = scene.world.order(order_id).model_copy(update={"status": OrderStatus.COMPLETED})
    loyalty, activity = Recorder(), Recorder()
    events = LoyaltyEvents(scene.orders, loyalty, activity)

    events.handle(typed(event, walk_in))
    assert loyalty.calls == activity.calls == []
    events.handle(typed(event, guest))
    assert loyalty.calls  # the same event for a guest's order does reach the loyalty rules


# ---- a member at the counter: found by phone tail or member code, their coupon, their points -----------------

MEMBER = "openid-member-li"


@pytest.fixture
def with_members(scene):
    """The counter with the member lookup, a member (phone bound, 300 points, silver) and their 5-yuan coupon."""
    from datetime import timedelta

    from diancan.domain.membership import Standing
    from diancan.domain.promotions import Coupon, CouponRule
    from diancan.services.coupons import CouponService
    from tests.services.fakes import FakeCipher, FakeMarketing, FakeMemberDirectory

    cipher = FakeCipher()
    members = FakeMemberDirectory(scene.world, cipher)
    members.given_member(MEMBER, "13812341234")
    members.given_member("openid-member-wu", "13900001234")
    members.given_member("openid-member-no-phone")
    scene.world.standings[MEMBER] = Standing(points=300, spend_fen=60_000, completed_orders=3)
    marketing = FakeMarketing(scene.world)
    marketing.given_coupon(MEMBER, Coupon(coupon_id="cp-li-5", template_id="tpl-5", valid_until=scene.now + timedelta(days=3),
                                          rule=CouponRule(name="立减5元", kind="fixed", amount_fen=500)))
    payments = scene.payments()
    ordering = scene.ordering(payments, marketing=marketing)
    return CounterService(scene.orders, ordering, payments, tables=None, members=members, cipher=cipher,
                          coupons=CouponService(marketing, clock=scene.clock))


def test_members_are_found_by_phone_tail_as_a_short_list_with_masked_phones_and_no_openid(with_members):
    from diancan.domain.member_codes import member_code

    found = with_members.find_members("1234")

    assert {(m["member_code"], m["phone"]) for m in found["members"]} == {
        (member_code(MEMBER), "138****1234"), (member_code("openid-member-wu"), "139****1234")}
    assert found["more"] is False and "openid" not in repr(found)
    li = next(m for m in found["members"] if m["member_code"] == member_code(MEMBER))
    assert (li["level"], li["points"]) == ("silver", 300)


def test_a_member_is_found_by_member_code_typed_in_any_case_even_without_a_phone(with_members):
    from diancan.domain.member_codes import member_code

    code = member_code("openid-member-no-phone")
    assert with_members.find_members(f" {code.lower()} ")["members"] == [
        {"member_code": code, "phone": "", "level": "regular", "level_name": "普通会员", "points": 0}]


@pytest.mark.parametrize("typed", ["123", "12345", "１２３４", "MABC", "", "M0000000O"])
def test_what_is_neither_a_phone_tail_nor_a_member_code_is_refused(with_members, typed):
    with pytest.raises(InvalidRequest) as refused:
        with_members.find_members(typed)
    assert refused.value.code == "INVALID_MEMBER_QUERY"


def test_a_chosen_member_shows_their_coupons_usable_here(with_members):
    from diancan.domain.errors import NotFound
    from diancan.domain.member_codes import member_code

    chosen = with_members.member("sh-jingan", member_code(MEMBER).lower())
    assert [c["coupon_id"] for c in chosen["coupons"]] == ["cp-li-5"] and chosen["phone"] == "138****1234"
    with pytest.raises(NotFound) as unknown:
        with_members.member("sh-jingan", "MAAAAAAAA")
    assert unknown.value.code == "MEMBER_NOT_FOUND"


def test_a_members_counter_order_is_theirs_with_their_coupon_priced_on_the_server_and_used_once(scene, with_members):
    """The console answers a double click from its request-key record (tests/console/test_counter_members.py);
    below it, a repeat with the same key answers the first order, another sale with that coupon is refused."""
    from diancan.domain.member_codes import member_code
    from diancan.domain.promotions import CouponNotApplicable

    code = member_code(MEMBER)
    plain = with_members.quote("sh-jingan", sale(payment="card"))["total_fen"]
    quote = with_members.quote("sh-jingan", sale(payment="card", member_code=code, coupon_id="cp-li-5"))
    assert sorted(d["kind"] for d in quote["discounts"]) == ["coupon", "member"] and quote["total_fen"] < plain - 500
    first = with_members.sell("sh-jingan", sale(payment="card", member_code=code, coupon_id="cp-li-5"), "cashier-1",
                              "counter-member-0001")

    assert first["member_code"] == code and first["order"]["total_fen"] == quote["total_fen"]
    order = scene.world.order(first["order"]["order_id"])
    assert (order.openid, order.channel, order.history[0].by) == (MEMBER, "counter", "staff:cashier-1")
    assert [d.ref for d in order.discounts if d.kind == "coupon"] == ["cp-li-5"]
    assert scene.world.wallets[MEMBER]["cp-li-5"].status == "reserved"
    again = with_members.sell("sh-jingan", sale(payment="card", member_code=code, coupon_id="cp-li-5"), "cashier-1",
                              "counter-member-0001")
    assert again == first
    with pytest.raises(CouponNotApplicable):
        with_members.sell("sh-jingan", sale(payment="card", member_code=code, coupon_id="cp-li-5"), "cashier-1",
                          "counter-member-0002")
    assert len(scene.world.orders) == 1 and len(scene.world.vouchers) == 1 and len(scene.world.events) == 1


def test_a_coupon_without_a_member_or_a_member_on_a_tables_bill_is_refused():
    with pytest.raises(InvalidRequest) as coupon:
        sale(payment="card", coupon_id="cp-li-5")
    assert coupon.value.code == "COUPON_NEEDS_MEMBER"
    with pytest.raises(InvalidRequest) as table:
        sale(payment="table", session_id="s-1", member_code="MAAAAAAAA")
    assert table.value.code == "MEMBER_NOT_FOR_TABLE"


@pytest.mark.parametrize("event", ["OrderPaid", "OrderCompleted"])
def test_a_members_counter_order_reaches_the_loyalty_rules_as_their_own_order_does(scene, with_members, event):
    from diancan.domain.member_codes import member_code
    from diancan.domain.order_status import OrderStatus
    from diancan.services.loyalty_events import LoyaltyEvents

    sold = with_members.sell("sh-jingan", sale(payment="card", member_code=member_code(MEMBER)), "cashier-1",
                             "counter-member-0003")["order"]["order_id"]
    scene.world.orders[sold] = scene.world.order(sold).model_copy(update={"status": OrderStatus.COMPLETED})
    loyalty, activity = Recorder(), Recorder()

    LoyaltyEvents(scene.orders, loyalty, activity).handle(typed(event, sold))

    assert loyalty.calls == [{"OrderPaid": "order_paid", "OrderCompleted": "order_completed"}[event]]


def test_a_members_counter_order_settles_in_the_counter_channel():
    from diancan.domain.order import Channel
    from diancan.domain.settlement import channel_of
    from tests.services.scene import order

    assert channel_of(order("261124123000MEMBER01").model_copy(update={"channel": Channel.COUNTER})) == "counter"
    assert channel_of(order("261124123000GUEST002")) == "miniprogram"
