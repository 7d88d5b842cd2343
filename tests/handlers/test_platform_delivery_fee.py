"""A store set to charge the courier platform's fee when higher (``fee_source: platform_if_higher``): quote and
place_order ask the Dada simulator (queryDeliverFee, over loopback HTTP) and charge the higher fee; free
delivery still wins; an unreachable platform leaves the tier fee and never fails the order."""

from __future__ import annotations

import pytest

from local.demo_delivery import settings_of
from tests.conftest import http_call

pytestmark = pytest.mark.handlers

STORE = "sh-jingan"
PEOPLES_SQUARE = {"contact": "王女士", "phone": "13800138000", "text": "黄浦区人民大道120号", "lat": 31.2304,
                  "lng": 121.4737}  # about 2.7 km from the store: its ≤3 km tier is ¥5; Dada's ride is longer
GONGBAO = [{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}]  # 38.00
HONGSHAO_TWICE = [{"dish_id": "d-hongshao", "qty": 2, "options": []}]  # 116.00, above the store's free ¥88
TIER_FEE = 500


def order_body(items: list) -> dict:
    return {"store_id": STORE, "mode": "delivery", "address": PEOPLES_SQUARE, "items": items}


@pytest.fixture
def platform_if_higher(live):
    """The demo 静安店 switched to the platform's fee when higher, as the console would save it."""
    from diancan import bootstrap

    repository = bootstrap.repository()
    store = next(s for s in repository.list_stores() if s.store_id == STORE)
    delivery = {**settings_of(STORE), "fee_source": "platform_if_higher"}
    repository.put_store(store.model_copy(update={"settings": {**store.settings, "delivery": delivery}}))
    return live


def dada_fee_fen(live) -> int:
    """What the simulator quotes for the address right now (through its own API, as the product does)."""
    from diancan import bootstrap
    from diancan.domain.delivery_settings import StoreDelivery
    from diancan.domain.order import DeliveryAddress

    fees = bootstrap.platform_delivery_fees()
    fee = fees.fee_fen(STORE, StoreDelivery.model_validate(settings_of(STORE)),
                       DeliveryAddress.model_validate(PEOPLES_SQUARE), 3800)
    assert fee is not None
    return fee


def test_a_store_charging_the_platform_fee_when_higher_quotes_dadas_higher_fee(platform_if_higher):
    platform_fee = dada_fee_fen(platform_if_higher)
    assert platform_fee > TIER_FEE  # the simulator's ride (straight line × 1.3) is past 3 km: ¥6
    status, quote = http_call("place_order", "place_order/post_quote", body=order_body(GONGBAO))
    assert status == 200, quote
    assert quote["delivery_fee_fen"] == platform_fee
    assert quote["total_fen"] == quote["items_fen"] + quote["packing_fee_fen"] + platform_fee


def test_a_placed_order_keeps_the_platforms_higher_fee(platform_if_higher, guest_token):
    platform_fee = dada_fee_fen(platform_if_higher)
    status, order = http_call("place_order", "place_order/post_orders", body=order_body(GONGBAO),
                              headers={"authorization": f"Bearer {guest_token()}", "idempotency-key": "dada-fee-1"})
    assert status == 201, order
    assert order["delivery_fee_fen"] == platform_fee


def test_free_delivery_from_the_stores_amount_still_wins_over_the_platform_fee(platform_if_higher):
    status, quote = http_call("place_order", "place_order/post_quote", body=order_body(HONGSHAO_TWICE))
    assert status == 200, quote
    assert quote["delivery_fee_fen"] == 0


def test_with_the_platform_down_the_order_is_placed_at_the_tier_fee(platform_if_higher, guest_token, caplog):
    platform_if_higher.dada.add_faults({"fail_calls": 1})  # Dada answers 503 to the fee query
    status, order = http_call("place_order", "place_order/post_orders", body=order_body(GONGBAO),
                              headers={"authorization": f"Bearer {guest_token()}", "idempotency-key": "dada-down-1"})
    assert status == 201, order
    assert order["delivery_fee_fen"] == TIER_FEE
    assert any(r.getMessage() == "platform delivery fee unavailable, charging the tier fee" for r in caplog.records)


def test_a_store_on_its_tiers_never_asks_the_platform(live):
    live.dada.add_faults({"fail_calls": 1})  # would be taken by any call to Dada
    assert http_call("place_order", "place_order/post_quote", body=order_body(GONGBAO))[1]["delivery_fee_fen"] \
        == TIER_FEE
    assert live.dada.snapshot()["faults"]["fail_calls"] == 1
