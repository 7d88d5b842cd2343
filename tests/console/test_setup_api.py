"""The management API for setting a store up (``/api/...``), in process over moto with the real services
and the Feieyun simulator behind the real printer adapter: rights, audit, bad input answered 4xx with
nothing written."""

from __future__ import annotations

import json

import pytest

from tests.conftest import TEST_SECRETS
from tests.console.conftest import BASE, PASSWORDS

pytestmark = pytest.mark.handlers
NEW = "sh-pudong"
DEVICE_KEYS = {"920000001": "KEY00001", "920000002": "KEY00002"}


class _Answer:
    def __init__(self, status: int, body: dict) -> None:
        self.status_code, self.content = status, json.dumps(body).encode()

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            import requests

            raise requests.HTTPError(str(self.status_code))


class SimSession:
    """A requests-like session that hands the form to the Feieyun simulator in this process."""

    def __init__(self, sim) -> None:
        self.sim = sim

    def post(self, url: str, data: dict, timeout) -> _Answer:
        return _Answer(*self.sim.call(dict(data)))


@pytest.fixture
def feieyun():
    from local.simulators.feieyun import FeieyunSimulator

    account = TEST_SECRETS["feieyun"]
    return FeieyunSimulator({account["user"]: account["ukey"]}, [], devices=DEVICE_KEYS, print_delay_seconds=0)


@pytest.fixture
def client(make_app, console, feieyun):
    from diancan import bootstrap
    from diancan.adapters.printer import FeieyunPrinter
    from diancan.adapters.setup_table import SetupTable
    from diancan.services.store_setup import StoreSetup

    account = TEST_SECRETS["feieyun"]
    setup = StoreSetup(
        bootstrap.repository(), SetupTable(), bootstrap.print_jobs(), bootstrap.stock_table(), bootstrap.menu_admin(),
        bootstrap.stock(), lambda: FeieyunPrinter(account["user"], account["ukey"], session=SimSession(feieyun)))
    console.store_setup = lambda: setup
    return make_app().test_client()


def bearer(client, who: str) -> dict:
    answer = client.post("/api/session", json={"login": who, "password": PASSWORDS[who]}, base_url=BASE)
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def call(client, headers, method: str, path: str, body=None):
    return client.open(path, method=method, json=body, headers=headers, base_url=BASE)


STORE = {"store_id": NEW, "name": "浦东店", "city": "上海", "address": "浦东新区世纪大道1号", "phone": "021-5555 0000",
         "lat": 31.2304, "lng": 121.5274, "preorder_days": 3, "timezone": "Asia/Shanghai",
         "modes": ["takeout", "dine_in"], "closed_dates": ["2027-02-17"],
         "hours": [{"days": [0, 1, 2, 3, 4], "open": "10:00", "close": "14:00"},
                   {"days": [0, 1, 2, 3, 4], "open": "17:00", "close": "22:00"},
                   {"days": [5, 6], "open": "09:00", "close": "23:00"}]}


def test_an_owner_creates_edits_and_retires_a_store_and_each_step_is_audited(client, console):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from diancan import bootstrap
    from diancan.services.menu import list_stores

    owner = bearer(client, "boss")
    created = call(client, owner, "POST", "/api/stores", STORE)
    assert created.status_code == 201, created.get_json()
    store = created.get_json()["store"]
    assert store["accepting_orders"] is False and store["modes"] == ["dine_in", "takeout"]
    again = call(client, owner, "POST", "/api/stores", STORE)
    assert again.status_code == 409 and again.get_json()["code"] == "STORE_EXISTS"
    edited = call(client, owner, "POST", f"/api/s/{NEW}/store", {"accepting_orders": True, "phone": "021-5555 0001"})
    assert edited.status_code == 200 and edited.get_json()["changed"] == ["accepting_orders", "phone"]
    profile, _ = bootstrap.repository().store_for_update(NEW)
    shanghai = ZoneInfo("Asia/Shanghai")
    assert profile.is_open_at(datetime(2027, 2, 15, 11, 0, tzinfo=shanghai))      # a Monday, lunch
    assert not profile.is_open_at(datetime(2027, 2, 15, 15, 0, tzinfo=shanghai))  # the afternoon break
    assert not profile.is_open_at(datetime(2027, 2, 17, 11, 0, tzinfo=shanghai))  # the holiday closure
    assert NEW in {s["store_id"] for s in list_stores(bootstrap.repository(), None, None)["stores"]}
    assert call(client, owner, "POST", f"/api/s/{NEW}/store/retire").status_code == 200
    assert NEW not in {s["store_id"] for s in list_stores(bootstrap.repository(), None, None)["stores"]}
    assert {e.action for e in console.audit.recent(NEW)} >= {"store.create", "store.profile", "store.retire"}


def test_managers_may_not_create_or_retire_stores_nor_touch_another_store(client):
    manager = bearer(client, "jingan")
    assert call(client, manager, "POST", "/api/stores", STORE).status_code == 403
    assert call(client, manager, "POST", "/api/s/sh-jingan/store/retire").status_code == 403
    for method, path, body in (("POST", "/api/s/sh-xuhui/store", {"name": "x"}),
                               ("POST", "/api/s/sh-xuhui/setup/tables", {"tables": "Z1-Z2"}),
                               ("POST", "/api/s/sh-xuhui/setup/printers", {"sn": "920000001", "key": "KEY00001"}),
                               ("POST", "/api/s/sh-xuhui/setup/ingredients",
                                {"ingredient_id": "salt", "name": "盐", "unit": "kg"})):
        assert call(client, manager, method, path, body).status_code == 403, path
    cashier = bearer(client, "cashier")
    assert call(client, cashier, "POST", "/api/s/sh-jingan/setup/tables", {"tables": "Z1"}).status_code == 403


def test_tables_are_added_in_bulk_all_or_none_and_retired(client):
    owner = bearer(client, "boss")
    added = call(client, owner, "POST", "/api/s/sh-jingan/setup/tables", {"tables": "C1-C3, VIP1", "seats": 6,
                                                                          "area": "包间"})
    assert added.status_code == 201 and added.get_json()["tables"] == ["C1", "C2", "C3", "VIP1"]
    before = call(client, owner, "GET", "/api/s/sh-jingan/setup/tables").get_json()["tables"]
    overlap = call(client, owner, "POST", "/api/s/sh-jingan/setup/tables", {"tables": "C3-C5"})
    assert overlap.status_code == 409 and overlap.get_json()["details"]["tables"] == ["C3"]
    assert call(client, owner, "GET", "/api/s/sh-jingan/setup/tables").get_json()["tables"] == before  # no C4, C5
    retired = call(client, owner, "POST", "/api/s/sh-jingan/setup/tables/C2", {"active": False})
    assert retired.status_code == 200 and retired.get_json()["table"]["active"] is False
    assert call(client, owner, "POST", "/api/s/sh-jingan/setup/tables/B99", {"seats": 2}).status_code == 404


def test_a_printer_is_registered_at_feieyun_prints_a_test_page_and_serves_a_station(client, feieyun):
    owner = bearer(client, "boss")
    base = "/api/s/sh-jingan/setup/printers"
    wrong = call(client, owner, "POST", base, {"sn": "920000001", "key": "WRONGKEY", "name": "热菜"})
    assert wrong.status_code == 400 and wrong.get_json()["code"] == "PRINTER_REFUSED"
    assert call(client, owner, "GET", base).get_json()["printers"] == []  # the claim was taken back
    added = call(client, owner, "POST", base, {"sn": "920000001", "key": "KEY00001", "name": "热菜"})
    assert added.status_code == 201
    assert [p["sn"] for p in feieyun.state()["printers"]] == ["920000001"]
    assert call(client, owner, "GET", f"{base}/920000001").get_json()["status"] == "online"
    test = call(client, owner, "POST", f"{base}/920000001/test")
    assert test.status_code == 200
    printed = feieyun.state()["printers"][0]["jobs"]
    assert len(printed) == 1 and "打印测试" in printed[0]["content"]
    station = call(client, owner, "POST", "/api/s/sh-jingan/setup/stations/wok",
                   {"name": "炒锅", "printer_sn": "920000001", "category_ids": ["hot"]})
    assert station.status_code == 200, station.get_json()
    unknown = call(client, owner, "POST", "/api/s/sh-jingan/setup/stations/bar", {"name": "吧台", "printer_sn": "920000002"})
    assert unknown.status_code == 400 and unknown.get_json()["code"] == "PRINTER_NOT_FOUND"
    in_use = call(client, owner, "POST", f"{base}/920000001/remove")
    assert in_use.status_code == 409 and in_use.get_json()["code"] == "PRINTER_IN_USE"
    call(client, owner, "POST", base, {"sn": "920000002", "key": "KEY00002"})
    assert call(client, owner, "POST", f"{base}/920000002/remove").status_code == 200
    assert [p["sn"] for p in feieyun.state()["printers"]] == ["920000001"]  # unbound at Feieyun too


def test_ingredients_are_added_edited_and_counted(client):
    owner = bearer(client, "boss")
    base = "/api/s/sh-jingan/setup/ingredients"
    added = call(client, owner, "POST", base, {"ingredient_id": "sesame", "name": "芝麻", "unit": "kg",
                                               "quantity": 2000, "threshold": 500, "cost_fen_per_unit": 3600})
    assert added.status_code == 201
    assert call(client, owner, "POST", base, {"ingredient_id": "sesame", "name": "芝麻", "unit": "kg"}).status_code == 409
    edited = call(client, owner, "POST", f"{base}/sesame", {"threshold": 800, "cost_fen_per_unit": 4000})
    assert edited.status_code == 200
    assert edited.get_json()["ingredient"].items() >= {"threshold": 800, "cost_fen_per_unit": 4000, "quantity": 2000}.items()
    counted = call(client, owner, "POST", f"{base}/sesame/count", {"counted": 1500})
    assert counted.get_json()["ingredient"]["quantity"] == 1500


BAD = [  # (path, body) of every write route, each refused with 400 and nothing written
    ("/api/stores", {"store_id": "Bad Id", "name": "x"}),
    ("/api/stores", {"store_id": "sh-new", "name": "x", "lat": 91}),
    ("/api/stores", {"store_id": "sh-new", "name": "x", "timezone": "Mars/Olympus"}),
    ("/api/stores", {"store_id": "sh-new", "name": "x", "hours": [{"days": [9], "open": "10:00", "close": "2"}]}),
    ("/api/stores", {"store_id": "sh-new", "name": "x", "surprise": 1}),
    ("/api/s/sh-jingan/store", {"preorder_days": 99}),
    ("/api/s/sh-jingan/store", {"modes": ["teleport"]}),
    ("/api/s/sh-jingan/setup/tables", {"tables": "A9-A1"}),
    ("/api/s/sh-jingan/setup/tables", {"tables": "Z1-Z500"}),
    ("/api/s/sh-jingan/setup/tables", {"tables": "Z1", "seats": 0}),
    ("/api/s/sh-jingan/setup/tables/A1", {"seats": "many"}),
    ("/api/s/sh-jingan/setup/tables/A1", {}),
    ("/api/s/sh-jingan/setup/printers", {"sn": "12", "key": "KEY00001"}),
    ("/api/s/sh-jingan/setup/printers", {"sn": "920000001"}),
    ("/api/s/sh-jingan/setup/stations/wok", {"name": "炒锅"}),
    ("/api/s/sh-jingan/setup/stations/wok", {"name": "炒锅", "printer_sn": "920000001", "paper_columns": 40}),
    ("/api/s/sh-jingan/setup/ingredients", {"ingredient_id": "x1", "name": "x", "unit": "bucket"}),
    ("/api/s/sh-jingan/setup/ingredients", {"ingredient_id": "x1", "name": "x", "unit": "kg", "quantity": -1}),
    ("/api/s/sh-jingan/setup/ingredients/pork", {"cost_fen_per_unit": 1.5}),
    ("/api/s/sh-jingan/setup/ingredients/pork", {}),
    ("/api/s/sh-jingan/setup/ingredients/pork/count", {"counted": "lots"}),
    ("/api/s/sh-jingan/staff", {"login": "m1", "name": "m", "role": "manager", "password": "short"}),
]


def test_bad_input_on_every_write_route_is_a_clear_400_and_writes_nothing(client, console):
    from diancan import bootstrap

    owner = bearer(client, "boss")
    repository = bootstrap.repository()
    before = (repository.store_for_update("sh-jingan")[0], bootstrap.seating_table().tables("sh-jingan"),
              bootstrap.stock_table().ingredients("sh-jingan"), len(console.accounts.everyone()),
              {s.store_id for s in repository.list_stores()})
    for path, body in BAD:
        answer = call(client, owner, "POST", path, body)
        refused = answer.get_json()
        assert answer.status_code == 400, (path, body, answer.status_code, refused)
        assert refused["code"] and refused["message"] and refused["message_en"], (path, refused)
    assert client.post("/api/stores", data="store_id=x", headers={**owner, "Content-Type": "text/plain"},
                       base_url=BASE).status_code == 400
    after = (repository.store_for_update("sh-jingan")[0], bootstrap.seating_table().tables("sh-jingan"),
             bootstrap.stock_table().ingredients("sh-jingan"), len(console.accounts.everyone()),
             {s.store_id for s in repository.list_stores()})
    assert after == before
    assert not [e for e in console.audit.recent("sh-jingan") if e.staff_id == "boss"]


def test_an_owner_creates_the_manager_of_a_new_store(client):
    owner = bearer(client, "boss")
    call(client, owner, "POST", "/api/stores", STORE)
    made = call(client, owner, "POST", f"/api/s/{NEW}/staff", {"login": "pudong", "name": "浦东店长", "role": "manager",
                                                              "password": "pudong-manager-2026"})
    assert made.status_code == 200, made.get_json()
    manager = {"Authorization": "Bearer " + client.post("/api/session", json={
        "login": "pudong", "password": "pudong-manager-2026"}, base_url=BASE).get_json()["token"]}
    assert call(client, manager, "POST", f"/api/s/{NEW}/setup/tables", {"tables": "A1-A3"}).status_code == 201
    assert call(client, manager, "POST", "/api/s/sh-jingan/setup/tables", {"tables": "Q1"}).status_code == 403
