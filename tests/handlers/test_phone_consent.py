"""POST /me/phone against the WeChat simulator on loopback: the number only through the consent code,
stored encrypted, shown masked; a used code is refused; a revoked access token is fetched again."""

from __future__ import annotations

import json
import urllib.request

import pytest

from local.serve import serving
from local.simulators.wechat import WeChatSimulator, create_app, phone_for
from tests.conftest import TEST_SECRETS, http_call

pytestmark = pytest.mark.handlers


@pytest.fixture
def wechat(aws, monkeypatch):
    from diancan import bootstrap

    sim = WeChatSimulator(appid=TEST_SECRETS["wechat"]["appid"], secret=TEST_SECRETS["wechat"]["app_secret"])
    with serving(create_app(sim)) as server:
        monkeypatch.setenv("WECHAT_API_BASE", server.base_url)
        bootstrap.reset()
        yield server.base_url


def share(token: str, code: str):
    return http_call("orders", "orders/post_phone", body={"code": code}, headers={"authorization": f"Bearer {token}"})


def test_a_phone_number_is_stored_encrypted_only_with_the_consent_code(wechat, guest_token):
    from diancan import bootstrap

    status, answer = share(guest_token("alice"), "phone-alice")
    phone = phone_for("alice")
    assert (status, answer) == (200, {"phone": f"{phone[:3]}****{phone[-4:]}", "shared": True})
    stored = bootstrap.activity_table().member_info("openid-alice").phone_enc
    assert phone not in stored
    assert bootstrap.pii_cipher().decrypt(stored) == phone
    from diancan.adapters.member_lookup_table import MemberLookupTable

    assert MemberLookupTable().with_phone_tail(phone[-4:], 10) == ["openid-alice"]  # the counter finds her by it


def test_a_used_or_made_up_code_is_refused_and_nothing_is_stored(wechat, guest_token):
    from diancan import bootstrap

    share(guest_token("bob"), "phone-bob")
    for code in ("phone-bob", "made-up"):
        status, error = share(guest_token("carol"), code)
        assert (status, error["code"]) == (400, "PHONE_CODE_INVALID")
    assert bootstrap.activity_table().member_info("openid-carol").phone_enc is None


def test_an_expired_access_token_is_fetched_again(wechat, guest_token):
    assert share(guest_token("dave"), "phone-dave")[0] == 200
    request = urllib.request.Request(f"{wechat}/_control/expire_tokens", data=b"{}", method="POST")
    json.loads(urllib.request.urlopen(request).read())
    assert share(guest_token("erin"), "phone-erin")[0] == 200


def test_a_birthday_is_checked_against_shanghais_today_not_utcs():
    """At 00:30 in Shanghai (16:30 UTC the day before) a guest born that day may say so; the next day may not."""
    from datetime import UTC, date, datetime

    from diancan.domain.errors import InvalidRequest
    from diancan.services.privacy import Privacy

    class Activity:
        def __init__(self) -> None:
            self.saved: list[date] = []

        def set_birthday(self, openid: str, birthday: date) -> None:
            self.saved.append(birthday)

    activity = Activity()
    privacy = Privacy(phones=None, cipher=None, activity=activity,
                      clock=lambda: datetime(2026, 11, 24, 16, 30, tzinfo=UTC))
    assert privacy.set_birthday("openid-x", date(2026, 11, 25)) == {"birthday": "2026-11-25"}
    with pytest.raises(InvalidRequest) as refused:
        privacy.set_birthday("openid-x", date(2026, 11, 26))
    assert refused.value.code == "INVALID_BIRTHDAY" and activity.saved == [date(2026, 11, 25)]


def erase(token: str, body: dict | None = None):
    return http_call("orders", "orders/post_erase", body={"confirm": True} if body is None else body,
                     headers={"authorization": f"Bearer {token}"})


def test_delete_my_data_removes_phone_birthday_and_favourite_keeps_orders_and_can_be_repeated(wechat, guest_token):
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import MemberInfoRecord
    from tests.handlers.test_erasure import erase_later

    token = guest_token("frank")
    assert share(token, "phone-frank")[0] == 200
    from diancan.adapters.member_lookup_table import MemberLookupTable

    tail = phone_for("frank")[-4:]
    assert "openid-frank" in MemberLookupTable().with_phone_tail(tail, 10)
    status, _ = http_call("orders", "orders/post_birthday", body={"birthday": "1950-03-08"},
                          headers={"authorization": f"Bearer {token}"})
    assert status == 200
    assert "openid-frank" in list(bootstrap.activity_table().birthdays_on("03-08"))  # the birthday job finds him

    status, answer = erase(token)
    assert status == 202, answer
    assert answer["erased"][:3] == ["phone", "birthday", "favourite_dish"]
    assert [k["what"] for k in answer["kept"]] == ["orders"] and answer["requested_at"]
    erase_later()
    info = bootstrap.activity_table().member_info("openid-frank")
    assert (info.phone_enc, info.birthday, info.favourite_dish) == (None, None, None)
    assert "openid-frank" not in list(bootstrap.activity_table().birthdays_on("03-08"))  # and no longer
    record = MemberInfoRecord.get(keys.user("openid-frank"), keys.MEMBER_INFO)
    assert record.erasure_requested_at  # when the worker erased it

    assert "openid-frank" not in MemberLookupTable().with_phone_tail(tail, 10)  # the counter no longer finds him
    assert erase(token)[0] == 202  # twice: a new request, still nothing stored, no error
    erase_later(4)
    assert bootstrap.activity_table().member_info("openid-frank").phone_enc is None


@pytest.mark.parametrize("body", [{}, {"confirm": False}, {"confirm": True, "also": 1}])
def test_delete_my_data_needs_the_confirmation_and_writes_nothing_without_it(wechat, guest_token, body):
    from diancan import bootstrap

    token = guest_token("gina")
    assert share(token, "phone-gina")[0] == 200
    status, error = erase(token, body)
    assert (status, error["code"]) == (400, "INVALID_REQUEST")
    assert bootstrap.activity_table().member_info("openid-gina").phone_enc is not None


def test_delete_my_data_needs_a_guest_token(wechat):
    status, error = http_call("orders", "orders/post_erase", body={"confirm": True})
    assert status == 401 and error["code"] in ("MISSING_TOKEN", "INVALID_TOKEN")
