"""The login throttling rules: free typos, doubling waits, the lock, forgetting; and who the client is."""

from __future__ import annotations

import pytest

from diancan.domain.login_throttle import ACCOUNT_RULE, CLIENT_RULE, Failures, LoginThrottled, waits_until

pytestmark = pytest.mark.unit


def test_a_login_name_gets_three_free_failures_then_doubling_waits_then_a_lock():
    assert [ACCOUNT_RULE.wait_after(n) for n in range(1, 12)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 900, 900]


def test_an_address_gets_ten_free_failures_and_waits_of_at_most_a_minute_before_its_lock():
    waits = [CLIENT_RULE.wait_after(n) for n in range(1, 31)]
    assert waits[:10] == [0] * 10 and waits[10:17] == [1, 2, 4, 8, 16, 32, 60] and set(waits[17:29]) == {60}
    assert waits[29] == 900 and CLIENT_RULE.locks(30) and not CLIENT_RULE.locks(29)


def test_a_lock_ends_and_failures_are_forgotten_an_hour_after_the_last():
    locked = Failures(10, last_at=1_000)
    assert waits_until(ACCOUNT_RULE, locked, 1_000) == 1_900
    assert waits_until(ACCOUNT_RULE, locked, 1_899) == 1_900
    assert waits_until(ACCOUNT_RULE, locked, 1_900) is None
    assert waits_until(ACCOUNT_RULE, Failures(9, last_at=1_000), 1_000 + 3_600) is None  # forgotten


def test_the_refusal_says_how_long_to_wait_in_both_languages():
    short, lock = LoginThrottled(8, locked=False), LoginThrottled(840, locked=True)
    assert short.status == 429 and short.to_body()["details"] == {"retry_after_seconds": 8, "locked": False}
    assert "8 秒" in short.message_zh and "14 分钟" in lock.message_zh and "登录已被临时锁定" in lock.message_zh
    assert "14 minutes" in lock.message_en


@pytest.mark.parametrize(("remote", "forwarded", "hops", "client"), [
    ("198.51.100.7", "", 0, "198.51.100.7"),
    ("198.51.100.7", "203.0.113.9", 0, "198.51.100.7"),  # a header the client wrote is not believed
    ("2001:db8:1:2:aaaa::1", "", 0, "2001:db8:1:2::/64"),  # one IPv6 host holds a whole /64
    ("::ffff:198.51.100.7", "", 0, "198.51.100.7"),
    ("10.0.0.1", "6.6.6.6, 203.0.113.9", 1, "203.0.113.9"),  # our one proxy appended the real client
    ("10.0.0.1", "", 1, "10.0.0.1"),
    ("", "", 0, ""),
])
def test_the_client_address_comes_from_the_connection_unless_our_proxies_forward_it(remote, forwarded, hops, client):
    from flask import Flask

    from diancan.console.security import client_address

    app = Flask(__name__)
    app.config["DIANCAN_TRUSTED_PROXIES"] = hops
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with app.test_request_context("/login", environ_base={"REMOTE_ADDR": remote}, headers=headers):
        assert client_address() == client
