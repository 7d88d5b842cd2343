"""Run Lambda handlers in this process, the way the Python runtime would call them.

Every handler file is called ``handler.py``, so each is loaded from its path under a module name of its
own (``diancan_fn_<function>``). A handler that fails to import is reported as unavailable (and retried
on the next call) instead of stopping the stack.

All local functions share one process environment, so ``AWS_LAMBDA_FUNCTION_NAME`` and friends cannot be
set per function: the function's identity is on the ``LambdaContext`` (``context.function_name`` is
``<stack>-<function>``, as Serverless names deployed functions). Powertools reads only the shared
``POWERTOOLS_*`` variables; its idempotency keys still differ per function because they include the
handler's module name, which is unique here.

Lambda also runs one invocation at a time per execution environment, and environments share no memory.
Powertools' HTTP resolvers keep the request being handled on a class attribute that every resolver shares
(``BaseRouter.current_event``), so two function-URL invocations running at once in this process would read
each other's request (another guest's token or body). Function-URL invocations therefore take turns
(``URL_INVOCATIONS``); SQS consumers and schedules still run alongside them.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.functions import FunctionSpec
from local.infra import LOCAL_ACCOUNT_ID

logger = logging.getLogger(__name__)
URL_INVOCATIONS = threading.RLock()  # one function-URL invocation at a time in this process (see above)


class FunctionUnavailable(Exception):
    """The handler module could not be imported (or has no such attribute); ``detail`` says why."""

    def __init__(self, function_name: str, detail: str) -> None:
        super().__init__(f"{function_name}: {detail}")
        self.function_name = function_name
        self.detail = detail


class MarshalError(Exception):
    """The handler returned something Lambda could not serialise to JSON (``Runtime.MarshalError``)."""


@dataclass
class LambdaContext:
    """The attributes and method of the Python runtime's context object (memory is a string there too)."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    timeout_seconds: int
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def log(self, message: str) -> None:
        sys.stdout.write(message)


class LambdaRuntime:
    """Loads and invokes the handlers of the given functions (``specs`` may include test-only ones)."""

    def __init__(self, specs: dict[str, FunctionSpec], *, stack_name: str, region: str = "us-east-1") -> None:
        self.specs = dict(specs)
        self.stack_name = stack_name
        self.region = region
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self._lock = threading.Lock()
        self._log_streams = {name: _log_stream_name() for name in self.specs}

    def handler(self, name: str) -> Callable[[Any, Any], Any]:
        """The loaded handler; raises ``KeyError`` for an unknown function, ``FunctionUnavailable`` if it won't load."""
        spec = self.specs[name]
        with self._lock:
            if name not in self._handlers:
                self._handlers[name] = _load_handler(spec)
            return self._handlers[name]

    def context_for(self, name: str) -> LambdaContext:
        spec = self.specs[name]
        function_name = f"{self.stack_name}-{spec.name}"
        return LambdaContext(
            function_name=function_name,
            function_version="$LATEST",
            invoked_function_arn=f"arn:aws:lambda:{self.region}:{LOCAL_ACCOUNT_ID}:function:{function_name}",
            memory_limit_in_mb=str(spec.memory_size),
            aws_request_id=str(uuid.uuid4()),
            log_group_name=f"/aws/lambda/{function_name}",
            log_stream_name=self._log_streams[name],
            timeout_seconds=spec.timeout,
        )

    def invoke(self, name: str, event: Any) -> Any:
        """Call the handler with a JSON copy of the event and return its JSON-round-tripped answer.

        Exceptions from the handler propagate (as a Lambda invocation error would); an answer that is not
        JSON-serialisable raises ``MarshalError``. Lambda's timeout cannot stop a thread: overruns are logged.
        """
        handler = self.handler(name)
        context = self.context_for(name)
        started = time.monotonic()
        try:
            with URL_INVOCATIONS if self.specs[name].has_url else nullcontext():
                result = handler(json.loads(json.dumps(event)), context)
        finally:
            elapsed_ms = int((time.monotonic() - started) * 1000)
            log_extra = {"function": name, "request_id": context.aws_request_id, "duration_ms": elapsed_ms}
            if elapsed_ms > self.specs[name].timeout * 1000:
                logger.warning("invocation ran past the function's timeout", extra=log_extra)
            else:
                logger.debug("invoked", extra=log_extra)
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as error:
            raise MarshalError(f"Unable to marshal response: {error}") from error


def _load_handler(spec: FunctionSpec) -> Callable[[Any, Any], Any]:
    module_name = f"diancan_fn_{spec.name}"
    if not spec.handler_file.is_file():
        raise FunctionUnavailable(spec.name, f"handler file {spec.handler_file} does not exist")
    try:
        module_spec = importlib.util.spec_from_file_location(module_name, spec.handler_file)
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[module_name] = module
        module_spec.loader.exec_module(module)
    except Exception as error:
        sys.modules.pop(module_name, None)
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        logger.warning("handler failed to import", extra={"function": spec.name, "error": detail})
        raise FunctionUnavailable(spec.name, detail) from error
    handler = getattr(module, spec.handler_attr, None)
    if not callable(handler):
        raise FunctionUnavailable(spec.name, f"{spec.handler_file} has no callable {spec.handler_attr!r}")
    return handler


def _log_stream_name() -> str:
    return f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
