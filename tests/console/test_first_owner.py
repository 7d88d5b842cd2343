"""The deployment's first owner (``python -m tools.ops first-owner``): once only, a one-time password the
console makes them change before anything else; and the API's bearer session (``POST /api/session``)."""

from __future__ import annotations

import re

import pytest

from diancan.domain.staff import Role
from tests.conftest import TEST_STACK
from tests.console.conftest import BASE
from tools import ops

pytestmark = pytest.mark.handlers


def _first_owner(capsys) -> str:
    assert ops.main(["--stack", TEST_STACK, "first-owner", "--login", "wang", "--name", "王老板"]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def _login(client, login: str, password: str):
    page = client.get("/login", base_url=BASE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token}, base_url=BASE)


def test_the_first_owner_is_created_once_with_a_one_time_password(console, capsys):
    password = _first_owner(capsys)
    owner = console.accounts.get("wang")
    assert owner.role is Role.OWNER and owner.must_change_password and len(password) >= 16
    before = {s.staff_id for s in console.accounts.everyone()}
    assert ops.main(["--stack", TEST_STACK, "first-owner", "--login", "li", "--name", "李老板"]) == 1
    assert "FIRST_OWNER_EXISTS" in capsys.readouterr().err
    assert {s.staff_id for s in console.accounts.everyone()} == before  # nothing written the second time


def test_a_bad_login_name_is_refused_and_claims_nothing(console, capsys):
    assert ops.main(["--stack", TEST_STACK, "first-owner", "--login", "Not A Login!", "--name", "x"]) == 1
    assert "INVALID_STAFF" in capsys.readouterr().err
    _first_owner(capsys)  # the claim is still free


def test_the_console_shows_only_the_password_change_until_a_new_password_is_set(make_app, capsys):
    password = _first_owner(capsys)
    client = make_app().test_client()
    assert _login(client, "wang", password).status_code == 302
    chain = client.get("/chain", base_url=BASE)
    assert chain.status_code == 302 and chain.headers["Location"].endswith("/password")
    api = client.get("/api/chain/dashboard", base_url=BASE)
    assert api.status_code == 403 and api.get_json()["code"] == "PASSWORD_CHANGE_REQUIRED"
    form = client.get("/password", base_url=BASE).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    weak = client.post("/password", data={"old_password": password, "new_password": "short", "csrf_token": csrf},
                       base_url=BASE)
    assert weak.status_code == 400 and "密码至少10位" in weak.get_data(as_text=True)
    wrong = client.post("/password", json={"old_password": "nope", "new_password": "a-long-new-one-2026"},
                        headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert wrong.status_code == 400 and wrong.get_json()["code"] == "WRONG_PASSWORD"
    same = client.post("/password", json={"old_password": password, "new_password": password},
                       headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert same.status_code == 400 and same.get_json()["code"] == "SAME_PASSWORD"
    changed = client.post("/password", data={"old_password": password, "new_password": "a-long-new-one-2026",
                                             "csrf_token": csrf}, base_url=BASE)
    assert changed.status_code == 302
    assert client.get("/chain", base_url=BASE).status_code == 200
    again = make_app().test_client()
    assert _login(again, "wang", password).status_code == 401  # the one-time password is gone
    assert _login(again, "wang", "a-long-new-one-2026").status_code == 302


def test_a_script_logs_in_for_a_bearer_token_that_needs_no_csrf(make_app):
    client = make_app().test_client()
    refused = client.post("/api/session", json={"login": "boss", "password": "wrong"}, base_url=BASE)
    assert refused.status_code == 401 and refused.get_json()["code"] == "BAD_LOGIN"
    assert client.post("/api/session", data="x", base_url=BASE).status_code in (400, 415)
    session = client.post("/api/session", json={"login": "boss", "password": "boss-demo-2026"}, base_url=BASE)
    assert session.status_code == 200 and "Set-Cookie" not in session.headers
    token = session.get_json()["token"]
    script = make_app().test_client()  # no cookie at all
    assert script.get("/api/chain/dashboard", headers={"Authorization": f"Bearer {token}"},
                      base_url=BASE).status_code == 200
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert script.get("/api/chain/dashboard", headers={"Authorization": f"Bearer {forged}"},
                      base_url=BASE).status_code == 401


def test_demo_data_is_off_only_when_asked():
    from local.stack import demo_wanted

    assert demo_wanted({}) and demo_wanted({"DIANCAN_DEMO": "on"})
    assert not any(demo_wanted({"DIANCAN_DEMO": v}) for v in ("off", "OFF", "0", "false", "no"))
