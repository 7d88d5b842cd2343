"""Overhead ratio of the guest-facing handlers: a warm handler's time with a real function-URL event,
divided by the time spent inside the outside calls it made (botocore to the same moto server, and the
HTTP calls to the WeChat / WeChat Pay simulators), both measured in the same invocation. Median of many."""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.calls import recorded_calls
from bench.world import Bench, http_event

TARGET = 1.5
_codes = itertools.count(1)


@dataclass(frozen=True)
class Overhead:
    handler: str
    handler_ms: float
    calls_ms: float
    calls: int
    iterations: int

    @property
    def ratio(self) -> float:
        return self.handler_ms / self.calls_ms

    @property
    def verdict(self) -> str:
        return "meets" if self.ratio <= TARGET else "above"


def measure(bench: Bench, handler: str, function: str, make_event: Callable[[], dict], iterations: int) -> Overhead:
    for _ in range(3):  # warm container: imports, clients, secrets, first-use caches
        bench.invoke(function, make_event())
    totals, inside, counts = [], [], []
    for _ in range(iterations):
        event = make_event()
        with recorded_calls() as log:
            started = time.perf_counter()
            answer = bench.invoke(function, event)
            totals.append(time.perf_counter() - started)
        if answer["statusCode"] >= 400:
            raise RuntimeError(f"{handler}: {answer['statusCode']} {answer.get('body')}")
        inside.append(log.seconds())
        counts.append(len(log))
    return Overhead(handler, statistics.median(totals) * 1000, statistics.median(inside) * 1000,
                    round(statistics.median(counts)), iterations)


def guest_requests(bench: Bench) -> list[tuple[str, str, Callable[[], dict]]]:
    """(name, function, event builder) of the guest requests measured here (bench.coldstart reuses them)."""
    bearer = {"authorization": f"Bearer {bench.token('olivia')}"}
    order = bench.place("olivia")
    read = http_event("orders/get_order", path=f"/orders/{order['order_id']}", headers=bearer)

    def login() -> dict:
        return http_event("auth/post_login", body={"code": f"test-guest{next(_codes)}.{time.monotonic_ns()}"})

    def paid_notification() -> dict:
        return bench.pay(bench.place("olivia"))

    return [
        ("auth POST /login", "auth", login),
        ("menu GET menu", "menu", lambda: http_event("menu/get_menu")),
        ("place_order POST /quote", "place_order", lambda: http_event("place_order/post_quote")),
        ("place_order POST /orders", "place_order", lambda: bench.place_event("olivia")),
        ("orders GET /orders/<id>", "orders", lambda: read),
        ("pay_notify POST /notify", "pay_notify", paid_notification),
    ]


def measure_all(bench: Bench, iterations: int = 30) -> list[Overhead]:
    results = [measure(bench, name, function, make, iterations) for name, function, make in guest_requests(bench)]
    bench.purge("stock_decrement", "print_dispatch", "courier_dispatch", "loyalty")
    return results


def profile(bench: Bench, function: str, make_event: Callable[[], dict], iterations: int = 20) -> str:
    """pyinstrument's text profile of warm invocations (``python -m bench --profile <function>``)."""
    from pyinstrument import Profiler

    bench.invoke(function, make_event())
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(iterations):
            bench.invoke(function, make_event())
    return profiler.output_text(unicode=True, show_all=False)

