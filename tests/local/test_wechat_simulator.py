"""The WeChat login simulator answers jscode2session as api.weixin.qq.com does (HTTP 200, errcode in JSON)."""

from __future__ import annotations

import pytest
import requests

from local.serve import serving
from local.simulators.wechat import WeChatSimulator, create_app, openid_for

pytestmark = pytest.mark.handlers

APPID, SECRET = "wx0123456789abcdef", "s" * 32


@pytest.fixture
def wechat():
    sim = WeChatSimulator(appid=APPID, secret=SECRET)
    with serving(create_app(sim)) as server:
        yield server.base_url


def _login(base: str, code: str, **changes: str) -> dict:
    params = {
        "appid": APPID,
        "secret": SECRET,
        "js_code": code,
        "grant_type": "authorization_code",
        **changes,
    }
    answer = requests.get(f"{base}/sns/jscode2session", params=params, timeout=5)
    assert answer.status_code == 200  # always, even on failure
    return answer.json()


def test_a_test_code_maps_to_the_same_openid_for_the_same_name(wechat):
    first, second = _login(wechat, "test-alice"), _login(wechat, "test-alice.2")
    assert first["openid"] == second["openid"] == openid_for("alice", APPID)
    assert first["openid"].startswith("o") and len(first["openid"]) == 28
    assert first["session_key"] and "errcode" not in first


def test_different_names_or_appids_give_different_openids(wechat):
    assert _login(wechat, "test-alice")["openid"] != _login(wechat, "test-bob")["openid"]
    assert openid_for("alice", APPID) != openid_for("alice", "wxother")


def test_a_code_works_only_once(wechat):
    _login(wechat, "test-carol")
    assert _login(wechat, "test-carol")["errcode"] == 40163


@pytest.mark.parametrize(
    ("code", "changes", "errcode"),
    [
        ("whatever", {}, 40029),
        ("test-", {}, 40029),
        ("test-dave", {"appid": "wxwrong"}, 40013),
        ("test-dave", {"secret": "wrong"}, 40125),
        ("test-dave", {"grant_type": "client_credential"}, 40002),
        ("", {}, 41008),
    ],
)
def test_bad_requests_get_the_errcode_wechat_gives(wechat, code, changes, errcode):
    answer = _login(wechat, code, **changes)
    assert answer["errcode"] == errcode and answer["errmsg"] and "openid" not in answer


def test_control_routes_inject_failures_show_calls_and_reset(wechat):
    requests.post(f"{wechat}/_control/fail", json={"errcode": -1, "times": 1}, timeout=5)
    assert _login(wechat, "test-erin")["errcode"] == -1
    assert "openid" in _login(wechat, "test-erin")
    state = requests.get(f"{wechat}/_control/state", timeout=5).json()
    assert [call["errcode"] for call in state["calls"]] == [-1, 0]
    assert all("secret" not in call for call in state["calls"])
    requests.post(f"{wechat}/_control/reset", timeout=5)
    assert "openid" in _login(wechat, "test-erin")  # used codes forgotten
