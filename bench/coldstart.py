"""Cold start: the import time of each function's handler module in a fresh interpreter, as a ratio to
``import boto3`` alone in a fresh interpreter (median of several runs, measured in interleaved rounds; .pyc
files warmed first).

Second figure, for the guest-facing functions: the composition root builds adapters lazily, so a first
request still imports modules (botocore, pynamodb, wechatpayv3 …) the guest waits for. Which ones is found
by invoking the handler once in a subprocess with the still stack's environment; the figure is the time to
import the handler and then those modules, in a fresh interpreter like the first one."""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.world import Bench

ROOT = Path(__file__).resolve().parents[1]
LAYERS = [str(ROOT / "layers" / "shared" / "python")]
GUEST_FACING = ("auth", "menu", "place_order", "orders", "tables", "pay_notify")
TARGET = 1.5
RUNS = 15  # 7 left single handlers 0.3 × apart between runs on this machine
# The request of each guest-facing function whose first invocation is measured (bench.overhead's names).
FIRST_REQUEST = {"auth": "auth POST /login", "menu": "menu GET menu", "place_order": "place_order POST /orders",
                 "orders": "orders GET /orders/<id>", "tables": "tables POST /tables/sessions",
                 "pay_notify": "pay_notify POST /notify"}

_TIMED_IMPORT = """
import importlib.util, sys, time
started = time.perf_counter()
{body}
print(time.perf_counter() - started)
"""
_HANDLER = """spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))"""
# A few entries are put in sys.modules by an extension module, not found by a finder (cryptography's
# _openssl, Cython's _cython_3_3_0): tried again once the rest is loaded, then they must be there.
_THEN_MODULES = """
registered_by_others = []
for name in filter(None, sys.argv[2].split(",")):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        registered_by_others.append(name)
if [name for name in registered_by_others if name not in sys.modules]:
    raise SystemExit(f"not loaded: {registered_by_others}")"""
_HANDLER_THEN_MODULES = _HANDLER + _THEN_MODULES
_HANDLER_IMPORTED = "bench: handler imported"
# Import the handler, invoke it once with the event on stdin, print what the invocation added to sys.modules.
# The context is a plain class here: importing local.lambda_runtime first would preload modules (boto3 …).
_FIRST_INVOCATION = """
import gc, importlib.util, json, sys, time
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
event = json.loads(sys.stdin.read())

class Context:
    function_name = function_version = log_group_name = log_stream_name = sys.argv[3]
    invoked_function_arn = "arn:aws:lambda:ap-east-1:123456789012:function:" + sys.argv[3]
    memory_limit_in_mb, aws_request_id = "1024", "bench-first-request"

    def get_remaining_time_in_millis(self):
        return 6000

before = set(sys.modules)
started = time.perf_counter()
answer = getattr(module, sys.argv[2])(event, Context())
invoked = time.perf_counter() - started
loaded = sorted(name for name, value in sys.modules.items() if name not in before and value is not None)
# Counted after the request, from the live objects: importing botocore first would hide it from ``loaded``.
def made(kind):
    return sum(1 for o in gc.get_objects()
               if any(c.__name__ == kind and c.__module__.startswith("botocore.") for c in type(o).__mro__))
print()
print(json.dumps({"status": answer.get("statusCode"), "body": str(answer.get("body"))[:300], "modules": loaded,
                  "seconds": invoked, "sessions": made("Session"), "clients": made("BaseClient")}))
"""


@dataclass(frozen=True)
class ColdStart:
    function: str
    seconds: float
    boto3_seconds: float

    @property
    def ratio(self) -> float:
        return self.seconds / self.boto3_seconds

    @property
    def guest_facing(self) -> bool:
        return self.function in GUEST_FACING

    @property
    def verdict(self) -> str:
        if not self.guest_facing:
            return "(no target)"
        return "meets" if self.ratio <= TARGET else "above"


def lambda_environment() -> dict[str, str]:
    """What Lambda gives a function: its layers on the path, region, Powertools settings, every setting a
    deployment must set (diancan.settings has no defaults for them; nothing is called); no AWS endpoint."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {**keep, "PYTHONPATH": os.pathsep.join(LAYERS), "AWS_REGION": "ap-east-1",
            "AWS_DEFAULT_REGION": "ap-east-1", "POWERTOOLS_SERVICE_NAME": "diancan",
            "POWERTOOLS_METRICS_NAMESPACE": "diancan", "POWERTOOLS_TRACE_DISABLED": "true",
            "PYDANTIC_DISABLE_PLUGINS": "__all__",  # as serverless.yml sets it
            "DIANCAN_TABLE": "bench-main", "DIANCAN_BUS": "bench-bus", "DIANCAN_SECRET_PREFIX": "diancan/bench",
            "DIANCAN_REPORTS_BUCKET": "bench-reports", "DIANCAN_ANCHOR_BUCKET": "bench-anchors", "DIANCAN_PICTURES_BUCKET": "bench-pictures",
            "DIANCAN_ALERT_TOPIC_ARN": "",
            "DIANCAN_PUBLIC_BASE_URL": "http://127.0.0.1:9", "WECHAT_API_BASE": "http://127.0.0.1:9/wechat",
            "WECHATPAY_API_BASE": "http://127.0.0.1:9/wxpay", "FEIEYUN_API_BASE": "http://127.0.0.1:9/feieyun",
            "DADA_API_BASE": "http://127.0.0.1:9/dada"}


def timed_import(body: str, *args: str) -> float:
    code = _TIMED_IMPORT.format(body=body)
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                         env=lambda_environment(), cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def interleaved_medians(bodies: dict[str, tuple[str, ...]], runs: int) -> dict[str, float]:
    """Each body (a program and its arguments) timed ``runs`` times in fresh interpreters, in rounds that take
    every body once, and its median: a machine that gets busier or quieter during the measurement moves every
    figure alike, so ratios between them hold (timed one body after another, ``import boto3`` measured 145 and
    175 ms in two runs an hour apart, and a ratio moved by as much)."""
    for body, *args in bodies.values():
        timed_import(body, *args)  # compile .pyc once
    samples: dict[str, list[float]] = {name: [] for name in bodies}
    for _ in range(runs):
        for name, (body, *args) in bodies.items():
            samples[name].append(timed_import(body, *args))
    return {name: statistics.median(times) for name, times in samples.items()}


def functions() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))


# What every guest-facing function imports from the fixed stack (Powertools' logger, metrics and tracer, its
# function-URL resolver with validation, which brings pydantic; pynamodb, which brings botocore), before any
# code of ours: the floor of the first-request figure.
STACK_FLOOR = """from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver
from aws_lambda_powertools.event_handler.openapi.params import Body
import pynamodb.models"""


def _handler_file(function: str) -> str:
    return str(ROOT / "functions" / function / "handler.py")


def measure_all(invoked: dict[str, tuple[str, FirstInvocation]] | None = None,
                runs: int = RUNS) -> tuple[list[ColdStart], float, list[FirstRequest]]:
    """In the same interleaved rounds: ``import boto3``, the stack floor, every handler's import and, for each
    function in ``invoked``, its handler's import followed by every module its first invocation loaded (most
    are dependencies of another by then: each counts once). Fresh interpreters, plain
    ``lambda_environment()``. Returns the handlers' cold starts, the floor in seconds and the first requests."""
    bodies = {"boto3": ("import boto3",), "floor": (STACK_FLOOR,)}
    bodies |= {name: (_HANDLER, _handler_file(name)) for name in functions()}
    invoked = invoked or {}
    bodies |= {f"first {name}": (_HANDLER_THEN_MODULES, _handler_file(name), ",".join(first.modules))
               for name, (_, first) in invoked.items()}
    times = interleaved_medians(bodies, runs)
    boto3_alone = times["boto3"]
    cold = [ColdStart(name, times[name], boto3_alone) for name in functions()]
    first_requests = [FirstRequest(name, request, first, times[f"first {name}"], boto3_alone,
                                   by_package(import_profile(name, len(first.modules), first.modules), 6))
                      for name, (request, first) in invoked.items()]
    return cold, times["floor"], first_requests


def import_profile(function: str, top: int = 15, then_modules: Sequence[str] = ()) -> list[tuple[float, str]]:
    """The heaviest top-level imports (cumulative seconds) of one handler, from ``python -X importtime``; given
    ``then_modules``, those of importing them after the handler instead (the handler's own left out)."""
    body, args = _HANDLER, [_handler_file(function)]
    if then_modules:
        body += f"\nprint({_HANDLER_IMPORTED!r}, file=sys.stderr)" + _THEN_MODULES
        args.append(",".join(then_modules))
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", _TIMED_IMPORT.format(body=body), *args],
                         capture_output=True, text=True, check=True, env=lambda_environment(), cwd=ROOT)
    lines = out.stderr.splitlines()
    if then_modules:
        lines = lines[lines.index(_HANDLER_IMPORTED) + 1:]
    rows = []
    for line in lines:
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line.removeprefix("import time:").split("|")
            rows.append((int(cumulative) / 1e6, name.rstrip()))
    top_level = [(s, n.strip()) for s, n in rows if not n.startswith("   ")]
    return sorted(top_level, reverse=True)[:top]


@dataclass(frozen=True)
class FirstRequest:
    """Import of the handler plus the modules its first invocation with ``request`` loaded."""

    function: str
    request: str
    invocation: FirstInvocation  # the modules, time, sessions and clients of the first invocation
    seconds: float  # import of the handler and of the invocation's modules
    boto3_seconds: float
    heaviest: tuple[tuple[float, str], ...] = ()  # (cumulative seconds, top-level package) after the handler

    @property
    def modules(self) -> tuple[str, ...]:
        return self.invocation.modules

    @property
    def ratio(self) -> float:
        return self.seconds / self.boto3_seconds

    @property
    def verdict(self) -> str:
        """The target: what the guest waits for on a cold Lambda, imports included, ≤ TARGET × boto3."""
        return "meets" if self.ratio <= TARGET else "above"


def by_package(rows: list[tuple[float, str]], top: int) -> tuple[tuple[float, str], ...]:
    """Top-level import rows summed by their top-level package (each row includes what it pulled in)."""
    sums: dict[str, float] = {}
    for seconds, name in rows:
        sums[name.split(".")[0]] = sums.get(name.split(".")[0], 0.0) + seconds
    return tuple(sorted(((s, n) for n, s in sums.items()), reverse=True)[:top])


@dataclass(frozen=True)
class FirstInvocation:
    """One invocation of a freshly imported handler: the modules it loaded, its time (against the still
    stack's moto server, whose calls take milliseconds: the set-up is what differs between runs) and the
    botocore sessions and clients alive after it."""

    modules: tuple[str, ...]
    seconds: float
    sessions: int
    clients: int


def first_invocation(bench: Bench, function: str, event: dict) -> FirstInvocation:
    """Invoke a freshly imported handler once, in a subprocess that has the still stack's environment (the
    process environment the stack set for its functions: moto endpoint, table, secrets prefix, simulator
    URLs) and only the layers on the path, as Lambda has."""
    spec = bench.stack.runtime.specs[function]
    out = subprocess.run([sys.executable, "-c", _FIRST_INVOCATION, str(spec.handler_file), spec.handler_attr,
                          function], input=json.dumps(event), capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(LAYERS)}, cwd=ROOT, timeout=120)
    if out.returncode:
        raise RuntimeError(f"first {function} request failed: {out.stderr.strip()[-600:]}")
    found = json.loads(out.stdout.strip().splitlines()[-1])
    if not isinstance(found["status"], int) or found["status"] >= 400:
        raise RuntimeError(f"first {function} request answered {found['status']}: {found['body']}")
    return FirstInvocation(tuple(found["modules"]), found["seconds"], found["sessions"], found["clients"])


def first_invocations(bench: Bench, runs: int = 3) -> dict[str, tuple[str, FirstInvocation]]:
    """Per guest-facing function: its request and its first invocation (each of ``runs`` in a fresh process
    with a new event; the median time, the modules and counts of the first)."""
    from bench.overhead import guest_requests

    builders = {name: make for name, _, make in guest_requests(bench)}
    builders["tables POST /tables/sessions"] = lambda: bench.join_table_event("tina")
    found = {}
    for function, request in FIRST_REQUEST.items():
        tries = [first_invocation(bench, function, builders[request]()) for _ in range(runs)]
        found[function] = (request, dataclasses.replace(tries[0],
                                                        seconds=statistics.median(t.seconds for t in tries)))
    return found
