"""The store profile page sets the order modes and the time zone, checked by the management API's own
``StoreEdit`` model: what the API refuses, the page refuses with the same code, nothing written."""

from __future__ import annotations

import re

import pytest

from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers
SID = "sh-jingan"


def _form(client, csrf, data: dict | list):
    pairs = list(data.items()) if isinstance(data, dict) else data
    token = re.search(r'name="updated_at" value="([^"]*)"',
                      client.get(f"/s/{SID}/store/profile", base_url=BASE).get_data(as_text=True)).group(1)
    from werkzeug.datastructures import MultiDict

    return client.post(f"/s/{SID}/store/profile", data=MultiDict([("csrf_token", csrf), ("updated_at", token), *pairs]),
                       base_url=BASE)


def _store():
    from diancan import bootstrap

    return bootstrap.repository().store_for_update(SID)[0]


def test_the_profile_page_shows_and_saves_order_modes_and_the_time_zone(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    page = client.get(f"/s/{SID}/store/profile", base_url=BASE).get_data(as_text=True)
    assert re.search(r'name="modes" value="delivery" checked', page) and 'name="timezone"' in page
    saved = _form(client, csrf, [("modes", ""), ("modes", "takeout"), ("modes", "dine_in"),
                                 ("timezone", "Asia/Hong_Kong")])
    assert saved.status_code == 302, saved.get_data(as_text=True)[:300]
    store = _store()
    assert (store.modes, store.timezone) == (["dine_in", "takeout"], "Asia/Hong_Kong")
    entry = next(e for e in console.audit.recent(SID) if e.action == "store.profile")
    assert entry.detail["changed"] == ["modes", "timezone"]
    page = client.get(f"/s/{SID}/store/profile", base_url=BASE).get_data(as_text=True)
    assert not re.search(r'name="modes" value="delivery" checked', page)


@pytest.mark.parametrize("fields, api_body", [
    ([("modes", "")], {"modes": []}),                                  # no mode ticked
    ([("modes", ""), ("modes", "teleport")], {"modes": ["teleport"]}),
    ([("timezone", "Mars/Olympus")], {"timezone": "Mars/Olympus"}),
    ([("preorder_days", "99")], {"preorder_days": 99}),
])
def test_the_page_refuses_what_the_api_refuses_with_the_same_code_and_writes_nothing(make_app, console, fields,
                                                                                    api_body):
    from tests.console.test_setup_api import bearer, call

    client = make_app().test_client()
    before = _store()
    via_api = call(client, bearer(client, "jingan"), "POST", f"/api/s/{SID}/store", api_body)
    csrf = login(client, "jingan")
    via_page = _form(client, csrf, fields)
    assert via_api.status_code == via_page.status_code == 400
    assert via_api.get_json()["code"] == "INVALID_STORE" and "(INVALID_STORE)" in via_page.get_data(as_text=True)
    assert _store() == before
    assert "store.profile" not in {e.action for e in console.audit.recent(SID)}


def test_json_scripts_of_the_profile_send_modes_and_timezone_too(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    answer = client.post(f"/s/{SID}/store/profile", json={"modes": ["delivery"], "timezone": "Asia/Shanghai"},
                         headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert answer.status_code == 200 and answer.get_json()["changed"] == ["modes"]
    bad = client.post(f"/s/{SID}/store/profile", json={"timezone": "Nowhere/Land"}, headers={"X-CSRF-Token": csrf},
                      base_url=BASE)
    assert bad.status_code == 400 and bad.get_json()["code"] == "INVALID_STORE"
    assert bad.get_json()["details"]["fields"] == ["timezone"]
