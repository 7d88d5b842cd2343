"""The local runtime runs each function in a pool of worker processes, as Lambda runs concurrent requests in
separate execution environments: requests of one function really run at once, each sees only its own
request (Powertools keeps it on a class attribute), and a worker that dies or will not import is reported
the way Lambda reports it."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from local.functions import FunctionSpec
from local.gateway import Gateway
from local.serve import serving
from local.workers import ProcessRuntime

pytestmark = pytest.mark.handlers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ECHO = FunctionSpec("echo", FIXTURES / "echo_function" / "handler.py", "handler", has_url=True, timeout=7,
                    memory_size=256)
RESOLVER = FunctionSpec("resolver", FIXTURES / "resolver_function" / "handler.py", "handler", has_url=True)
MISSING = FunctionSpec("missing", FIXTURES / "no_such_function" / "handler.py", "handler", has_url=True)
POOL = 4


@pytest.fixture(scope="module")
def workers():
    runtime = ProcessRuntime({s.name: s for s in (ECHO, RESOLVER, MISSING)}, stack_name="diancan-test",
                             pool_size=POOL, quiet=True).start()
    try:
        with serving(Gateway(runtime)) as server:
            yield runtime, server.base_url
    finally:
        runtime.stop()


def _meet(base: str, place: Path, tags: list[str], n: int) -> list[dict]:
    def one(tag: str) -> dict:
        answer = requests.post(f"{base}/resolver/meet", json={"dir": str(place), "n": n, "tag": tag}, timeout=120)
        assert answer.status_code == 200, answer.text
        return answer.json()

    with ThreadPoolExecutor(len(tags)) as pool:
        return list(pool.map(one, tags))


def test_concurrent_requests_of_one_function_run_at_once_each_with_its_own_request(workers, tmp_path):
    runtime, base = workers
    tags = [f"guest-{n}" for n in range(POOL)]
    answers = _meet(base, tmp_path, tags, n=POOL)
    assert all(a["met"] for a in answers), answers  # all four were in flight together
    assert [a["tag"] for a in answers] == tags  # none read another's request
    assert len({a["pid"] for a in answers}) == POOL and os.getpid() not in {a["pid"] for a in answers}
    assert runtime.workers()["resolver"] == POOL


def test_workers_stay_warm_and_a_function_never_gets_more_than_its_pool(workers, tmp_path):
    runtime, base = workers
    first = {a["pid"] for a in _meet(base, tmp_path, [f"a-{n}" for n in range(POOL)], n=POOL)}
    (tmp_path / "again").mkdir()
    again = _meet(base, tmp_path / "again", [f"b-{n}" for n in range(2 * POOL)], n=1)
    assert {a["pid"] for a in again} <= first  # eight requests, served by the four warm workers
    assert runtime.workers()["resolver"] == POOL


def test_the_worker_gets_the_functions_context(workers):
    _, base = workers
    seen = requests.get(f"{base}/echo/anything", timeout=60).json()
    assert seen["context"]["function_name"] == "diancan-test-echo"
    assert seen["context"]["memory_limit_in_mb"] == "256"
    assert 0 < seen["remaining_ms"] <= 7000


def test_a_handler_that_raises_answers_502_with_its_error_type(workers):
    _, base = workers
    answer = requests.get(f"{base}/echo/raise", timeout=60)
    assert answer.status_code == 502
    assert answer.json() == {"code": "FUNCTION_ERROR", "errorType": "RuntimeError", "errorMessage": "boom"}


def test_a_worker_that_dies_mid_request_answers_502_and_is_replaced(workers, tmp_path):
    runtime, base = workers
    died = requests.post(f"{base}/resolver/exit", json={}, timeout=60)
    assert died.status_code == 502 and died.json()["errorType"] == "Runtime.ExitError"
    [answer] = _meet(base, tmp_path, ["after"], n=1)
    assert answer["tag"] == "after" and runtime.workers()["resolver"] <= POOL


def test_a_function_that_does_not_import_answers_503_and_is_tried_again_next_time(workers):
    runtime, base = workers
    for _ in range(2):
        answer = requests.get(f"{base}/missing/", timeout=60)
        assert answer.status_code == 503 and "does not exist" in answer.json()["message"]
    assert runtime.workers()["missing"] == 0
