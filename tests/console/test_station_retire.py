"""Retiring a kitchen station: through the management API and the console's setup page. A station
dishes still print at is refused (409 naming them) unless they move to another station; a retired one is never
printed to again, its printers are free, it is no longer offered for dishes; each retirement is audited."""

from __future__ import annotations

import re

import pytest

from tests.console.conftest import BASE, login
from tests.console.test_setup_api import bearer, call, client, feieyun  # noqa: F401 (fixtures)

pytestmark = pytest.mark.handlers
SID = "sh-jingan"


@pytest.fixture
def stations(console):
    from local import demo_stations

    demo_stations.load()


def _post(client, csrf, path, data):  # noqa: F811
    return client.post(path, data={**data, "csrf_token": csrf}, base_url=BASE)


def test_a_station_dishes_print_at_is_refused_with_them_named_and_nothing_changes(client, console, stations):  # noqa: F811
    from diancan import bootstrap

    owner = bearer(client, "boss")
    refused = call(client, owner, "POST", f"/api/s/{SID}/setup/stations/cold/retire", {})
    body = refused.get_json()
    assert refused.status_code == 409 and body["code"] == "STATION_IN_USE"
    assert {d["dish_id"] for d in body["details"]["dishes"]} == {"d-pai-huanggua", "d-koushuiji", "d-pidan-doufu",
                                                                "d-liangpi"}
    assert [c["category_id"] for c in body["details"]["categories"]] == ["cold"]
    assert "拍黄瓜" in body["message"]
    assert "cold" in {s.station_id for s in bootstrap.print_jobs().stations(SID)}
    assert "station.retire" not in {e.action for e in console.audit.recent(SID)}


def test_retiring_with_move_to_moves_dishes_and_categories_unbinds_printers_and_is_audited_once(client, console,  # noqa: F811
                                                                                                stations):
    from diancan import bootstrap

    owner = bearer(client, "boss")
    done = call(client, owner, "POST", f"/api/s/{SID}/setup/stations/cold/retire", {"move_to": "wok"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["station"]["printer_sn"] == "" and done.get_json()["printers"] == ["910000002"]
    menu = bootstrap.repository().load_menu(SID)
    assert {d.station_id for d in menu.dishes if d.category_id == "cold"} == {"wok"}
    assert next(c for c in menu.categories if c.category_id == "cold").station_id == "wok"
    setup = bootstrap.print_jobs().print_setup(SID)
    assert "cold" not in {s.station_id for s in setup.stations}  # printing never sees it again
    listed = {s["station_id"]: s["retired_at"] for s in
              call(client, owner, "GET", f"/api/s/{SID}/setup/stations").get_json()["stations"]}
    assert listed["cold"] and listed["wok"] is None
    again = call(client, owner, "POST", f"/api/s/{SID}/setup/stations/cold/retire", {"move_to": "wok"})
    assert again.status_code == 200 and again.get_json()["replay"] is True
    entries = [e for e in console.audit.recent(SID) if e.action == "station.retire"]
    assert len(entries) == 1 and entries[0].target == "cold"


def test_no_dish_nor_category_can_be_given_a_retired_station(client, stations):  # noqa: F811
    owner = bearer(client, "boss")
    call(client, owner, "POST", f"/api/s/{SID}/setup/stations/steam/retire", {"move_to": "wok"})
    dish = call(client, owner, "POST", f"/s/{SID}/menu/dishes/d-cola/details", {"station_id": "steam"})
    assert dish.status_code == 400 and dish.get_json()["code"] == "STATION_RETIRED"
    category = call(client, owner, "POST", f"/s/{SID}/menu/categories/drink", {"station_id": "steam"})
    assert category.status_code == 400 and category.get_json()["code"] == "STATION_RETIRED"
    moved = call(client, owner, "POST", f"/s/{SID}/menu/dishes/d-cola/details", {"station_id": "cold"})
    assert moved.status_code == 200 and moved.get_json()["dish"]["station_id"] == "cold"


def test_bad_retirements_are_refused(client, stations):  # noqa: F811
    owner = bearer(client, "boss")
    base = f"/api/s/{SID}/setup/stations"
    assert call(client, owner, "POST", f"{base}/nowhere/retire", {}).status_code == 404
    assert call(client, owner, "POST", f"{base}/cold/retire", {"move_to": "cold"}).get_json()["code"] == "INVALID_STATION"
    assert call(client, owner, "POST", f"{base}/cold/retire", {"move_to": "x", "more": 1}).status_code == 400
    cashier = bearer(client, "cashier")
    assert call(client, cashier, "POST", f"{base}/cold/retire", {"move_to": "wok"}).status_code == 403


def test_the_last_station_of_a_store_with_dishes_stays(client, console):  # noqa: F811
    from diancan import bootstrap
    from diancan.domain.tickets import Station

    bootstrap.print_jobs().put_station(SID, Station(station_id="only", name="唯一", printer_sn="910000001"))
    owner = bearer(client, "boss")
    last = call(client, owner, "POST", f"/api/s/{SID}/setup/stations/only/retire", {})
    assert last.status_code == 409 and last.get_json()["code"] == "LAST_STATION"


def test_a_manager_retires_a_station_on_the_setup_page_and_it_is_no_longer_offered_for_dishes(client, console,  # noqa: F811
                                                                                               stations):
    csrf = login(client, "jingan")
    page = client.get(f"/s/{SID}/setup", base_url=BASE).get_data(as_text=True)
    assert f"/s/{SID}/setup/stations/bar/retire" in page
    refused = _post(client, csrf, f"/s/{SID}/setup/stations/bar/retire", {"move_to": ""})
    shown = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "可乐" in shown and "仍在该档口出单" in shown
    done = _post(client, csrf, f"/s/{SID}/setup/stations/bar/retire", {"move_to": "counter"})
    assert done.status_code == 302
    page = client.get(f"/s/{SID}/setup", base_url=BASE).get_data(as_text=True)
    assert "已停用" in page and f"/s/{SID}/setup/stations/bar/retire" not in page
    dish_page = client.get(f"/s/{SID}/menu/dishes/d-cola", base_url=BASE).get_data(as_text=True)
    offered = re.findall(r'<option value="([a-z-]+)"', dish_page.split('id="station"')[1].split("</section>")[0])
    assert "bar" not in offered and {"wok", "counter"} <= set(offered)
    assert "station.retire" in {e.action for e in console.audit.recent(SID)}
