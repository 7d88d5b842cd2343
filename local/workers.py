"""Each function's invocations run in a small pool of worker processes, as Lambda runs concurrent requests in
separate execution environments.

Why processes: Powertools' HTTP resolvers keep the request being handled on a class attribute that every
resolver of a process shares (``BaseRouter.current_event``), and a handler module holds one set of clients
and caches: two invocations at once in one interpreter would read each other's request. One worker runs one
invocation at a time; concurrent requests of one function go to different workers, so they interleave
between their reads and their conditional writes the way concurrent Lambda environments do.

How: a *zygote* process (``python -m local.workers``) imports the heavy third-party modules once (boto3,
pynamodb, pydantic, Powertools) and forks a worker when the runtime asks for one, over a control socket
that carries the worker's end of a fresh socket pair. The worker sets the environment it was given, imports
its handler (cold, as Lambda does) and then answers invocations over its socket, one framed JSON message
each way. Workers start when a request needs one and no warm one is free (up to ``size`` per function) and
stay warm until the runtime stops; a worker that dies is replaced on the next request. A fork of a
single-threaded zygote is safe (the stack's own process has server threads, so it never forks itself).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from local.functions import FunctionSpec
from local.lambda_runtime import FunctionUnavailable, LambdaRuntime, MarshalError

logger = logging.getLogger(__name__)

DEFAULT_POOL_SIZE = 4
PRELOADED = (  # imported once in the zygote; every worker forks with them loaded (none reads settings)
    "boto3", "botocore.session", "botocore.client", "pynamodb.models", "pydantic", "requests",
    "aws_lambda_powertools", "aws_lambda_powertools.event_handler", "aws_lambda_powertools.logging",
    "aws_lambda_powertools.utilities.batch",
)
_ROOT = Path(__file__).resolve().parents[1]
Call = tuple[str, str, str]  # an AWS call of an invocation: service, operation, error code ("" if it succeeded)
CallObserver = Callable[[str, list[Call]], None]  # (function, the AWS calls of one of its invocations)


class FunctionError(Exception):
    """The handler raised (Lambda's ``errorType``/``errorMessage``), in its worker."""

    def __init__(self, error_type: str, message: str, trace: str = "") -> None:
        super().__init__(message)
        self.error_type = error_type
        self.trace = trace


class WorkerDied(Exception):
    """The worker process exited in the middle of an invocation (Lambda's ``Runtime.ExitError``)."""

    error_type = "Runtime.ExitError"


class Zygote:
    """The pre-loaded process workers are forked from; ``quiet`` sends the functions' output to /dev/null."""

    def __init__(self, *, quiet: bool = False) -> None:
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local.workers", "--control-fd", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], cwd=_ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL if quiet else None, stderr=subprocess.DEVNULL if quiet else None,
        )
        theirs.close()
        self._lock = threading.Lock()

    def fork(self, settings: dict[str, Any]) -> Connection:
        """A new worker for ``settings`` (handler, environment, path); its end of the socket."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self._lock:
                socket.send_fds(self._control, [json.dumps(settings).encode()], [theirs.fileno()])
        finally:
            theirs.close()
        return Connection(ours.detach())

    def stop(self) -> None:
        self._control.close()  # the zygote exits when its control socket closes; its workers when theirs do
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


@dataclass
class _Worker:
    connection: Connection
    pid: int


class WorkerPool:
    """Up to ``size`` warm workers of one function; ``invoke`` takes a free one, or forks one, or waits."""

    def __init__(self, spec: FunctionSpec, zygote: Zygote, size: int, environment: Mapping[str, str]) -> None:
        self.spec = spec
        self.size = size
        self._zygote = zygote
        self._environment = dict(environment)
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._starting = 0
        self._changed = threading.Condition()
        self._stopped = False
        self.observers: list[CallObserver] = []  # shared with the runtime's list

    @property
    def started(self) -> int:
        with self._changed:
            return len(self._all)

    def invoke(self, event: Any, context_fields: dict[str, Any]) -> Any:
        worker = self._take()
        healthy = False
        try:
            worker.connection.send_bytes(json.dumps({"event": event, "context": context_fields}).encode())
            answer = json.loads(worker.connection.recv_bytes())
            healthy = True
        except (EOFError, OSError) as error:
            raise WorkerDied(f"{self.spec.name}: worker {worker.pid} exited during the invocation") from error
        finally:
            self._give_back(worker, healthy)
        for observer in list(self.observers):
            observer(self.spec.name, [(service, operation, error) for service, operation, error in answer["calls"]])
        if "error" in answer:
            failure = answer["error"]
            raise FunctionError(failure["errorType"], failure["errorMessage"], failure.get("stackTrace", ""))
        if "marshal" in answer:
            raise MarshalError(answer["marshal"])
        return answer["result"]

    def _take(self) -> _Worker:
        with self._changed:
            while not self._idle and len(self._all) + self._starting >= self.size:
                self._changed.wait()
            if self._stopped:
                raise RuntimeError("the local runtime is stopped")
            if self._idle:
                return self._idle.pop()
            self._starting += 1
        try:
            worker = self._fork()
        finally:
            with self._changed:
                self._starting -= 1
                self._changed.notify()
        with self._changed:
            self._all.append(worker)
        return worker

    def _fork(self) -> _Worker:
        """A worker with its handler imported; ``FunctionUnavailable`` if it does not import (retried next time)."""
        connection = self._zygote.fork({
            "name": self.spec.name, "handler_file": str(self.spec.handler_file),
            "handler_attr": self.spec.handler_attr, "environment": self._environment, "path": sys.path,
        })
        try:
            hello = json.loads(connection.recv_bytes())
        except (EOFError, OSError) as error:
            connection.close()
            raise FunctionUnavailable(self.spec.name, "its worker exited while starting") from error
        if "unavailable" in hello:
            connection.close()
            raise FunctionUnavailable(self.spec.name, hello["unavailable"])
        return _Worker(connection, hello["pid"])

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        with self._changed:
            if healthy and not self._stopped:
                self._idle.append(worker)
            else:
                self._all.remove(worker)
                worker.connection.close()
            self._changed.notify()

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            for worker in self._idle:
                worker.connection.close()  # a busy worker's connection closes when its invocation returns
                self._all.remove(worker)
            self._idle.clear()
            self._changed.notify_all()


class ProcessRuntime(LambdaRuntime):
    """``LambdaRuntime`` whose ``invoke`` runs each function in its pool of worker processes.

    ``handler``/``context_for`` still load a handler in this process for callers that time a warm handler
    directly (the bench). ``pool_size`` is the most workers one function gets (its concurrency). Each
    ``observers`` callable is called, in the invoking thread, with the function's name and the AWS calls the
    invocation made (tests check that a refusal wrote nothing; the bench counts lost races).
    """

    def __init__(self, specs: dict[str, FunctionSpec], *, stack_name: str, region: str = "us-east-1",
                 pool_size: int = DEFAULT_POOL_SIZE, quiet: bool = False) -> None:
        super().__init__(specs, stack_name=stack_name, region=region)
        self.pool_size = pool_size
        self._quiet = quiet
        self._zygote: Zygote | None = None
        self._pools: dict[str, WorkerPool] = {}
        self._pools_lock = threading.Lock()
        self.observers: list[CallObserver] = []

    def start(self) -> ProcessRuntime:
        """Start the zygote now (it imports while the stack loads its data); workers start on demand."""
        with self._pools_lock:
            if self._zygote is None:
                self._zygote = Zygote(quiet=self._quiet)
        return self

    def pool(self, name: str) -> WorkerPool:
        spec = self.specs[name]
        self.start()
        with self._pools_lock:
            if name not in self._pools:
                assert self._zygote is not None
                self._pools[name] = WorkerPool(spec, self._zygote, self.pool_size, os.environ)
                self._pools[name].observers = self.observers
            return self._pools[name]

    def workers(self) -> dict[str, int]:
        """How many workers each function has started (for the developer page and tests)."""
        with self._pools_lock:
            return {name: pool.started for name, pool in sorted(self._pools.items())}

    def invoke(self, name: str, event: Any) -> Any:
        pool = self.pool(name)
        context = self.context_for(name)
        started = time.monotonic()
        try:
            return pool.invoke(event, _context_fields(context))
        finally:
            elapsed_ms = int((time.monotonic() - started) * 1000)
            if elapsed_ms > self.specs[name].timeout * 1000:
                logger.warning("invocation ran past the function's timeout",
                               extra={"function": name, "request_id": context.aws_request_id,
                                      "duration_ms": elapsed_ms})

    def stop(self) -> None:
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), {}
            zygote, self._zygote = self._zygote, None
        for pool in pools:
            pool.stop()
        if zygote is not None:
            zygote.stop()


_CONTEXT_FIELDS = ("function_name", "function_version", "invoked_function_arn", "memory_limit_in_mb",
                   "aws_request_id", "log_group_name", "log_stream_name", "timeout_seconds")


def _context_fields(context: Any) -> dict[str, Any]:
    return {name: getattr(context, name) for name in _CONTEXT_FIELDS}


# --- in the zygote and its workers -------------------------------------------------------------------------

def _zygote_main(control_fd: int) -> None:
    """Import the heavy modules, then fork a worker per request until the control socket closes."""
    import contextlib
    import importlib

    for module in PRELOADED:
        with contextlib.suppress(ImportError):  # one a later version dropped: workers import what they need
            importlib.import_module(module)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped as they exit
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the stack, which closes our sockets
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 1)
        except OSError:
            message, fds = b"", []
        if not message:
            os._exit(0)
        if os.fork() == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _serve(json.loads(message), Connection(fds[0]))
            os._exit(0)
        os.close(fds[0])


def _serve(settings: dict[str, Any], connection: Connection) -> None:
    """One worker: take on the function's environment, import its handler, answer invocations until EOF."""
    import traceback

    from local.lambda_runtime import LambdaContext, _load_handler

    os.environ.clear()
    os.environ.update(settings["environment"])
    sys.path[:] = settings["path"]
    spec = FunctionSpec(settings["name"], Path(settings["handler_file"]), settings["handler_attr"])
    try:
        handler = _load_handler(spec)
    except FunctionUnavailable as error:
        connection.send_bytes(json.dumps({"unavailable": error.detail}).encode())
        return
    calls = _record_calls()
    connection.send_bytes(json.dumps({"pid": os.getpid()}).encode())
    while True:
        try:
            request = json.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return
        context = LambdaContext(**request["context"])
        calls.clear()
        try:
            result = handler(request["event"], context)
        except Exception as error:
            answer: dict[str, Any] = {"error": {"errorType": type(error).__name__, "errorMessage": str(error),
                                                "stackTrace": traceback.format_exc()}}
        else:
            answer = {"result": result}
        answer["calls"] = calls
        sys.stdout.flush()
        try:
            payload = json.dumps(answer).encode()
        except (TypeError, ValueError) as error:
            payload = json.dumps({"marshal": f"Unable to marshal response: {error}", "calls": calls}).encode()
        connection.send_bytes(payload)


def _record_calls() -> list[list[str]]:
    """The AWS calls of this worker, appended to the list returned as (service, operation, error code or "")
    (every client: pynamodb's too)."""
    import botocore.client
    from botocore.exceptions import ClientError

    calls: list[list[str]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(client: Any, operation_name: str, api_params: Any) -> Any:
        service = client.meta.service_model.service_name
        try:
            answer = original(client, operation_name, api_params)
        except ClientError as error:
            calls.append([service, operation_name, error.response.get("Error", {}).get("Code", "?")])
            raise
        calls.append([service, operation_name, ""])
        return answer

    botocore.client.BaseClient._make_api_call = recording  # type: ignore[method-assign]
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description="the zygote of the local runtime's worker processes")
    parser.add_argument("--control-fd", type=int, required=True)
    _zygote_main(parser.parse_args().control_fd)


if __name__ == "__main__":
    main()
