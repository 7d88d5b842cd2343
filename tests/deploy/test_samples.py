"""Every function named in serverless.yml has a handler that imports and answers its sample events."""

from __future__ import annotations

import pytest

from local.functions import load_functions
from tests.deploy.samples import run_samples, sample_names

pytestmark = pytest.mark.handlers

FUNCTIONS = sorted(load_functions())


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_function_has_a_handler_file_and_sample_events(function):
    spec = load_functions()[function]
    assert spec.handler_file.is_file(), f"serverless.yml names {spec.handler_file}, which does not exist"
    assert sample_names(function), f"add a sample event of {function} under events/{function}/"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_handler_answers_every_sample_event_and_its_replay(function, demo_chain, monkeypatch, simulators):
    if not sample_names(function):
        pytest.fail(f"no sample event under events/{function}/")
    assert run_samples(function, demo_chain, monkeypatch, simulators).unanswered == []
