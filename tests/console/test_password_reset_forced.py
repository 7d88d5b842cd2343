"""A password a manager or owner resets is a one-time password: its owner is led to the change form
at the next login and reaches nothing else until they have chosen their own; a script's login says so with a
machine-readable code."""

from __future__ import annotations

import re

import pytest

from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers
SID = "sh-jingan"


def _reset(make_app, who: str, target: str) -> str:
    client = make_app().test_client()
    csrf = login(client, who)
    answer = client.post(f"/s/{SID}/staff/{target}/password", json={}, headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_json()["password"]


def _form_login(client, name: str, password: str):
    page = client.get("/login", base_url=BASE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login?next=/s/sh-jingan/orders", data={"login": name, "password": password,
                                                                "csrf_token": token}, base_url=BASE)


def test_a_reset_password_leads_to_the_change_form_and_nothing_else_is_reachable_until_changed(make_app, console):
    target = next(s for s in console.accounts.everyone() if s.login == "cashier")
    temporary = _reset(make_app, "jingan", target.staff_id)
    assert console.accounts.get(target.staff_id).must_change_password
    client = make_app().test_client()
    signed_in = _form_login(client, "cashier", temporary)
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/password")
    page = client.get(f"/s/{SID}/orders", base_url=BASE)
    assert page.status_code == 302 and page.headers["Location"].endswith("/password")
    form = client.get("/password", base_url=BASE).get_data(as_text=True)
    assert "一次性密码" in form
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    scripted = client.get(f"/api/s/{SID}/orders", base_url=BASE)
    assert scripted.status_code == 403 and scripted.get_json()["code"] == "PASSWORD_CHANGE_REQUIRED"
    changed = client.post("/password", data={"old_password": temporary, "new_password": "my-own-password-26",
                                             "csrf_token": csrf}, base_url=BASE)
    assert changed.status_code == 302
    assert not console.accounts.get(target.staff_id).must_change_password
    assert client.get(f"/s/{SID}/orders", base_url=BASE).status_code == 200


def test_the_api_login_on_a_reset_password_answers_a_machine_readable_code(make_app, console):
    manager = next(s for s in console.accounts.everyone() if s.login == "jingan").staff_id
    temporary = _reset(make_app, "boss", manager)
    client = make_app().test_client()
    session = client.post("/api/session", json={"login": "jingan", "password": temporary}, base_url=BASE).get_json()
    assert session["must_change_password"] is True and session["code"] == "PASSWORD_CHANGE_REQUIRED"
    assert session["change_password"] == "/password"
    bearer = {"Authorization": f"Bearer {session['token']}"}
    refused = client.get(f"/api/s/{SID}/setup/stations", headers=bearer, base_url=BASE)
    assert refused.status_code == 403 and refused.get_json()["code"] == "PASSWORD_CHANGE_REQUIRED"
    changed = client.post("/password", json={"old_password": temporary, "new_password": "jingan-new-2026-x"},
                          headers=bearer, base_url=BASE)
    assert changed.status_code == 200
    assert client.get(f"/api/s/{SID}/setup/stations", headers=bearer, base_url=BASE).status_code == 200
    again = client.post("/api/session", json={"login": "jingan", "password": "jingan-new-2026-x"}, base_url=BASE)
    assert again.get_json()["must_change_password"] is False and "code" not in again.get_json()
