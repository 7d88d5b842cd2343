"""moto in server mode on loopback, with requests serialised where they must be, so that conditional writes
are atomic.

Real DynamoDB applies a ConditionExpression or a TransactWriteItems atomically, and a read never sees a
transaction half applied; moto checks and writes in separate steps (an UpdateItem changes the stored item
attribute by attribute), so two threads can both pass a check. ``SerialisedApp`` therefore runs a DynamoDB
write alone: no other DynamoDB request, read or write, runs beside it. DynamoDB reads do not change moto's
state and run together. The other services (SQS, EventBridge — which delivers to SQS —, S3, Secrets Manager,
SNS) share no state with DynamoDB: their requests take turns on a lock of their own, except SQS
ReceiveMessage, whose long poll waits up to its WaitTimeSeconds inside moto and would hold every other
request back.

The server runs in a child process (``MotoServer``): moto's state is global to a process and
``moto.mock_aws`` resets it, so an in-process server would be wiped by any test that uses ``mock_aws`` in
the same pytest worker. Run ``python -m local.moto_server [--port N]`` to start one in the foreground.

moto backs up a TransactWriteItems by deep-copying the whole table once per item of the transaction, so
with the demo history every order and payment cost hundreds of milliseconds and, one request at a time,
the local stack did not scale with guests (docs/performance.md). The server here journals instead: the
items a transaction names are remembered before it runs and put back if it is cancelled — the same
all-or-nothing outcome, since no other DynamoDB request runs meanwhile (``journaled_transactions``).
"""

from __future__ import annotations

import argparse
import base64
import copy
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

READY_PREFIX = "MOTO_READY "
_UNLOCKED_TARGETS = {"AmazonSQS.ReceiveMessage"}
DYNAMODB_TARGET = "DynamoDB_20120810."
DYNAMODB_READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable", "ListTables",
                  "DescribeTimeToLive", "DescribeContinuousBackups", "ListTagsOfResource", "DescribeEndpoints"}


class ReadWriteLock:
    """Readers share it, a writer holds it alone; a waiting writer stops new readers (no writer starves)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._changed:
            while self._writing or self._writers_waiting:
                self._changed.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
                if not self._readers:
                    self._changed.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._changed:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._changed.wait()
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()


class SerialisedApp:
    """WSGI middleware: a DynamoDB write alone, DynamoDB reads together, the other services one at a time
    (SQS long polls beside everything). The response body is produced inside the lock."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.dynamodb = ReadWriteLock()
        self.others = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET") or ""
        if target in _UNLOCKED_TARGETS or _is_query_receive(environ):
            return self.app(environ, start_response)
        if target.startswith(DYNAMODB_TARGET):
            guard = self.dynamodb.reading if target.removeprefix(DYNAMODB_TARGET) in DYNAMODB_READS else (
                self.dynamodb.writing)
            with guard():
                return list(self.app(environ, start_response))
        with self.others:
            return list(self.app(environ, start_response))


def _is_query_receive(environ: dict[str, Any]) -> bool:
    """SQS's older query protocol names the action in the query string."""
    return "Action=ReceiveMessage" in environ.get("QUERY_STRING", "")


def journaled_transactions() -> None:
    """Make moto's TransactWriteItems roll back from a journal of the items it names, not a table copy.

    moto's own code still checks the conditions and applies the writes; only its backup is replaced (its
    ``copy.deepcopy`` of a ``Table`` returns the live table, so its own rollback changes nothing) and a
    cancelled transaction puts the named items back as they were. Only valid while no other DynamoDB request
    runs beside a transaction: ``SerialisedApp`` in the server, ``in_process_calls_one_at_a_time`` in-process
    (the tests: the table copies were a tenth of the main run's CPU).
    """
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    class _TableKeptLive:
        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    moto_transact = models.DynamoDBBackend.transact_write_items

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        journal = []
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op.get("Key") or {name: op["Item"][name] for name in (table.hash_key_attr, table.range_key_attr)
                                    if name and name in op.get("Item", {})}
            try:
                before = backend.get_item(op["TableName"], key)
            except Exception:  # an invalid key: moto's own validation answers it
                continue
            journal.append((op["TableName"], key, copy.deepcopy(before.to_json()["Attributes"]) if before else None))
        models.copy = _TableKeptLive
        try:
            moto_transact(backend, transact_items)
        except Exception:
            for table_name, key, attributes in reversed(journal):
                if attributes is None:
                    if backend.get_item(table_name, key) is not None:
                        backend.delete_item(table_name, key)
                else:
                    backend.put_item(table_name, attributes, overwrite=True)
            raise
        finally:
            models.copy = copy

    models.DynamoDBBackend.transact_write_items = transact_write_items


def in_process_calls_one_at_a_time() -> None:
    """Make moto in-process (``mock_aws``) serve one AWS call at a time, as the server does (``SerialisedApp``).

    In the tests, the simulators' callbacks reach the functions on the live gateway's threads while the test's
    own thread calls AWS too; moto's backends are plain dicts, so a query walking a table while another thread
    adds an item failed with "dictionary changed size during iteration" (a RuntimeError inside a
    transaction, seen once in 2,800 tests). Each call now runs alone, which also makes a conditional write
    atomic as in DynamoDB. SQS long polls are left out, as in the server: they wait inside moto.
    """
    from moto.core.botocore_stubber import BotocoreStubber

    one_at_a_time = threading.RLock()  # re-entered when a call makes another (EventBridge delivering to SQS)
    stub = BotocoreStubber.process_request

    def process_request(stubber: Any, request: Any) -> Any:
        target = request.headers.get("X-Amz-Target") or b""
        target = target.decode() if isinstance(target, bytes) else target
        if target in _UNLOCKED_TARGETS or "Action=ReceiveMessage" in str(request.body or ""):
            return stub(stubber, request)
        with one_at_a_time:
            return stub(stubber, request)

    BotocoreStubber.process_request = process_request


def keys_sorted_once() -> None:
    """Make moto sort a table's items on each item's key values, converted once.

    moto sorts every item of a table by its keys for each query of an index and each scan, comparing its
    ``DynamoType`` objects, whose every comparison converts both values again (``cast_value``): with the demo
    chain's few hundred items that sort was a sixth of a handler test's time. The same order: a table's key
    attributes each have one type, so comparing the converted values is comparing the ``DynamoType``s.
    """
    from moto.dynamodb.models.table import Table

    def all_items(table: Table) -> list[Any]:
        items = [item for hash_set in table.items.values()
                 for item in (hash_set.values() if table.range_key_attr else (hash_set,))]
        return sorted(items, key=lambda x: (x.hash_key.cast_value, x.range_key.cast_value) if x.range_key
                      else x.hash_key.cast_value)

    Table.all_items = all_items


def item_results_as_json() -> None:
    """Make moto answer DynamoDB's item operations with their result as JSON, not through its model serializer.

    moto 5.2 serializes every answer by walking it against botocore's output shape (an alias lookup per
    attribute of every item): a third of a handler test's time went there. An item operation's result is
    already the JSON-protocol document (``DynamoResult`` holds AttributeValue maps of plain strings, numbers,
    lists and maps; binary values are bytes, written in base64), so it is dumped as it is, less the fields the output shape does not have (as the
    serializer leaves them out), with the serializer's headers. Errors, the control plane
    (tables, TTL, backups) and anything that is not a plain mapping still go through moto's serializer.
    ``DIANCAN_MOTO_CHECK_JSON=1`` serializes both ways and fails on any difference (run the suite with it
    after a moto upgrade).
    """
    import json

    from moto.dynamodb.responses import DynamoResult

    # moto's own serializer, also when this runs again (a test re-applies it in check mode)
    model_serialized = getattr(DynamoResult.execute_result, "model_serialized", DynamoResult.execute_result)
    check = os.environ.get("DIANCAN_MOTO_CHECK_JSON") == "1"

    def execute_result(result: Any, context: Any) -> Any:
        if context.operation_model.name not in ITEM_OPERATIONS or not isinstance(result.result, dict):
            return model_serialized(result, context)
        members = context.operation_model.output_shape.members
        document = {key: value for key, value in result.result.items() if key in members}
        answer = (200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(document, default=_blob_as_base64))
        if check:
            expected = model_serialized(result, context)
            if (expected[0], expected[1], json.loads(expected[2])) != (answer[0], answer[1], json.loads(answer[2])):
                raise AssertionError(f"moto's serializer and the JSON differ: {expected!r} != {answer!r}")
        return answer

    execute_result.model_serialized = model_serialized  # type: ignore[attr-defined]
    DynamoResult.execute_result = execute_result


def _blob_as_base64(value: Any) -> str:
    """A binary attribute (``B``, ``BS``) as the JSON protocol carries it."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON")


ITEM_OPERATIONS = frozenset({"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                             "BatchWriteItem", "TransactGetItems", "TransactWriteItems"})


def actions_listed_once() -> None:
    """Make moto list a response class's action methods once, not on each request: it walked the class with
    ``inspect.getmembers`` for every call (1 % of the main test run). A class's methods do not change."""
    from moto.core import responses

    listed = responses.method_names_from_class
    responses.method_names_from_class = lru_cache(maxsize=None)(lambda clazz: frozenset(listed(clazz)))


def same_answers_faster() -> None:
    """Every change above that makes moto faster without changing an answer, where its calls run one at a time
    (the server's ``SerialisedApp``; ``in_process_calls_one_at_a_time`` in the tests)."""
    journaled_transactions()
    keys_sorted_once()
    item_results_as_json()
    actions_listed_once()


def serve_forever(port: int, host: str = "127.0.0.1") -> None:
    """Run the serialised moto server in this process (blocking); print the ready line with the port."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    same_answers_faster()
    app = SerialisedApp(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"{READY_PREFIX}{server.server_address[1]}", flush=True)
    server.serve_forever()


class MotoServer:
    """A serialised moto server in a child process. ``port=None`` → ``MOTO_PORT`` or a free port."""

    def __init__(self, port: int | None = None) -> None:
        self.requested_port = port if port is not None else int(os.environ.get("MOTO_PORT", "0"))
        self._process: subprocess.Popen[str] | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the moto server is not started")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local.moto_server", "--port", str(self.requested_port), "--watch-stdin"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith(READY_PREFIX):
            self.stop()
            raise RuntimeError(f"moto server did not start (port {self.requested_port}): {line!r}")
        self.port = int(line.removeprefix(READY_PREFIX))
        return self

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.stdin:
            self._process.stdin.close()  # the child exits when its stdin closes
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()
        self._process = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _exit_when_stdin_closes() -> None:
    """The parent holds our stdin; when it goes away (even killed), so do we."""
    sys.stdin.read()
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("MOTO_PORT", "0")))
    parser.add_argument(
        "--watch-stdin", action="store_true", help="exit when stdin closes (used by MotoServer)"
    )
    arguments = parser.parse_args()
    if arguments.watch_stdin:
        threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    serve_forever(arguments.port)


if __name__ == "__main__":
    main()
