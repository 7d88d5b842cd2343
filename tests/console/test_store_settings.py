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


def _dine_in(qty: int, **extra) -> dict:
    return {"store_id": OWN, "mode": "dine_in", "table_no": "A1",
            "items": [{"dish_id": "d-cola", "qty": qty}], **extra}


def test_order_limits_saved_in_the_console_refuse_quotes_orders_and_table_rounds_past_them(
        make_app, console, guest_token):
    from diancan import bootstrap
    from diancan.domain.cart import CartItem

    client = make_app().test_client()
    csrf = login(client, "jingan")
    page = client.get(f"/s/{OWN}/store/settings", base_url=BASE).get_data(as_text=True)
    assert 'name="max_line_qty" inputmode="numeric" size="4" value="50"' in page  # the defaults, shown
    token = client.get(f"/s/{OWN}/store/settings", headers={"X-Requested-With": "fetch"},
                       base_url=BASE).get_json()["updated_at"]
    assert http_call("place_order", "place_order/post_quote", body=_dine_in(12))[0] == 200

    out_of_range = client.post(f"/s/{OWN}/store/settings", json={"updated_at": token, "max_line_qty": "100"},
                               headers={"X-CSRF-Token": csrf}, base_url=BASE)
    saved = client.post(f"/s/{OWN}/store/settings", json={"updated_at": token, "max_line_qty": "10",
                                                           "max_order_qty": "15"},
                        headers={"X-CSRF-Token": csrf}, base_url=BASE)

    assert out_of_range.status_code == 400 and out_of_range.get_json()["code"] == "INVALID_STORE_SETTINGS"
    assert saved.status_code == 200 and "limits" in saved.get_json()["changed"]
    status, line = http_call("place_order", "place_order/post_quote", body=_dine_in(11))
    assert (status, line["code"], line["details"]["limit"]) == (422, "LINE_QTY_TOO_HIGH", 10)
    assert "10" in line["message"] and line["message_en"]
    split = _dine_in(6)
    split["items"] = [{"dish_id": "d-cola", "qty": 6}, {"dish_id": "d-cola", "qty": 5}]  # no way around it
    assert http_call("place_order", "place_order/post_quote", body=split)[1]["code"] == "LINE_QTY_TOO_HIGH"
    many = _dine_in(1)
    many["items"] = [{"dish_id": "d-cola", "qty": 8}, {"dish_id": "d-rice", "qty": 8}]
    status, order = http_call("place_order", "place_order/post_orders", body=many,
                              headers={"authorization": f"Bearer {guest_token()}", "idempotency-key": "limits-key-1"})
    assert (status, order["code"], order["details"]) == (422, "ORDER_QTY_TOO_HIGH", {"qty": 16, "limit": 15})
    tables = bootstrap.tables()
    session_id = tables.staff_open(OWN, "B2", "cashier")["session_id"]
    with pytest.raises(Exception) as refused:
        tables.staff_round(session_id, [CartItem(dish_id="d-cola", qty=11)], "cashier")
    assert getattr(refused.value, "code", "") == "LINE_QTY_TOO_HIGH"
    assert tables.staff_round(session_id, [CartItem(dish_id="d-cola", qty=10)], "cashier")["round"]


def test_pre_order_lead_times_and_slot_capacity_are_validated_saved_and_shown(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    shown = client.get(f"/s/{OWN}/store/settings", headers={"X-Requested-With": "fetch"}, base_url=BASE).get_json()
    assert shown["preorder"] == {"lead_minutes": {"takeout": 20, "delivery": 45}, "slot_capacity": 10}
    for bad in ({"lead_delivery_minutes": "1441"}, {"slot_capacity": "-1"}, {"lead_takeout_minutes": "半小时"}):
        refused = client.post(f"/s/{OWN}/store/settings", json={"updated_at": shown["updated_at"], **bad},
                              headers={"X-CSRF-Token": csrf}, base_url=BASE)
        assert refused.status_code == 400 and refused.get_json()["code"] == "INVALID_STORE_SETTINGS", bad
    assert "preorder" not in console.repository.load_menu(OWN).store.settings  # nothing written
    saved = client.post(f"/s/{OWN}/store/settings", json={"updated_at": shown["updated_at"],
                                                          "lead_takeout_minutes": "30", "slot_capacity": "6"},
                        headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert saved.status_code == 200 and "preorder" in saved.get_json()["changed"]
    assert console.repository.load_menu(OWN).store.settings["preorder"] == {
        "lead_minutes": {"takeout": 30, "delivery": 45}, "slot_capacity": 6}
    page = client.get(f"/s/{OWN}/store/settings", base_url=BASE).get_data(as_text=True)
    assert 'name="lead_takeout_minutes" inputmode="numeric" size="4" value="30"' in page


def test_the_unaccepted_order_minutes_are_saved_alarm_first_and_refused_otherwise(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")

    def token() -> str:
        return client.get(f"/s/{OWN}/store/settings", headers={"X-Requested-With": "fetch"},
                          base_url=BASE).get_json()["updated_at"]

    shown = client.get(f"/s/{OWN}/store/settings", headers={"X-Requested-With": "fetch"}, base_url=BASE).get_json()
    assert shown["unaccepted"] == {"alarm_after_min": 5, "cancel_after_min": 15}  # the defaults
    for bad in ({"alarm_after_min": "15", "cancel_after_min": "15"}, {"alarm_after_min": "0"},
                {"cancel_after_min": "999"}, {"alarm_after_min": "five"}):
        refused = client.post(f"/s/{OWN}/store/settings", json={"updated_at": token(), **bad},
                              headers={"X-CSRF-Token": csrf}, base_url=BASE)
        assert refused.status_code == 400 and refused.get_json()["code"] == "INVALID_STORE_SETTINGS", bad
    assert "unaccepted" not in console.repository.load_menu(OWN).store.settings  # nothing written
    saved = client.post(f"/s/{OWN}/store/settings", json={"updated_at": token(), "alarm_after_min": "3",
                                                          "cancel_after_min": "10"},
                        headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert saved.status_code == 200 and "unaccepted" in saved.get_json()["changed"]
    assert console.repository.load_menu(OWN).store.settings["unaccepted"] == {"alarm_after_min": 3,
                                                                              "cancel_after_min": 10}
    page = client.get(f"/s/{OWN}/store/settings", base_url=BASE).get_data(as_text=True)
    assert 'name="alarm_after_min" inputmode="numeric" size="4" value="3"' in page
