"""Offers in quote and place, coupon claims and returns, and the points ledger, against moto."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from tests.conftest import http_call

pytestmark = pytest.mark.handlers

CART = [{"dish_id": "d-hongshao", "qty": 2, "options": []}]  # 116.00 of items
AT = "2026-11-24T04:30:00.000Z"


@pytest.fixture
def offers_chain(live):
    """The demo chain with its offers, and WeChat Pay's simulator (placing an order asks for a prepay)."""
    from local.demo_offers import load

    load()
    return live.resources


def claim(token: str, template_id: str):
    return http_call("orders", "orders/post_coupon_claim", path=f"/coupons/{template_id}/claim",
                     headers={"authorization": f"Bearer {token}"})


def quote(body: dict, token: str | None = None):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return http_call("place_order", "place_order/post_quote", body=body, headers=headers)


def place(token: str, body: dict, key: str = "key-offers-1"):
    return http_call("place_order", "place_order/post_orders", body=body,
                     headers={"authorization": f"Bearer {token}", "idempotency-key": key})


def order_body(**overrides) -> dict:
    return {"store_id": "sh-jingan", "mode": "takeout", "items": CART, **overrides}


def test_a_stranger_gets_the_full_reduction_and_its_explanation(offers_chain):
    status, answer = quote(order_body())
    assert status == 200
    assert answer["explain"] == ["满100减20 -20.00"]
    assert answer["total_fen"] == 11600 - 2000 + 100 + 2 * 100


def test_a_signed_in_new_guest_gets_the_best_offers_and_is_charged_the_quote(offers_chain, guest_token):
    from diancan import bootstrap

    token = guest_token("newbie")
    assert claim(token, "tpl-new-guest")[0] == 200
    status, answer = quote(order_body(), token)
    assert status == 200
    assert answer["explain"] == ["满100减20 -20.00", "新客券 -10.00"]
    status, order = place(token, order_body())
    assert status == 201
    assert order["total_fen"] == answer["total_fen"]
    assert [d["kind"] for d in order["discounts"]] == ["full_reduction", "coupon"]
    [entry] = bootstrap.marketing_table().wallet("openid-newbie")
    assert (entry.status, entry.order_id) == ("reserved", order["order_id"])


def test_a_coupon_serves_one_order_only(offers_chain, guest_token):
    token = guest_token("once")
    coupon_id = claim(token, "tpl-new-guest")[1]["coupon_id"]
    assert place(token, order_body(coupon_id=coupon_id), key="key-once-1")[0] == 201
    status, error = place(token, order_body(coupon_id=coupon_id), key="key-once-2")
    assert (status, error["code"]) == (422, "COUPON_NOT_FOUND")


def test_a_cancelled_order_gives_its_coupon_back(offers_chain, guest_token):
    """The OrderCancelled reaction; the cancel endpoint itself: tests/handlers/test_guest_api.py."""
    from diancan import bootstrap

    token = guest_token("cancel")
    claim(token, "tpl-new-guest")
    order = bootstrap.repository().get_order(place(token, order_body())[1]["order_id"])
    bootstrap.loyalty().order_cancelled(order, AT)
    bootstrap.loyalty().order_cancelled(order, AT)  # a replayed event changes nothing
    [entry] = bootstrap.marketing_table().wallet("openid-cancel")
    assert (entry.status, entry.order_id) == ("available", None)
    assert quote(order_body(), token)[1]["explain"][-1] == "新客券 -10.00"


def test_a_guest_cannot_claim_more_than_the_limit(offers_chain, guest_token):
    token = guest_token("greedy")
    assert [claim(token, "tpl-milktea-half")[0] for _ in range(2)] == [200, 200]
    status, error = claim(token, "tpl-milktea-half")
    assert (status, error["code"]) == (409, "CLAIM_LIMIT_REACHED")


def test_rule_only_coupons_cannot_be_claimed(offers_chain, guest_token):
    status, error = claim(guest_token(), "tpl-birthday")
    assert (status, error["code"]) == (422, "COUPON_NOT_CLAIMABLE")


def test_the_points_ledger_adds_up_through_earn_redeem_and_refund(offers_chain, guest_token):
    from bench.calls import recorded_calls
    from diancan import bootstrap

    marketing, loyalty, repository = bootstrap.marketing_table(), bootstrap.loyalty(), bootstrap.repository()
    store = repository.list_stores()[0]
    marketing.post_points("openid-points", "seed#gift", 500, at=AT, note="welcome gift")
    token = guest_token("points")
    with recorded_calls() as log:  # the member standing rides in the order's batch: no GetItem of its own
        order_id = place(token, order_body(use_points=300))[1]["order_id"]
    assert log.dynamodb() == {"BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1}
    order = repository.get_order(order_id)
    assert order.discounts[-1].points == 300
    assert marketing.standing("openid-points").points == 200
    earned = loyalty.order_completed(order, store, AT)
    assert earned == order.total_fen // 100
    assert loyalty.order_completed(order, store, AT) == 0  # replay
    loyalty.order_refunded(order, AT)
    loyalty.order_refunded(order, AT)  # replay
    standing, ledger = marketing.standing("openid-points"), marketing.ledger("openid-points")
    assert standing.points == sum(e.delta for e in ledger) == 500
    assert standing.spend_fen == sum(e.spend_delta for e in ledger) == 0


def test_redeeming_more_points_than_the_balance_uses_only_the_balance(offers_chain, guest_token):
    from diancan import bootstrap

    bootstrap.marketing_table().post_points("openid-few", "seed#gift", 50, at=AT)
    status, answer = quote(order_body(use_points=5000), guest_token("few"))
    assert status == 200
    assert answer["discounts"][-1]["points"] == 50


# ---- the claim race, against a serialised moto server -----------------------------------------------

@pytest.fixture
def server_marketing(server_aws):
    """A MarketingTable talking to a moto server, which applies conditions atomically like DynamoDB."""
    from diancan import bootstrap

    return bootstrap.marketing_table()


def test_a_hundred_guests_racing_for_twenty_coupons_get_exactly_twenty(server_marketing):
    from diancan.domain.coupons import CouponsGone, CouponTemplate
    from diancan.domain.promotions import CouponRule

    template = CouponTemplate(template_id="tpl-race", rule=CouponRule(name="抢券", kind="fixed", amount_fen=500),
                              stock=20, per_guest_limit=1)
    server_marketing.put_template(template)
    now = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)

    def race(n: int) -> bool:
        try:
            server_marketing.claim(f"openid-racer-{n}", template, template.issue(now))
            return True
        except CouponsGone:
            return False

    with ThreadPoolExecutor(max_workers=20) as pool:
        won = list(pool.map(race, range(100)))
    assert sum(won) == 20
    assert server_marketing.get_template("tpl-race").stock == 0
    winners = [n for n, w in enumerate(won) if w]
    assert all(len(server_marketing.wallet(f"openid-racer-{n}")) == 1 for n in winners)


def test_a_ten_yuan_coupon_on_a_cheap_dine_in_dish_leaves_the_order_possible(offers_chain, guest_token):
    """The reported failure: a new guest's ¥10 coupon took the whole ¥5 cola and /quote and /orders answered
    TOTAL_TOO_LOW. The coupon is not spent below its face value; it waits for an order worth it."""
    from diancan import bootstrap

    token = guest_token("thirsty")
    coupon_id = claim(token, "tpl-new-guest")[1]["coupon_id"]
    cola = order_body(mode="dine_in", table_no="A1", items=[{"dish_id": "d-cola", "qty": 1}])
    status, answer = quote(cola, token)
    assert status == 200, answer
    assert (answer["total_fen"], answer["discounts"]) == (500, [])
    status, order = place(token, cola, key="key-cheap-cola-1")
    assert status == 201, order
    assert order["total_fen"] == 500
    [entry] = bootstrap.marketing_table().wallet("openid-thirsty")
    assert (entry.coupon.coupon_id, entry.status) == (coupon_id, "available")
    status, named = quote({**cola, "coupon_id": coupon_id}, token)  # named by the guest: spent, 0.01 to pay
    assert (status, named["total_fen"]) == (200, 1)


def test_a_claimed_coupon_shows_its_own_expiry_on_claim_and_in_the_wallet(offers_chain, guest_token):
    """tpl-new-guest has no end of its own (its rule's valid_until is empty): the coupon's expiry, 30 days
    after the claim, is what the guest sees, never null."""
    from diancan.domain.clock import parse_iso, utcnow

    token = guest_token("expiry")
    before = utcnow()
    status, claimed = claim(token, "tpl-new-guest")
    assert status == 200 and claimed["valid_until"] is not None
    until = parse_iso(claimed["valid_until"])
    assert 29.9 < (until - before).total_seconds() / 86400 <= 30.01
    status, me = http_call("orders", "orders/get_me", headers={"authorization": f"Bearer {token}"})
    assert status == 200
    [shown] = [c for c in me["coupons"] if c["coupon_id"] == claimed["coupon_id"]]
    assert shown["valid_until"] == claimed["valid_until"]


def test_a_coupon_issued_before_its_templates_end_shows_its_own_earlier_expiry(offers_chain, guest_token):
    from datetime import timedelta

    from diancan import bootstrap
    from diancan.domain.clock import parse_iso, utcnow

    marketing = bootstrap.marketing_table()
    template = marketing.get_template("tpl-new-guest")
    ends = utcnow() + timedelta(days=300)
    marketing.put_template(template.model_copy(update={
        "template_id": "tpl-long", "rule": template.rule.model_copy(update={"valid_until": ends})}))
    token = guest_token("early")
    status, claimed = claim(token, "tpl-long")
    assert status == 200, claimed
    assert parse_iso(claimed["valid_until"]) < ends - timedelta(days=200)  # 30 days, not the template's 300
    _, me = http_call("orders", "orders/get_me", headers={"authorization": f"Bearer {token}"})
    assert [c["valid_until"] for c in me["coupons"]] == [claimed["valid_until"]]


def test_the_profile_lists_usable_coupons_and_the_history_of_used_ones(offers_chain, guest_token):
    """GET /me: a coupon held by an order leaves the usable list for the history, with its status."""
    token = guest_token("history")
    coupon_id = claim(token, "tpl-new-guest")[1]["coupon_id"]
    headers = {"authorization": f"Bearer {token}"}
    status, me = http_call("orders", "orders/get_me", headers=headers)
    assert status == 200 and [c["coupon_id"] for c in me["coupons"]] == [coupon_id] and me["past_coupons"] == []
    assert place(token, order_body(coupon_id=coupon_id), key="key-history-1")[0] == 201
    status, me = http_call("orders", "orders/get_me", headers=headers)
    assert status == 200 and me["coupons"] == []
    assert [(c["coupon_id"], c["status"]) for c in me["past_coupons"]] == [(coupon_id, "reserved")]
