"""The local stack: moto (server mode), the resources of infra/*.yml, secrets, the gateway, the queue pump,
the scheduler, the simulators and demo data. ``python -m local.stack`` (``make dev``) runs it until Ctrl-C;
tests use ``LocalStack(port=0)`` as a context manager. Settings and overrides: see ``local.world``.

Functions run as Lambda runs them, each concurrent request in its own execution environment: a pool of up to
``DIANCAN_LOCAL_WORKERS`` (default 4) worker processes per function (``local.workers``), started when a
request needs one and kept warm. ``DIANCAN_LOCAL_WORKERS=0`` runs every function in the stack's own process
instead, function-URL invocations one at a time (to step through a handler in a debugger)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from local.functions import (
    FunctionSpec,
    layer_python_paths,
    load_functions,
    static_environment,
    websocket_routes,
)
from local.gateway import Gateway
from local.infra import StackResources, create_stack
from local.lambda_runtime import LambdaRuntime
from local.moto_server import MotoServer
from local.pump import Pump
from local.scheduler import Scheduler
from local.serve import BackgroundServer
from local.websocket import MANAGEMENT_PREFIX, Connections, ConnectionsApi, WebSocketApi
from local.workers import DEFAULT_POOL_SIZE, ProcessRuntime
from local.world import DEFAULT_REGION, DEFAULT_STACK_NAME, World, build_world, function_environment

logger = logging.getLogger(__name__)

FAKE_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


class LocalStack:
    """Everything of the local stack in this process (moto runs in a child process).

    ``port=None`` → ``PORT`` or 8000; ``moto_port=None`` → ``MOTO_PORT`` or a free port; ``ws_port=None`` →
    ``WS_PORT`` or ``port + 1`` (the WebSocket API, ``ws_url``; a free one when ``port`` is 0); 0 = a free port.
    ``with_demo_data=None`` → the demo chain unless ``DIANCAN_DEMO=off`` (an empty start: no stores, staff
    or dishes; create the first owner with ``python -m tools.ops first-owner``). ``extra_functions`` adds functions that are not in serverless.yml (test fixtures). ``overrides`` is the
    environment the settings of ``local.world`` are read from (default ``os.environ``; tests pass ``{}`` so
    that their own process environment does not leak into the stack). ``workers=None`` → ``DIANCAN_LOCAL_WORKERS``
    or 4 worker processes per function at most, 0 → in this process (see above); ``quiet`` sends the
    functions' own output (their log lines) to /dev/null.
    """

    def __init__(
        self,
        port: int | None = None,
        moto_port: int | None = None,
        with_demo_data: bool | None = None,
        ws_port: int | None = None,
        *,
        extra_functions: Iterable[FunctionSpec] = (),
        retry_backoff_seconds: int | None = None,
        overrides: Mapping[str, str] | None = None,
        workers: int | None = None,
        quiet: bool = False,
    ) -> None:
        self.requested_port = port if port is not None else int(os.environ.get("PORT", "8000"))
        self.requested_moto_port = moto_port
        if ws_port is None:
            ws_port = int(os.environ["WS_PORT"]) if os.environ.get("WS_PORT") else (
                self.requested_port + 1 if self.requested_port else 0)
        self.requested_ws_port = ws_port
        self.websocket: WebSocketApi | None = None
        self.with_demo_data = with_demo_data
        self.extra_functions = list(extra_functions)
        self.retry_backoff_seconds = retry_backoff_seconds
        self.overrides = overrides
        self.requested_workers = workers
        self.quiet = quiet
        self.moto: MotoServer | None = None
        self.server: BackgroundServer | None = None
        self.resources: StackResources
        self.world: World
        self.runtime: LambdaRuntime
        self.gateway: Gateway
        self.pump: Pump
        self.scheduler: Scheduler
        self.aws_endpoint_url = ""
        self._saved_environment: dict[str, str | None] = {}

    @property
    def base_url(self) -> str:
        if self.server is None:
            raise RuntimeError("the local stack is not started")
        return self.server.base_url

    @property
    def ws_url(self) -> str:
        """The WebSocket API clients connect to (``?token=`` a guest's, ``?ticket=`` a console page's push ticket)."""
        if self.websocket is None:
            raise RuntimeError("the local stack is not started")
        return self.websocket.url

    @property
    def simulators(self) -> dict[str, Any]:
        return self.world.simulators

    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        _put_layers_on_path()
        environ = dict(os.environ if self.overrides is None else self.overrides)
        stack_name = environ.get("DIANCAN_STACK", DEFAULT_STACK_NAME)
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self._set_environment({name: environ.get(name, "testing") for name in FAKE_CREDENTIALS})
        specs = load_functions()
        specs.update({spec.name: spec for spec in self.extra_functions})
        workers = self.requested_workers
        if workers is None:
            workers = int(environ.get("DIANCAN_LOCAL_WORKERS", str(DEFAULT_POOL_SIZE)))
        if workers > 0:  # the zygote imports its modules while moto starts and the demo data loads
            self.runtime = ProcessRuntime(specs, stack_name=stack_name, region=region, pool_size=workers,
                                          quiet=self.quiet).start()
        else:
            self.runtime = LambdaRuntime(specs, stack_name=stack_name, region=region)
        self.aws_endpoint_url = environ.get("AWS_ENDPOINT_URL", "")
        if not self.aws_endpoint_url:
            self.moto = MotoServer(self.requested_moto_port).start()
            self.aws_endpoint_url = self.moto.url
        self.resources = create_stack(stack_name, endpoint_url=self.aws_endpoint_url, region=region)
        self.world = build_world(environ)
        self.resources.put_secrets(self.world.product_secrets)

        connections = Connections()
        self.gateway = Gateway(self.runtime, simulators=self.world.apps, dev_links=self.world.dev_links,
                               mounts={MANAGEMENT_PREFIX: ConnectionsApi(connections)})
        self.server = BackgroundServer(self.gateway, self.requested_port).start()
        self.websocket = WebSocketApi(self.runtime, websocket_routes(specs), connections, port=self.requested_ws_port,
                                      region=region).start()

        self._set_environment(
            function_environment(
                self.world,
                self.resources,
                gateway_url=self.server.base_url,
                aws_endpoint_url=self.aws_endpoint_url,
                from_serverless=static_environment(specs),
                environ=environ,
            )
        )
        if "DIANCAN_PUSH_URL" not in environ:  # the console's live pages connect here
            self._set_environment({"DIANCAN_PUSH_URL": self.websocket.url})
        _reset_product_caches()
        if self.with_demo_data is None:
            self.with_demo_data = demo_wanted(environ)
        if self.with_demo_data:
            from local.demo_data import load_all

            load_all()

        backoff = self.retry_backoff_seconds
        if backoff is None:
            backoff = int(environ.get("DIANCAN_PUMP_RETRY_SECONDS", "1"))
        self.pump = Pump(self.runtime, self.resources, retry_backoff_seconds=backoff).start()
        self.scheduler = Scheduler(self.runtime).start()
        self.gateway.queues, self.gateway.schedules = self.pump, self.scheduler
        self.gateway.mark_ready()

    def stop(self) -> None:
        """Stop every part that was started (in reverse order) and restore the environment."""
        for part in ("scheduler", "pump"):
            if hasattr(self, part):
                getattr(self, part).stop()
        if self.websocket is not None:
            self.websocket.stop()
            self.websocket = None
        if self.server is not None:
            self.server.stop()
        if isinstance(getattr(self, "runtime", None), ProcessRuntime):
            self.runtime.stop()
        if self.moto is not None:
            self.moto.stop()
        for name, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_environment.clear()
        _reset_product_caches()

    def _set_environment(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            self._saved_environment.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def urls(self) -> list[tuple[str, str]]:
        """(what, URL) for the console banner."""
        listed = [("health", f"{self.base_url}/health"), ("developer page", f"{self.base_url}/dev/")]
        listed += [
            (f"function {n}", f"{self.base_url}/{n}/")
            for n, s in sorted(self.runtime.specs.items())
            if s.has_url
        ]
        listed += [(f"simulator {name}", f"{self.base_url}/sim/{name}/") for name in sorted(self.world.apps)]
        listed.append(("WebSocket API (wsBase)", self.ws_url))
        listed.append(("AWS endpoint (moto)", self.aws_endpoint_url))
        return listed

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def demo_wanted(environ: Mapping[str, str]) -> bool:
    """``DIANCAN_DEMO`` off/0/false/no → start empty; anything else (or unset) → the demo chain."""
    return environ.get("DIANCAN_DEMO", "on").strip().lower() not in ("off", "0", "false", "no")


def _put_layers_on_path() -> None:
    """Lambda puts each layer's python/ folder on the path; so does the local stack (once)."""
    for path in map(str, layer_python_paths()):
        if path not in sys.path:
            sys.path.insert(0, path)


def _reset_product_caches() -> None:
    """Functions build settings and clients once per container; a new environment means new ones. The
    record classes read the table name when first imported (maybe by a test, under another environment),
    so they are re-pointed too: ``bootstrap.reset`` does both."""
    from diancan import bootstrap

    bootstrap.reset()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("botocore", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stopping = threading.Event()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # SIGINT explicitly: it is ignored in background jobs
        signal.signal(stop_signal, lambda *_: stopping.set())
    with LocalStack() as stack:
        print(f"diancan local stack '{stack.resources.stack_name}' is up:", flush=True)
        for what, url in stack.urls():
            print(f"  {what:<24} {url}", flush=True)
        print("Ctrl-C to stop.", flush=True)
        while not stopping.wait(1):  # a timed wait, so the signal handler runs promptly
            pass
    print("stopped.", flush=True)


if __name__ == "__main__":
    main()
