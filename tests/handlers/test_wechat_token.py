"""The WeChat access token: the simulator's rules for both token APIs (clock injected, no sleeps), and the
one shared stable token under many containers at once, its table cache, its one refresh when an API rejects
it, WeChat's limits on forced refreshes, and credential failures as upstream failures."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from local.serve import serving
from local.simulators.wechat import WeChatSimulator, create_app

pytestmark = pytest.mark.handlers

APPID, SECRET = "wx0123456789abcdef", "sim-secret"
CREDENTIALS = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}


class Clock:
    """One clock for the simulator and the containers (epoch seconds)."""

    def __init__(self, now: float = 1_790_000_000.0) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sim(clock) -> WeChatSimulator:
    return WeChatSimulator(appid=APPID, secret=SECRET, clock=clock, token_grace_seconds=0,
                           templates={"TPL": frozenset({"thing1"})})


@pytest.fixture
def base_url(sim):
    with serving(create_app(sim)) as running:
        yield running.base_url


def _api_ok(sim: WeChatSimulator, token: str) -> bool:
    return sim.phone_number(token, {"code": "none"}).get("errcode") not in (40001, 42001)


# ---- the simulator models WeChat's two token APIs -------------------------------------------------------------


def test_a_new_classic_token_knocks_out_the_previous_one_after_the_grace_period(clock):
    sim = WeChatSimulator(appid=APPID, secret=SECRET, clock=clock, token_grace_seconds=300)
    first = sim.access_token(CREDENTIALS)["access_token"]
    second = sim.access_token(CREDENTIALS)["access_token"]
    assert first != second and _api_ok(sim, first)
    clock.advance(299)
    assert _api_ok(sim, first)
    clock.advance(2)
    assert not _api_ok(sim, first) and _api_ok(sim, second)


def test_the_stable_token_is_the_same_until_its_last_five_minutes_and_classic_calls_do_not_touch_it(sim, clock):
    first = sim.stable_token({**CREDENTIALS, "force_refresh": False})
    for _ in range(3):
        sim.access_token(CREDENTIALS)  # another tool using /cgi-bin/token
    clock.advance(1000)
    again = sim.stable_token(CREDENTIALS)
    assert again["access_token"] == first["access_token"] and again["expires_in"] == 7200 - 1000
    assert _api_ok(sim, first["access_token"])
    clock.advance(7200 - 1000 - 299)  # in the last 5 minutes: the next token, the old one still works
    renewed = sim.stable_token(CREDENTIALS)
    assert renewed["access_token"] != first["access_token"] and renewed["expires_in"] == 7200
    assert _api_ok(sim, first["access_token"]) and _api_ok(sim, renewed["access_token"])
    clock.advance(300)
    assert not _api_ok(sim, first["access_token"]) and _api_ok(sim, renewed["access_token"])


def test_a_forced_stable_refresh_revokes_at_once_30_s_apart_and_20_a_day(sim, clock):
    force = {**CREDENTIALS, "force_refresh": True}
    first = sim.stable_token(CREDENTIALS)["access_token"]
    second = sim.stable_token(force)["access_token"]
    assert second != first and not _api_ok(sim, first) and _api_ok(sim, second)
    clock.advance(29)
    assert sim.stable_token(force)["access_token"] == second  # too soon: not refreshed
    for _ in range(19):
        clock.advance(31)
        assert "access_token" in sim.stable_token(force)
    clock.advance(31)
    assert sim.stable_token(force)["errcode"] == 45009
    assert sim.state()["forced_refreshes"] == 20


@pytest.mark.parametrize(("body", "errcode"), [(None, 47001), ({**CREDENTIALS, "appid": "wxother"}, 40013),
                                               ({**CREDENTIALS, "secret": "wrong"}, 40125),
                                               ({**CREDENTIALS, "grant_type": "x"}, 40002)])
def test_stable_token_refusals(sim, body, errcode):
    assert sim.stable_token(body)["errcode"] == errcode


# ---- many containers, one token ---------------------------------------------------------------------------------


def _container(base_url: str, clock: Clock, cache):
    """What one Lambda container builds: its own token holder, the shared cache, a messages adapter."""
    from diancan.adapters.wechat_messages import WeChatSubscribeMessages
    from diancan.adapters.wechat_token import StableAccessToken

    tokens = StableAccessToken(APPID, SECRET, base_url, 5.0, cache=cache, clock=clock)
    return tokens, WeChatSubscribeMessages(tokens, base_url, 5.0)


def _message(index: int):
    from diancan.domain.guest_notices import SubscribeMessage

    return SubscribeMessage(touser=f"openid-{index}", template_id="TPL", page="pages/index/index",
                            state="formal", data={"thing1": f"取餐{index}"})


def test_many_cold_containers_at_once_share_one_token_and_no_call_fails(aws, sim, base_url, clock):
    from diancan import bootstrap
    from diancan.adapters.wechat_token_table import TableTokenCache

    settings = bootstrap.settings()
    containers = [_container(base_url, clock, TableTokenCache(settings.table_name, settings.region))
                  for _ in range(12)]
    start = threading.Barrier(len(containers))

    def run(index: int) -> list[str]:
        _, messages = containers[index]
        start.wait(timeout=30)
        return [messages.send(_message(index * 10 + n)).outcome for n in range(4)]

    with ThreadPoolExecutor(max_workers=len(containers)) as pool:
        outcomes = [o for batch in pool.map(run, range(len(containers))) for o in batch]
    assert outcomes == ["sent"] * 48
    state = sim.state()
    assert state["tokens_issued"] == 1 and state["forced_refreshes"] == 0 and state["token_calls"] == 0
    assert 1 <= state["stable_token_calls"] <= len(containers)

    # Later cold containers find the token in the table: WeChat is not asked again while it is good.
    tokens, messages = _container(base_url, clock, TableTokenCache(settings.table_name, settings.region))
    assert messages.send(_message(99)).outcome == "sent"
    assert sim.state()["stable_token_calls"] == state["stable_token_calls"]

    # In its last five minutes one container renews it; the others read the renewal from the table.
    clock.advance(7200 - 299)
    assert messages.send(_message(100)).outcome == "sent"
    calls = sim.state()["stable_token_calls"]
    assert calls == state["stable_token_calls"] + 1
    other, other_messages = containers[0]
    assert other_messages.send(_message(101)).outcome == "sent" and sim.state()["stable_token_calls"] == calls
    assert other.access_token() == tokens.access_token()


def test_per_container_classic_tokens_are_what_failed(sim, base_url):
    """The old way, for contrast: each container fetching /cgi-bin/token revokes the others' tokens."""
    import json
    import urllib.parse
    import urllib.request

    def classic() -> str:
        query = urllib.parse.urlencode(CREDENTIALS)
        return json.loads(urllib.request.urlopen(f"{base_url}/cgi-bin/token?{query}").read())["access_token"]

    first, _second = classic(), classic()
    assert not _api_ok(sim, first)


# ---- a rejected token: one refresh, one retry -------------------------------------------------------------------


@pytest.fixture
def shared(aws):
    from diancan import bootstrap
    from diancan.adapters.wechat_token_table import TableTokenCache

    settings = bootstrap.settings()
    return TableTokenCache(settings.table_name, settings.region)


def test_a_token_revoked_by_someone_elses_force_is_replaced_without_forcing(sim, base_url, clock, shared):
    tokens, messages = _container(base_url, clock, shared)
    assert messages.send(_message(1)).outcome == "sent"
    sim.stable_token({**CREDENTIALS, "force_refresh": True})  # another tool forced a refresh
    assert messages.send(_message(2)).outcome == "sent"
    assert sim.state()["forced_refreshes"] == 1  # the other tool's only
    assert shared.read(APPID).token == tokens.access_token()


def test_a_blocked_token_is_forced_once_for_all_containers(sim, base_url, clock, shared):
    containers = [_container(base_url, clock, shared) for _ in range(6)]
    for index, (_, messages) in enumerate(containers):
        assert messages.send(_message(index)).outcome == "sent"
    sim.revoke_stable_token()
    start = threading.Barrier(len(containers))

    def run(index: int) -> str:
        start.wait(timeout=30)
        try:
            return containers[index][1].send(_message(10 + index)).outcome
        except Exception as error:  # the one that could not claim the force: retried later
            return getattr(error, "code", repr(error))

    with ThreadPoolExecutor(max_workers=len(containers)) as pool:
        outcomes = list(pool.map(run, range(len(containers))))
    assert sim.state()["forced_refreshes"] == 1
    assert set(outcomes) <= {"sent", "WECHAT_TOKEN_REFRESHING"} and "sent" in outcomes
    assert all(messages.send(_message(20 + i)).outcome == "sent" for i, (_, messages) in enumerate(containers))


def test_forced_refreshes_keep_wechats_limits_across_containers(sim, base_url, clock, shared):
    from diancan.domain.errors import UpstreamUnavailable

    _, first = _container(base_url, clock, shared)
    _, second = _container(base_url, clock, shared)
    first.send(_message(1))
    sim.revoke_stable_token()
    assert first.send(_message(2)).outcome == "sent"  # forced
    clock.advance(10)
    sim.revoke_stable_token()
    with pytest.raises(UpstreamUnavailable) as deferred:  # within 30 s of the last force: not again
        second.send(_message(3))
    assert deferred.value.code == "WECHAT_TOKEN_REFRESHING" and sim.state()["forced_refreshes"] == 1
    for n in range(19):
        clock.advance(31)
        sim.revoke_stable_token()
        assert second.send(_message(10 + n)).outcome == "sent"
    assert sim.state()["forced_refreshes"] == 20
    clock.advance(31)
    sim.revoke_stable_token()
    with pytest.raises(UpstreamUnavailable):  # 20 today: no 21st
        first.send(_message(40))
    assert sim.state()["forced_refreshes"] == 20


def test_a_token_rejected_again_after_the_refresh_is_retried_later_never_looped(sim, base_url, clock, shared):
    from diancan.domain.errors import UpstreamUnavailable

    _, messages = _container(base_url, clock, shared)
    assert messages.send(_message(1)).outcome == "sent"
    sim.reject_every_token()
    with pytest.raises(UpstreamUnavailable) as failed:
        messages.send(_message(2))
    assert failed.value.code == "WECHAT_TOKEN_REJECTED"
    assert sim.state()["forced_refreshes"] == 1 and len(sim.messages()) == 1


@pytest.mark.parametrize("errcode", [40013, 40125, 40164, 40243])
def test_credential_failures_at_the_token_call_are_upstream_failures_with_a_metric(sim, base_url, clock, errcode):
    from diancan.adapters.wechat_messages import WeChatSubscribeMessages
    from diancan.adapters.wechat_token import StableAccessToken, WeChatCredentialsRejected

    counted: list[str] = []
    tokens = StableAccessToken(APPID, SECRET, base_url, 5.0, clock=clock, count=counted.append)
    sim.fail_next(errcode)
    with pytest.raises(WeChatCredentialsRejected) as failed:
        WeChatSubscribeMessages(tokens, base_url, 5.0).send(_message(1))
    assert (failed.value.status, failed.value.code, failed.value.details) == (
        503, "WECHAT_CREDENTIALS_REJECTED", {"errcode": errcode})
    assert counted == ["WeChatCredentialsRejected"]
