"""The console's delivery and device settings page: what a manager saves is what the next quote prices with."""

from __future__ import annotations

import pytest

from tests.conftest import http_call
from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers

OWN = "sh-jingan"
PEOPLES_SQUARE = {"contact": "王女士", "phone": "13800138000", "text": "黄浦区人民大道120号", "lat": 31.2304,
                  "lng": 121.4737}  # about 2.7 km from the store


def _quote() -> tuple[int, dict]:
    return http_call("place_order", "place_order/post_quote", body={
        "store_id": OWN, "mode": "delivery", "address": PEOPLES_SQUARE,
        "items": [{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}]})


def test_a_smaller_radius_saved_in_the_console_refuses_an_address_now_outside_it(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    before = console.repository.load_menu(OWN).store.settings
    console.repository.put_store(console.repository.load_menu(OWN).store.model_copy(
        update={"settings": {**before, "note": "kept"}}))
    page = client.get(f"/s/{OWN}/store/settings", base_url=BASE)
    token = client.get(f"/s/{OWN}/store/settings", headers={"X-Requested-With": "fetch"},
                       base_url=BASE).get_json()["updated_at"]
    served = _quote()[0]

    bad = client.post(f"/s/{OWN}/store/settings", json={"updated_at": token, "tiers": "3000-300, 2000-200"},
                      headers={"X-CSRF-Token": csrf}, base_url=BASE)
    saved = client.post(f"/s/{OWN}/store/settings", base_url=BASE, data={
        "csrf_token": csrf, "updated_at": token, "radius_m": "2000", "polygon": "", "tiers": "1000-300, 2000-500",
        "free_from_yuan": "88", "minimum_order_yuan": "20", "courier": "dada", "dispatch_when": "accept",
        "dada_shop_no": "11047059", "city_code": "021", "print_when": "accept"})
    status, refusal = _quote()

    assert 'value="5000"' in page.get_data(as_text=True) and served == 200
    assert bad.status_code == 400 and bad.get_json()["code"] == "INVALID_STORE_SETTINGS"
    assert saved.status_code == 302
    assert (status, refusal["code"]) == (422, "OUT_OF_DELIVERY_RANGE")
    settings = console.repository.load_menu(OWN).store.settings
    assert (settings["delivery"]["area"]["radius_m"], settings["delivery"]["dispatch_when"]) == (2000, "accept")
    assert (settings["print_when"], settings["note"]) == ("accept", "kept")
    assert [e.action for e in console.audit.recent(OWN)].count("store.settings") == 1



def test_the_fee_source_can_be_switched_to_the_platform_quote(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    token = client.get(f"/s/{OWN}/store/settings", headers={"X-Requested-With": "fetch"},
                       base_url=BASE).get_json()["updated_at"]
    saved = client.post(f"/s/{OWN}/store/settings", json={"updated_at": token, "fee_source": "platform_if_higher"},
                        headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert saved.status_code == 200
    assert console.repository.load_menu(OWN).store.settings["delivery"]["fee_source"] == "platform_if_higher"
