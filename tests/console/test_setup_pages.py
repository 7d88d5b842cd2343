"""The console's setup pages (forms, as a person uses them): the chain's stores and a store's setup page.
A refused form shows the page again with the reason, nothing written."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from tests.console.conftest import BASE, login
from tests.console.test_setup_api import client, feieyun  # noqa: F401 - the fixtures

pytestmark = pytest.mark.handlers


def post(web, csrf: str, path: str, data: dict):
    return web.post(path, data={**data, "csrf_token": csrf}, base_url=BASE)


def test_an_owner_creates_a_store_from_the_form_and_sets_it_up(client, feieyun):  # noqa: F811
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from diancan import bootstrap

    csrf = login(client, "boss")
    assert "新建门店" in client.get("/stores", base_url=BASE).get_data(as_text=True)
    bad = post(client, csrf, "/stores", {"store_id": "sh-minhang", "name": "闵行店", "hours": "每天 十点"})
    assert bad.status_code == 400 and "营业时间格式" in bad.get_data(as_text=True)
    assert "sh-minhang" not in {s.store_id for s in bootstrap.repository().list_stores()}
    made = client.post("/stores", data=MultiDict([("csrf_token", csrf), ("store_id", "sh-minhang"), ("name", "闵行店"),
                                        ("address", "闵行区1号"), ("lat", "31.11"), ("lng", "121.38"),
                                        ("hours", "一二三四五 10:00-14:00\n一二三四五 17:00-22:00"),
                                        ("closed_dates", "2027-02-17"), ("modes", "dine_in"), ("modes", "takeout"),
                                        ("preorder_days", "2"), ("accepting_orders", "on")]), base_url=BASE)
    assert made.status_code == 302 and made.headers["Location"].endswith("/s/sh-minhang/setup")
    store, _ = bootstrap.repository().store_for_update("sh-minhang")
    assert store.modes == ["dine_in", "takeout"] and store.accepting_orders and len(store.hours) == 2
    assert not store.is_open_at(datetime(2027, 2, 15, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai")))

    page = "/s/sh-minhang/setup"
    assert post(client, csrf, f"{page}/tables", {"tables": "A1-A3", "seats": "4", "area": "大厅"}).status_code == 302
    wrong = post(client, csrf, f"{page}/printers", {"sn": "920000001", "key": "NOTRIGHT", "name": "热菜"})
    assert wrong.status_code == 400 and "飞鹅云拒绝添加" in wrong.get_data(as_text=True)
    assert post(client, csrf, f"{page}/printers", {"sn": "920000001", "key": "KEY00001", "name": "热菜"}).status_code == 302
    assert post(client, csrf, f"{page}/printers/920000001/test", {}).status_code == 302
    assert "打印测试" in feieyun.state()["printers"][0]["jobs"][0]["content"]
    assert post(client, csrf, f"{page}/stations", {"station_id": "hot", "name": "热菜", "printer_sn": "920000001",
                                                  "fallback_printer_sn": "", "paper_columns": "32"}).status_code == 302
    assert post(client, csrf, f"{page}/ingredients", {"ingredient_id": "pork", "name": "猪肉", "unit": "kg",
                                                     "quantity": "5000", "threshold": "1000",
                                                     "cost_fen_per_unit": "3000"}).status_code == 302
    bad_cost = post(client, csrf, f"{page}/ingredients/pork", {"cost_fen_per_unit": "three"})
    assert bad_cost.status_code == 400 and "以下内容有误：成本" in bad_cost.get_data(as_text=True)
    shown = client.get(page, base_url=BASE).get_data(as_text=True)
    assert all(text in shown for text in ("A3", "920000001", "在线", "猪肉", "热菜"))
    assert re.search(r"A1</td><td>大厅</td><td>4</td><td>在用", shown)
    assert post(client, csrf, f"{page}/tables/A2", {"active": "false"}).status_code == 302
    assert not bootstrap.seating_table().table("sh-minhang", "A2")["active"]
    assert post(client, csrf, "/s/sh-minhang/store/retire", {}).status_code == 302
    assert bootstrap.repository().store_for_update("sh-minhang")[0].retired


def test_a_cashier_sees_the_setup_page_without_forms_and_cannot_post(client):  # noqa: F811
    csrf = login(client, "cashier")
    assert client.get("/s/sh-jingan/setup", base_url=BASE).status_code == 403  # no store.view for cashiers
    assert post(client, csrf, "/s/sh-jingan/setup/tables", {"tables": "Z1"}).status_code == 403
    assert client.get("/stores", base_url=BASE).status_code == 403


def test_the_delivery_area_is_drawn_around_the_store_north_up():
    from diancan.domain.setup import area_preview

    assert area_preview(None, None, 3000, None) is None and area_preview(31.2, 121.4, None, None) is None
    circle = area_preview(31.2, 121.4, 3000, None)
    assert circle["radius"] == 94.0 and circle["points"] == ""
    square = area_preview(31.2, 121.4, None, [(31.21, 121.4), (31.2, 121.41), (31.19, 121.4)])
    north, east, south = (tuple(map(float, p.split(","))) for p in square["points"].split())
    assert north[1] < 100 < south[1] and north[0] == south[0] == 100 and east[0] > 100  # north is up, east right


def test_the_settings_page_shows_the_saved_area(client):  # noqa: F811
    csrf = login(client, "jingan")
    page = client.get("/s/sh-jingan/store/settings", base_url=BASE).get_data(as_text=True)
    form = re.search(r'name="updated_at" value="([^"]*)"', page).group(1)
    saved = post(client, csrf, "/s/sh-jingan/store/settings", {"updated_at": form, "radius_m": "",
                                                               "polygon": "31.23,121.45\n31.24,121.47\n31.22,121.48"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:300]
    shown = client.get("/s/sh-jingan/store/settings", base_url=BASE).get_data(as_text=True)
    assert re.search(r'<polygon points="[0-9., ]+"', shown)


def test_holiday_closures_are_edited_on_the_profile_page(client):  # noqa: F811
    from diancan import bootstrap

    csrf = login(client, "jingan")
    page = client.get("/s/sh-jingan/store/profile", base_url=BASE).get_data(as_text=True)
    token = re.search(r'name="updated_at" value="([^"]*)"', page).group(1)
    bad = post(client, csrf, "/s/sh-jingan/store/profile", {"updated_at": token, "closed_dates": "2027-13-40"})
    assert bad.status_code == 400
    saved = post(client, csrf, "/s/sh-jingan/store/profile", {"updated_at": token,
                                                              "closed_dates": "2027-02-17 2027-02-16\n2027-02-17"})
    assert saved.status_code == 302
    store, _ = bootstrap.repository().store_for_update("sh-jingan")
    assert [d.isoformat() for d in store.closed_dates] == ["2027-02-16", "2027-02-17"]
