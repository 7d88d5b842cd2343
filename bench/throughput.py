"""Throughput of the local stack, its functions in worker processes (as Lambda) and, for comparison, all in
the stack's own process with function-URL invocations one at a time: N concurrent guests each place and pay orders over HTTP (gateway →
place_order → WeChat Pay simulator → its signed notification → pay_notify → bus → SQS → stock_decrement,
print_dispatch with the printer simulator, …); orders per second once every queue is drained, and the
time each function spent per order (the runtime's invocations, timed)."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from bench.world import restock
from local.stack import LocalStack
from local.workers import ProcessRuntime

ITEMS = [{"dish_id": "d-hongshao", "qty": 1}, {"dish_id": "d-cola", "qty": 1}]


@dataclass(frozen=True)
class Throughput:
    guests: int
    orders: int
    seconds: float
    stage_ms: dict[str, float]  # time inside each function (and the guest's own HTTP calls) per order
    drained: bool = True  # False: the queues were still busy at the deadline (orders/s is then an upper bound)
    failed: int = 0  # journeys refused or broken (HTTP error from place or pay)
    runtime: str = ""  # "1 process" (every function in the stack's process) or "N workers" per function
    start_seconds: float = 0.0  # the stack's start, demo data included, until /health answers 200

    @property
    def per_second(self) -> float:
        return self.orders / self.seconds


def _post(url: str, body: dict, headers: dict | None = None) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=60) as answer:
        raw = answer.read()
        return json.loads(raw) if raw else {}


class TimedRuntime:
    """Wraps the stack's ``runtime.invoke`` to add up the time each function spends."""

    def __init__(self, stack: LocalStack) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._invoke = stack.runtime.invoke
        stack.runtime.invoke = self.invoke

    def invoke(self, name: str, event):
        started = time.perf_counter()
        try:
            return self._invoke(name, event)
        finally:
            with self._lock:
                self.spent[name] += time.perf_counter() - started
                self.calls[name] += 1

    def reset(self) -> None:
        with self._lock:
            self.spent.clear()
            self.calls.clear()


def run(stack: LocalStack, timed: TimedRuntime, guests: int, orders_each: int) -> Throughput:
    base = stack.base_url
    tokens = [_post(f"{base}/auth/login", {"code": f"test-bench{guests}x{n}.{uuid.uuid4().hex[:6]}"})["token"]
              for n in range(guests)]
    stack.pump.drain(timeout=120)
    timed.reset()
    client_spent = defaultdict(float)
    lock = threading.Lock()

    failed = []

    def guest(token: str) -> None:
        for _ in range(orders_each):
            started = time.perf_counter()
            try:
                order = _post(f"{base}/place_order/orders", {"store_id": "sh-jingan", "mode": "takeout",
                                                             "items": ITEMS},
                              {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
                placed = time.perf_counter()
                _post(f"{base}/sim/wxpay/pay", {"prepay_id": order["pay_params"]["package"].removeprefix("prepay_id=")})
            except (urllib.error.URLError, KeyError) as error:
                failed.append(error)
                continue
            with lock:
                client_spent["guest: place (HTTP)"] += placed - started
                client_spent["guest: pay in simulator (HTTP)"] += time.perf_counter() - placed

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=guests) as pool:
        list(pool.map(guest, tokens))
    total = guests * orders_each - len(failed)
    deadline = time.monotonic() + 120
    while timed.calls["pay_notify"] < total and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        stack.pump.drain(timeout=120)
        drained = True
    except TimeoutError:
        drained = False
    seconds = time.perf_counter() - started
    stages = {**client_spent, **{f"fn: {name}": spent for name, spent in timed.spent.items()}}
    runtime = f"{stack.runtime.pool_size} workers" if isinstance(stack.runtime, ProcessRuntime) else "1 process"
    return Throughput(guests, total, seconds, {k: v * 1000 / total for k, v in sorted(stages.items())}, drained,
                      len(failed), runtime)


def measure_all(concurrency=(1, 4, 8), orders_each: int = 4, workers: int | None = None) -> list[Throughput]:
    """``workers``: the most worker processes per function (``None``: the stack's default; 0: every function
    in the stack's own process, function-URL invocations one at a time, as the one-process runtime does)."""
    started = time.perf_counter()
    with LocalStack(port=0, moto_port=0, with_demo_data=True, overrides={}, workers=workers, quiet=True) as stack:
        start_seconds = time.perf_counter() - started
        stack.simulators["dada"].step_seconds = None
        restock()
        timed = TimedRuntime(stack)
        with contextlib.redirect_stdout(io.StringIO()):  # the functions' log lines (all threads)
            run(stack, timed, 1, 2)  # warm every function once
            return [replace(run(stack, timed, n, orders_each), start_seconds=start_seconds) for n in concurrency]
