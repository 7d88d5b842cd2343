"""Secrets are cached for a while, not for the container's life: a rotated secret takes effect without a
redeploy, both for direct reads and for the components built from it (clock injected, no sleeps)."""

from __future__ import annotations

from functools import lru_cache

import pytest

from diancan import bootstrap
from diancan.adapters.secrets import SecretReader
from tests.conftest import TEST_SECRETS


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _store(clock: Clock, max_age: float = 300.0) -> SecretReader:
    settings = bootstrap.settings()
    return SecretReader(settings.secret_prefix, settings.region, max_age, clock=clock)


def _rotate(resources, name: str, **changes) -> None:
    resources.put_secrets({name: {**TEST_SECRETS[name], **changes}})


def test_a_rotated_secret_is_read_again_once_its_max_age_passed(aws):
    clock = Clock()
    store = _store(clock)
    assert store.get("feieyun")["ukey"] == TEST_SECRETS["feieyun"]["ukey"]
    _rotate(aws, "feieyun", ukey="ROTATED")
    clock.now += 299
    assert store.get("feieyun")["ukey"] == TEST_SECRETS["feieyun"]["ukey"]  # still fresh: no call
    clock.now += 2
    assert store.get("feieyun")["ukey"] == "ROTATED"


def test_refresh_stale_says_whether_a_secret_changed(aws):
    clock = Clock()
    store = _store(clock)
    store.get("dada")
    clock.now += 301
    assert store.refresh_stale() is False  # re-read, same value
    _rotate(aws, "dada", app_secret="rotated")
    assert store.refresh_stale() is False  # not stale yet: not re-read
    clock.now += 301
    assert store.refresh_stale() is True
    assert store.get("dada")["app_secret"] == "rotated"


def test_a_failed_re_read_keeps_the_cached_value_and_tries_again_later(aws, monkeypatch):
    clock = Clock()
    store = _store(clock)
    store.get("feieyun")
    clock.now += 301

    def unreachable(*args, **kwargs):
        raise TimeoutError("secrets manager unreachable")

    with monkeypatch.context() as patch:
        patch.setattr("diancan.adapters.secrets.client", unreachable)
        assert store.get("feieyun")["ukey"] == TEST_SECRETS["feieyun"]["ukey"]
    _rotate(aws, "feieyun", ukey="ROTATED")
    clock.now += 31
    assert store.get("feieyun")["ukey"] == "ROTATED"


def test_the_first_read_of_a_missing_secret_fails_loudly(aws):
    with pytest.raises(Exception, match=r"ResourceNotFound|can.t find"):
        _store(Clock()).get("no-such-secret")


def test_components_built_from_a_rotated_secret_are_built_again(aws, monkeypatch):
    clock = Clock()
    store = _store(clock)
    monkeypatch.setattr(bootstrap, "secrets", lru_cache(maxsize=1)(lambda: store))
    bootstrap.secrets()
    printer = bootstrap.printer()
    repository = bootstrap.repository()
    assert bootstrap.printer() is printer  # cached while nothing changed
    _rotate(aws, "feieyun", ukey="ROTATED")
    clock.now += 301
    rebuilt = bootstrap.printer()
    assert rebuilt is not printer and rebuilt._ukey == "ROTATED"
    assert bootstrap.repository() is not repository  # the whole graph, so no component mixes old and new
    assert bootstrap.printer() is rebuilt
