"""Console login throttling: wrong passwords back off, then lock (per login name and per source address),
a right password is refused during the lock, the lock ends; the counters live in the table (two console
instances, as two Lambda environments, see the same counts); lockouts are audited, alerted past a threshold
and shown to the owner; nothing tells whether a login name exists."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.console.conftest import BASE, FAST, PASSWORDS

pytestmark = pytest.mark.handlers

HOME, AWAY = "198.51.100.7", "203.0.113.50"


class Clock:
    def __init__(self) -> None:
        from diancan.domain.clock import utcnow

        self.now = utcnow().replace(minute=0, second=0, microsecond=0)  # tests stay inside one clock hour

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Alerts:
    def __init__(self) -> None:
        self.sent: list[tuple] = []

    def publish(self, kind: str, subject: str, detail: dict) -> None:
        self.sent.append((kind, subject, detail))


@pytest.fixture
def clock(console):
    clock = Clock()
    console.guard._clock = clock
    return clock


@pytest.fixture
def alerts(console):
    console.guard._alerts = Alerts()
    return console.guard._alerts


def _csrf(client) -> str:
    page = client.get("/login", base_url=BASE).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _try(client, name: str, password: str, address: str = HOME, *, json: bool = False, headers: dict | None = None):
    token = _csrf(client)
    environ = {"REMOTE_ADDR": address}
    if json:
        return client.post("/login", json={"login": name, "password": password}, environ_base=environ,
                           headers={"X-CSRF-Token": token, **(headers or {})}, base_url=BASE)
    return client.post("/login", data={"login": name, "password": password, "csrf_token": token},
                       environ_base=environ, headers=headers or {}, base_url=BASE)


def _wrong_until_locked(client, clock, name: str, address: str) -> list[tuple[int, str | None]]:
    """Ten wrong passwords, each sent as soon as the last one's wait is over; (status, Retry-After) of each,
    plus the immediate retry after each failure that asked for a wait."""
    seen = []
    for _ in range(10):
        answer = _try(client, name, "wrong-password", address, json=True)
        seen.append((answer.status_code, answer.headers.get("Retry-After")))
        retry = _try(client, name, "wrong-password", address, json=True)
        if retry.status_code == 429:
            wait = int(retry.headers["Retry-After"])
            seen.append((429, str(wait)))
            clock.advance(wait)
        else:
            seen.append((retry.status_code, None))
    return seen


def test_dozens_of_wrong_passwords_in_a_row_are_not_all_answered(make_app):
    """A password-guessing probe at the real clock: wrong passwords as fast as the client can send them."""
    client = make_app().test_client()
    statuses = [_try(client, "boss", f"guess-{n}", json=True).status_code for n in range(24)]
    assert statuses[:4] == [401] * 4  # typos cost nothing
    assert 429 in statuses and statuses.count(401) <= 10  # however fast or slow the sender: the 10th locks


def test_wrong_passwords_back_off_then_lock_and_a_right_password_waits_for_the_lock_to_end(make_app, clock):
    client = make_app().test_client()
    for _ in range(3):
        assert _try(client, "jingan", "wrong-password").status_code == 401  # typos cost nothing
    assert _try(client, "jingan", "wrong-password").status_code == 401  # the 4th: the next waits 1 s
    refused = _try(client, "jingan", PASSWORDS["jingan"], json=True)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.get_json()["code"] == "LOGIN_THROTTLED" and refused.get_json()["details"]["locked"] is False
    waits = []
    for _ in range(6):  # failures 5..10: 2, 4, 8, 16, 32 s, then the lock
        clock.advance(int(_try(client, "jingan", "x", json=True).headers.get("Retry-After") or 0))
        assert _try(client, "jingan", "wrong-password").status_code == 401
        waits.append(int(_try(client, "jingan", "x", json=True).headers["Retry-After"]))
    assert waits == [2, 4, 8, 16, 32, 900]

    clock.advance(899)
    locked = _try(client, "jingan", PASSWORDS["jingan"])  # the right password, a second before the lock ends
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "1"
    assert "登录已被临时锁定" in locked.get_data(as_text=True) and "dc_session" not in locked.headers.get("Set-Cookie", "")
    clock.advance(1)
    assert _try(client, "jingan", PASSWORDS["jingan"]).status_code == 302  # the lock has ended
    # the success forgot the account's failures (not the address's: tried from another one)
    assert [_try(client, "jingan", "wrong-password", AWAY).status_code for _ in range(3)] == [401, 401, 401]


def test_an_unknown_login_name_is_throttled_exactly_like_a_real_one(make_app, clock):
    client = make_app().test_client()
    real = _wrong_until_locked(client, clock, "jingan", HOME)
    unknown = _wrong_until_locked(client, clock, "nobody-here", AWAY)
    assert real == unknown
    bodies = {name: _try(client, name, "wrong", addr, json=True).get_json() for name, addr in
              (("jingan", HOME), ("nobody-here", AWAY))}
    assert bodies["jingan"] == bodies["nobody-here"]


def test_one_address_guessing_at_many_accounts_is_locked_but_others_still_log_in(make_app, clock):
    client = make_app().test_client()
    statuses = []
    for n in range(30):  # a different name each time: only the address counter sees them all
        answer = _try(client, f"guess-{n}", "wrong-password", json=True)
        statuses.append(answer.status_code)
        clock.advance(int(answer.headers.get("Retry-After") or 0))
        if answer.status_code == 401:
            clock.advance(60)  # past any backoff
    assert statuses == [401] * 30
    refused = _try(client, "boss", PASSWORDS["boss"], json=True)  # a real account, right password, same address
    assert refused.status_code == 429 and refused.get_json()["details"] == {"retry_after_seconds": 900 - 60,
                                                                           "locked": True}
    spoofed = _try(client, "boss", PASSWORDS["boss"], headers={"X-Forwarded-For": AWAY})
    assert spoofed.status_code == 429  # a forwarded-for header the client wrote changes nothing
    assert _try(client, "boss", PASSWORDS["boss"], AWAY).status_code == 302  # from elsewhere it works


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(make_app, console, clock):
    client = make_app(trusted_proxies=1).test_client()
    for n in range(30):
        _try(client, f"guess-{n}", "wrong-password", "10.0.0.1", headers={"X-Forwarded-For": f"1.2.3.4, {HOME}"})
        clock.advance(60)
    via_proxy = {"X-Forwarded-For": f"9.9.9.9, {HOME}"}  # whatever the client wrote first, the proxy's entry counts
    assert _try(client, "boss", PASSWORDS["boss"], "10.0.0.1", headers=via_proxy).status_code == 429
    other = {"X-Forwarded-For": AWAY}
    assert _try(client, "boss", PASSWORDS["boss"], "10.0.0.1", headers=other).status_code == 302


def test_the_counters_hold_across_lambda_environments(make_app, console, clock, fakes):
    """A second console built from the same table (another Lambda environment) sees the first one's failures."""
    from diancan.console.app import create_app
    from diancan.console.config import ConsoleSettings
    from diancan.console.wiring import build

    other = build(ConsoleSettings(), cost=FAST)
    other.guard._clock = clock
    first, second = make_app().test_client(), create_app(other, ConsoleSettings()).test_client()
    for n in range(10):
        client = first if n % 2 else second
        assert _try(client, "cashier", "wrong-password").status_code == 401
        clock.advance(60)
    assert _try(first, "cashier", PASSWORDS["cashier"]).status_code == 429
    assert _try(second, "cashier", PASSWORDS["cashier"]).status_code == 429


def test_a_lockout_is_audited_alerted_past_the_threshold_and_shown_to_the_owner(make_app, console, clock, alerts):
    from diancan.adapters import keys

    client = make_app().test_client()
    for name, address in (("jingan", HOME), ("cook", AWAY), ("nobody-here", "192.0.2.1")):
        for _ in range(10):
            _try(client, name, "wrong-password", address)
            clock.advance(60)
        if name == "cook":
            assert alerts.sent == []  # two lockouts this hour: under the threshold
    entries = console.audit.recent(keys.SECURITY_PARTITION)
    assert [(e.action, e.target, e.detail["scope"]) for e in entries] == [
        ("login.lockout", "account:?", "account"), ("login.lockout", "account:cook", "account"),
        ("login.lockout", "account:jingan", "account")]
    assert entries[1].staff_id == "cook-jingan" and entries[1].detail["client"] == AWAY
    assert entries[0].detail["login"] is None  # what was typed for a name that does not exist is not kept
    assert [(kind, detail["lockouts"]) for kind, _, detail in alerts.sent] == [("ConsoleLoginLockouts", 3)]

    owner = make_app().test_client()
    assert _try(owner, "boss", PASSWORDS["boss"], "192.0.2.99").status_code == 302
    page = owner.get("/staff", base_url=BASE).get_data(as_text=True)
    section = page[page.index('id="login-lockouts"'):]
    assert "cook" in section and "jingan" in section and AWAY in section and "（不存在的登录名）" in section
    landing = owner.get("/chain", base_url=BASE).get_data(as_text=True)  # where the owner lands
    assert 'id="lockout-notice"' in landing and "过去 24 小时有 3 次登录" in landing
    clock.advance(86400)
    assert 'id="lockout-notice"' not in owner.get("/chain", base_url=BASE).get_data(as_text=True)


def test_a_login_attempt_costs_few_dynamodb_calls(make_app, console, clock):
    import botocore.client

    client = make_app().test_client()
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    counted = {}
    botocore.client.BaseClient._make_api_call = recording
    try:
        for label, name, password in (("wrong", "jingan", "wrong-password"), ("unknown name", "nobody-here", "x"),
                                      ("refused while waiting", "jingan", "x"), ("right", "xuhui", PASSWORDS["xuhui"])):
            if label == "refused while waiting":
                for _ in range(3):
                    _try(client, name, "wrong-password")
            token = _csrf(client)
            calls.clear()
            client.post("/login", data={"login": name, "password": password, "csrf_token": token}, base_url=BASE)
            counted[label] = sorted(calls)
    finally:
        botocore.client.BaseClient._make_api_call = original
    assert counted == {"wrong": ["BatchGetItem", "GetItem", "TransactWriteItems"],
                       "unknown name": ["BatchGetItem", "TransactWriteItems"],
                       "refused while waiting": ["BatchGetItem"],
                       "right": ["BatchGetItem", "GetItem", "PutItem", "TransactWriteItems", "TransactWriteItems"]}


def test_a_parallel_burst_guesses_one_password_at_a_time(make_app, console, clock):
    """Twenty attempts that all read the counters before any of them counted (as a parallel burst does across
    Lambda environments): the first to count is checked, every other one is refused without a password check."""
    store = console.guard._attempts
    real_read, first_read = store.read, []

    def at_the_same_moment(login, keys):
        first_read.append(first_read[0] if first_read else real_read(login, keys))
        return first_read[-1]

    store.read = at_the_same_moment
    client = make_app().test_client()
    answers = [_try(client, "jingan", PASSWORDS["jingan"] if n == 7 else f"guess-{n}", json=True) for n in range(20)]
    assert [a.status_code for a in answers] == [401] + [429] * 19  # the right password (8th) was never checked
    assert {a.headers["Retry-After"] for a in answers[1:]} == {"1"}
    store.read = real_read
    key = console.guard._guard_key("account", "jingan")
    assert real_read("jingan", [key]).counters[key].count == 1  # one guess counted, one checked


@pytest.mark.parametrize("body", [[1, 2], ["login", "boss"], 7, "boss"])
def test_a_json_login_that_is_not_an_object_is_a_bad_login_not_a_500(make_app, body):
    client = make_app().test_client()
    answer = client.post("/login", json=body, headers={"X-CSRF-Token": _csrf(client)}, base_url=BASE)
    assert answer.status_code == 401 and answer.get_json()["code"] == "BAD_LOGIN"
