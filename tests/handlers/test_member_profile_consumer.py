"""The member_profile consumer against moto: a completed order folds into its guest's profile with one write,
a replay writes nothing, refunds take money (and a full refund the visit) back, and a member who deleted their
data loses their profile (earlier orders replayed afterwards do not bring it back)."""

from __future__ import annotations

import json

import pytest

from bench.calls import recorded_calls
from diancan.domain.order_status import OrderAction
from tests.conftest import FakeContext, handler_of, load_event
from tests.loyalty_fixtures import bus_event, move, place

pytestmark = pytest.mark.handlers
HONGSHAO = [{"dish_id": "d-hongshao", "qty": 2, "options": []}]
SERVED = (OrderAction.PAY, OrderAction.START, OrderAction.MARK_READY, OrderAction.COMPLETE)


def deliver(*events: dict) -> dict:
    """Run the member_profile function on one SQS batch holding ``events``."""
    template = load_event("member_profile/sqs_batch")["Records"][0]
    batch = {"Records": [{**template, "messageId": f"msg-{n}", "body": json.dumps(e, ensure_ascii=False)}
                         for n, e in enumerate(events)]}
    return handler_of("member_profile")(batch, FakeContext())


def profile_of(openid: str):
    from diancan import bootstrap

    return bootstrap.member_profile_table().get(openid)


def test_the_real_sqs_sample_is_answered_per_message(live):
    answer = handler_of("member_profile")(load_event("member_profile/sqs_batch"), FakeContext())
    assert len(answer["batchItemFailures"]) == 2  # the sample's order does not exist here: each retried alone


def test_a_completed_order_costs_one_write_and_a_replay_none(live, guest_token):
    order = place(guest_token("prof"), HONGSHAO, "key-prof")
    move(order["order_id"], *SERVED)
    completed = bus_event("OrderCompleted", order["order_id"])
    with recorded_calls() as log:
        assert deliver(completed) == {"batchItemFailures": []}
    assert log.dynamodb() == {"GetItem": 2, "UpdateItem": 1}  # the order, the profile; the profile's one write
    with recorded_calls() as log:
        assert deliver(completed, completed) == {"batchItemFailures": []}
    assert "UpdateItem" not in log.dynamodb()
    stored = profile_of("openid-prof")
    assert (stored.version, stored.profile.visits, stored.profile.spend_fen) == (1, 1, order["total_fen"])
    assert stored.profile.favourite_dishes(1)[0][:2] == ("d-hongshao", order["lines"][0]["name"])
    assert (stored.profile.preferred_mode, stored.profile.usual_store) == ("takeout", "sh-jingan")


def test_a_partial_then_a_full_refund_take_the_money_and_the_visit_back_once(live, guest_token):
    """The refunds' money is set on the order as WeChat Pay's notify would (payments tests cover that part)."""
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import OrderRecord

    order = place(guest_token("refund"), HONGSHAO, "key-refund")
    move(order["order_id"], *SERVED)
    deliver(bus_event("OrderCompleted", order["order_id"]))
    current = bootstrap.repository().get_order(order["order_id"], consistent=True)
    OrderRecord(keys.order(order["order_id"]), keys.ORDER).update(actions=[OrderRecord.refunded_fen.set(500)])
    partial = bus_event("OrderRefunded", order["order_id"], refund_no="R1", amount_fen=500, full=False)
    assert deliver(partial, partial) == {"batchItemFailures": []}
    stored = profile_of("openid-refund").profile
    assert (stored.visits, stored.spend_fen, stored.refunds) == (1, current.total_fen - 500, 1)

    move(order["order_id"], OrderAction.REFUND, OrderAction.REFUND_DONE)
    OrderRecord(keys.order(order["order_id"]), keys.ORDER).update(
        actions=[OrderRecord.refunded_fen.set(current.total_fen)])
    full = bus_event("OrderRefunded", order["order_id"], refund_no="R2", amount_fen=current.total_fen - 500,
                     full=True)
    assert deliver(full, full) == {"batchItemFailures": []}
    stored = profile_of("openid-refund").profile
    assert (stored.visits, stored.spend_fen, stored.refunds, stored.refunded_fen) == (0, 0, 2, current.total_fen)


def test_a_deleted_member_loses_their_profile_and_old_orders_do_not_bring_it_back(live, guest_token):
    from diancan import bootstrap

    order = place(guest_token("gone"), HONGSHAO, "key-gone")
    move(order["order_id"], *SERVED)
    completed = bus_event("OrderCompleted", order["order_id"])
    deliver(completed)
    assert profile_of("openid-gone").profile.visits == 1
    from tests.handlers.test_erasure import erase_later

    answer = bootstrap.erasures().request("openid-gone")  # "delete my data", carried out by the erasure worker
    assert "member_profile" in answer["erased"]
    erase_later()
    stored = profile_of("openid-gone")
    assert stored.profile.visits == 0 and stored.profile.dishes == {} and stored.profile.erased_at
    assert stored.segment is None
    assert deliver(completed) == {"batchItemFailures": []}  # a replay of an order from before the erasure
    assert profile_of("openid-gone").profile.visits == 0


def test_reviews_count_on_the_profile_once_beside_the_folded_orders(live, guest_token):
    from tests.conftest import http_call

    token = guest_token("critic")
    order = place(token, HONGSHAO, "key-critic")
    move(order["order_id"], *SERVED)
    body = {"dishes": [{"dish_id": "d-hongshao", "stars": 5}], "text": "好吃"}
    status, _ = http_call("orders", "orders/post_review", path=f"/orders/{order['order_id']}/review", body=body,
                          headers={"authorization": f"Bearer {token}"})
    assert status == 201  # the review came before the completion was folded: the item starts with it
    http_call("orders", "orders/post_review", path=f"/orders/{order['order_id']}/review", body=body,
              headers={"authorization": f"Bearer {token}"})  # refused as a repeat: counted once
    assert deliver(bus_event("OrderCompleted", order["order_id"])) == {"batchItemFailures": []}
    stored = profile_of("openid-critic")
    assert (stored.reviews, stored.review_stars_count, stored.average_stars_tenths) == (1, 1, 50)
    assert stored.profile.visits == 1
