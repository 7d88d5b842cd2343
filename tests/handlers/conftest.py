"""The kitchen world the print_dispatch, cancel-ticket, kitchen-board and busy-mode tests share: one Feieyun
simulator served per test process (each test resets it and its clock), the demo chain with its stations."""

from __future__ import annotations

import time

import pytest

from local.serve import serving
from local.simulators.feieyun import create_app, demo_simulator
from tests.conftest import loaded_once


class ManualClock:
    """A simulator's clock, moved by the tests: no sleeping, no timed assertions."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def sim_clock():
    return ManualClock()


@pytest.fixture(scope="session")
def sim(sim_clock):
    simulator = demo_simulator()
    simulator._clock = sim_clock
    simulator.print_delay_seconds = 1.0
    return simulator


@pytest.fixture(scope="session")
def sim_server(sim):
    with serving(create_app(sim)) as server:
        yield server


@pytest.fixture
def kitchen(demo_chain, sim, sim_server, sim_clock, monkeypatch):
    """Demo chain + demo stations, a reset simulator, and the product pointed at it."""
    from diancan import bootstrap
    from local import demo_stations

    sim.reset()
    sim.print_delay_seconds = 1.0
    sim_clock.now = time.time()
    monkeypatch.setenv("FEIEYUN_API_BASE", sim_server.base_url)
    bootstrap.reset()
    loaded_once("demo stations", demo_stations.load, after="demo chain")
    return sim
