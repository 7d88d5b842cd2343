"""Guests' "delete my data" requests in the console (Flask test client, moto): the owner sees each request's
state under the guest's member code, never the openid; a manager may not see the chain's list."""

from __future__ import annotations

import pytest

from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers


def test_the_owner_sees_each_erasure_request_and_its_state_by_member_code(make_app):
    from diancan import bootstrap
    from diancan.domain.membership import member_code

    asked = bootstrap.erasures().request("openid-frank")
    app = make_app()
    owner, manager = app.test_client(), app.test_client()
    login(owner, "boss")
    login(manager, "jingan")

    answer = owner.get("/api/privacy/erasures", base_url=BASE)
    assert answer.status_code == 200
    listed = answer.get_json()["erasures"]
    assert [(e["reference"], e["member_code"], e["status"]) for e in listed] == [
        (asked["reference"], member_code("openid-frank"), "requested")]
    assert "openid-frank" not in answer.get_data(as_text=True)
    assert manager.get("/api/privacy/erasures", base_url=BASE).status_code == 403
