"""Busy mode and delivery paused from the console: who may switch what, a switch written once and audited,
the menu and the quote following it; the kitchen settings and a dish's preparation time saved from the forms."""

from __future__ import annotations

import pytest

from tests.conftest import http_call
from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers

OWN = "sh-jingan"
PEOPLES_SQUARE = {"contact": "王女士", "phone": "13800138000", "text": "黄浦区人民大道120号", "lat": 31.2304,
                  "lng": 121.4737}


def _menu_service() -> dict:
    return http_call("menu", "menu/get_menu", path=f"/stores/{OWN}/menu")[1]["service"]


def _delivery_quote() -> tuple[int, dict]:
    return http_call("place_order", "place_order/post_quote", body={
        "store_id": OWN, "mode": "delivery", "address": PEOPLES_SQUARE,
        "items": [{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}]})


def _switch(client, csrf: str, which: str, on) -> tuple[int, dict]:
    answer = client.post(f"/s/{OWN}/service/{which}", json={"on": on}, headers={"X-CSRF-Token": csrf}, base_url=BASE)
    return answer.status_code, answer.get_json()


def test_a_cashier_switches_busy_mode_once_and_the_menu_says_so(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "cashier")
    status, answer = _switch(client, csrf, "busy", True)
    assert (status, answer["changed"], answer["busy"], answer["busy_reason"]) == (200, True, True, "staff")
    assert _switch(client, csrf, "busy", True)[1]["changed"] is False  # a second tap writes nothing
    assert _menu_service()["busy"] is True
    page = client.get(f"/s/{OWN}/kitchen", base_url=BASE).get_data(as_text=True)
    assert "忙碌模式" in page and "关闭忙碌模式" in page and "暂停外卖" not in page  # delivery: managers only
    assert _switch(client, csrf, "delivery-paused", True)[0] == 403
    assert _switch(client, csrf, "busy", "maybe")[1]["code"] == "INVALID_SWITCH"
    assert _switch(client, csrf, "busy", False)[1]["busy"] is False
    audited = [(e.action, e.detail.get("on")) for e in console.audit.recent(OWN) if e.action.startswith("store.")]
    assert sorted(audited) == [("store.busy", False), ("store.busy", True)]


def test_a_manager_pauses_delivery_alone(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    answer = client.post(f"/s/{OWN}/service/delivery-paused", base_url=BASE,
                         data={"csrf_token": csrf, "on": "true"})
    assert answer.status_code == 302
    status, refusal = _delivery_quote()
    assert (status, refusal["code"]) == (409, "DELIVERY_PAUSED")
    service = client.get(f"/api/s/{OWN}/service", base_url=BASE).get_json()
    assert (service["delivery_paused"], service["busy"], service["open_tickets"]) == (True, False, 0)
    assert _switch(client, csrf, "delivery-paused", False)[1]["changed"] is True
    assert _delivery_quote()[0] == 200
    assert _switch(client, login(make_app().test_client(), "cook"), "busy", True)[0] in (401, 403)


def test_kitchen_settings_and_a_dishs_prep_minutes_are_saved_from_the_forms(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    token = client.get(f"/s/{OWN}/store/settings", headers={"X-Requested-With": "fetch"},
                       base_url=BASE).get_json()["updated_at"]
    bad = client.post(f"/s/{OWN}/store/settings", json={"updated_at": token, "busy_slot_factor": 3},
                      headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert bad.status_code == 400 and bad.get_json()["details"] == {"fields": ["kitchen"]}
    saved = client.post(f"/s/{OWN}/store/settings", base_url=BASE, data={
        "csrf_token": csrf, "updated_at": token, "busy_ticket_limit": "12", "busy_slot_factor": "0.4",
        "default_prep_minutes": "10", "kitchen_lanes": "3"})
    assert saved.status_code == 302
    kitchen = console.repository.load_menu(OWN).store.settings["kitchen"]
    assert kitchen == {"busy_ticket_limit": 12, "busy_slot_factor": 0.4, "default_prep_minutes": 10, "lanes": 3}
    assert _menu_service()["busy_slot_factor"] == 0.4
    dish = client.post(f"/s/{OWN}/menu/dishes/d-gongbao/details", json={"prep_minutes": 18}, headers={"X-CSRF-Token": csrf},
                       base_url=BASE)
    assert dish.status_code == 200 and dish.get_json()["dish"]["prep_minutes"] == 18
    assert client.post(f"/s/{OWN}/menu/dishes/d-gongbao/details", json={"prep_minutes": 0}, headers={"X-CSRF-Token": csrf},
                       base_url=BASE).status_code == 400
    cleared = client.post(f"/s/{OWN}/menu/dishes/d-gongbao/details", json={"prep_minutes": ""},
                          headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert cleared.get_json()["dish"]["prep_minutes"] is None
