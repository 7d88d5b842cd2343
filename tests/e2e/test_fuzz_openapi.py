"""Schemathesis against the OpenAPI document of every HTTP function on the running local stack.

For each operation a bounded number of generated requests (valid and invalid, anonymous and signed in,
sometimes naming real stores, dishes and orders) must never get a 5xx, every 4xx must be the one error
format, and a refused request must write nothing: no successful DynamoDB, EventBridge or SQS write is
made while a request thread serves it (writes of the pump and scheduler threads are not counted).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs" / "openapi"
EXAMPLES_PER_OPERATION = 12
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "PutEvents",
          "SendMessage", "SendMessageBatch", "Publish"}
KNOWN = {"store_id": ["sh-jingan", "sh-xuhui"], "dish_id": ["d-hongshao", "d-cola"],
         "template_id": ["new-member", "../../etc/passwd"], "session_id": ["s-0000"], "line_id": ["1"]}
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=4),
                           max_leaves=12)


def operations() -> list[tuple[str, object]]:
    """Every operation but the console's own routes (tag ``console`` in admin.json: its pages and forms answer
    a browser's form post with a page, and its login counts a wrong password by design), which
    tests/e2e/test_fuzz_edges.py fuzzes with the console's own conventions."""
    found = []
    for document in sorted(DOCS.glob("*.json")):
        schema = schemathesis.openapi.from_dict(json.loads(document.read_text(encoding="utf-8")))
        found += [(document.stem, op) for op in (result.ok() for result in schema.get_all_operations())
                  if "console" not in (op.definition.raw.get("tags") or [])]
    return found


OPERATIONS = operations()


class WriteRecorder:
    """Successful AWS write calls made by the invocations of gateway request threads (werkzeug names them
    process_request_thread), as the stack's worker processes report them."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.calls: list[str] = []
        self._lock = threading.Lock()

    @contextmanager
    def installed(self) -> Iterator[WriteRecorder]:
        def recording(_function: str, calls: list[tuple[str, str, str]]) -> None:
            if "process_request" in threading.current_thread().name:
                with self._lock:
                    self.calls.extend(operation for _, operation, error in calls if operation in WRITES and not error)

        self.runtime.observers.append(recording)
        try:
            yield self
        finally:
            self.runtime.observers.remove(recording)

    def take(self) -> list[str]:
        with self._lock:
            calls, self.calls = self.calls, []
        return calls


def login(base_url: str, name: str) -> str:
    answer = requests.post(f"{base_url}/auth/login", json={"code": f"test-{name}.{uuid.uuid4().hex[:6]}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


@pytest.fixture(scope="module")
def fuzz_world(local_stack):
    """Two signed-in guests, guest A with one unpaid order whose id the fuzzer may use."""
    base = local_stack.base_url
    token_a, token_b = login(base, "fuzz-a"), login(base, "fuzz-b")
    placed = requests.post(f"{base}/place_order/orders", timeout=30,
                           headers={"Authorization": f"Bearer {token_a}", "Idempotency-Key": uuid.uuid4().hex},
                           json={"store_id": "sh-jingan", "mode": "takeout",
                                 "items": [{"dish_id": "d-cola", "qty": 1}]})
    known = dict(KNOWN, order_id=[placed.json()["order_id"]] if placed.status_code == 201 else [])
    # The stack's first call to a WeChat server API fetches the access token and keeps it in the table, a write
    # made once for every function: made here, so that a fuzzed request refused by WeChat writes nothing.
    refused = requests.post(f"{base}/orders/me/phone", json={"code": "warm-up"}, timeout=30,
                            headers={"Authorization": f"Bearer {token_a}"})
    assert refused.json()["code"] == "PHONE_CODE_INVALID", refused.text
    local_stack.pump.drain()
    return {"tokens": [None, token_a, token_b, "not-a-token"], "known": known}


def strategy_for(operation) -> st.SearchStrategy:
    modes = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE)]
    if operation.body or operation.query:
        modes.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    return st.one_of(modes)


@pytest.mark.parametrize(("function", "operation"), OPERATIONS,
                         ids=[f"{f}:{o.method.upper()} {o.path}" for f, o in OPERATIONS])
def test_generated_requests_never_fail_on_the_server_and_refusals_write_nothing(local_stack, fuzz_world,
                                                                                  function, operation):
    base_url = f"{local_stack.base_url}/{function}"
    recorder = WriteRecorder(local_stack.runtime)

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy_for(operation), token=st.sampled_from(fuzz_world["tokens"]), data=st.data())
    def exchange(case, token, data) -> None:
        for name in case.path_parameters or {}:
            choices = fuzz_world["known"].get(name)
            if choices and data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(choices))
        if not operation.body and case.method.upper() in ("POST", "PUT") and data.draw(st.booleans()):
            case.body = data.draw(JSON_VALUES)
        headers = {"Idempotency-Key": uuid.uuid4().hex} | ({"Authorization": f"Bearer {token}"} if token else {})
        recorder.take()
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        writes = recorder.take()  # the request's own: what its messages make the consumers do is not counted
        described = f"{case.method} {case.formatted_path} query={case.query} body={case.body!r}"
        assert response.status_code < 500, f"{described} → {response.status_code} {response.text}"
        if 400 <= response.status_code < 500:
            body = response.json()
            assert isinstance(body.get("code"), str) and isinstance(body.get("message"), str), (described, body)
            assert not writes, f"{described} was refused ({body['code']}) but wrote {writes}"

    with recorder.installed():
        exchange()
    local_stack.pump.drain()  # what the accepted requests queued is handled before the next test


def test_the_write_recorder_sees_the_writes_of_a_sign_in(local_stack):
    recorder = WriteRecorder(local_stack.runtime)
    with recorder.installed():
        login(local_stack.base_url, "fuzz-probe")
    assert recorder.take()
