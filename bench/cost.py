"""Cost per 1,000 orders on AWS: what one takeout order's journey is billed on, measured on the still stack,
priced at the published on-demand prices of one global region and of AWS China (Ningxia).

Per order (variable): the guest opens the menu, asks a quote, places the order, reads it once, pays; then
every consumer its events reach runs on the messages they left in its queue (stock, print, loyalty …),
until every queue is empty. Each invocation: Lambda GB-seconds = its measured duration × the function's
configured memory (serverless.yml, via the local runtime's specs), plus one request; DynamoDB RRU/WRU from
the item sizes of every call (bench/capacity.py); EventBridge events (PutEvents entries); SQS requests (each
message the bus delivers to a queue is a SendMessage; Lambda's poller receives and deletes each batch: 2
more per invocation); S3 puts. The day's report of a store is priced per 1,000 orders from the report
build the calls section measures. Fixed per day, whatever the orders: the schedules (order_sweeper and
print_check every minute) with an idle store, measured the same way.

Durations are local: the calls go to a moto server on this machine, not to DynamoDB, and the machine is
shared, so GB-seconds are an estimate of the right order (warm invocations; cold starts add their INIT).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.calls import recorded_calls
from bench.world import Bench, http_event, sample


@dataclass(frozen=True)
class Price:
    amount: float  # in the region's currency, per ``per`` units
    per: int
    source: str
    verified: bool  # True: read in the stored copy of the source; False: the published figure as last known, check it


# Published on-demand prices, read 2026-12-04. Global: US East (N. Virginia), USD, x86_64. China: Ningxia
# (cn-northwest-1), CNY. Free tiers are left out (a production account outgrows them).
PRICES: dict[str, dict[str, Price]] = {
    "us-east-1 (USD)": {
        "Lambda GB-s": Price(0.0000166667, 1, "https://aws.amazon.com/lambda/pricing/ (worked example)", True),
        "Lambda requests": Price(0.20, 1_000_000, "https://aws.amazon.com/lambda/pricing/", True),
        "RRU": Price(0.125, 1_000_000, "https://aws.amazon.com/dynamodb/pricing/on-demand/", False),
        "WRU": Price(0.625, 1_000_000, "https://aws.amazon.com/dynamodb/pricing/on-demand/", False),
        "EventBridge events": Price(1.00, 1_000_000, "https://aws.amazon.com/eventbridge/pricing/ (custom events)",
                                    True),
        "SQS requests": Price(0.40, 1_000_000, "https://aws.amazon.com/sqs/pricing/ (standard queue)", False),
        "S3 puts": Price(0.005, 1_000, "https://aws.amazon.com/s3/pricing/ (PUT, S3 Standard)", False),
    },
    "cn-northwest-1 Ningxia (CNY)": {
        "Lambda GB-s": Price(0.000113477, 1, "https://www.amazonaws.cn/en/lambda/pricing/", False),
        "Lambda requests": Price(1.36, 1_000_000, "https://www.amazonaws.cn/en/lambda/pricing/", False),
        "RRU": Price(2.2311, 1_000_000, "https://www.amazonaws.cn/en/dynamodb/pricing/ (on-demand)", False),
        "WRU": Price(11.1538, 1_000_000, "https://www.amazonaws.cn/en/dynamodb/pricing/ (on-demand)", True),
        "EventBridge events": Price(6.75, 1_000_000, "https://www.amazonaws.cn/en/eventbridge/pricing/", False),
        "SQS requests": Price(3.33, 1_000_000, "https://www.amazonaws.cn/en/sqs/pricing/ (standard queue)", False),
        "S3 puts": Price(0.00405, 1_000, "https://www.amazonaws.cn/en/s3/pricing/ (PUT)", False),
    },
}
UNITS = ("Lambda GB-s", "Lambda requests", "RRU", "WRU", "EventBridge events", "SQS requests", "S3 puts")
ORDERS_PER_DAY = 1_000  # spreads the fixed daily cost: one busy deployment's day
SCHEDULED_PER_DAY = {"order_sweeper": 1440, "print_check": 1440}  # rate(1 minute)


@dataclass
class Usage:
    """Billed units of one part, per function (``per`` orders, or per day for the fixed part)."""

    per: str
    by_function: dict[str, Counter] = field(default_factory=dict)

    def add(self, function: str, units: Counter) -> None:
        self.by_function.setdefault(function, Counter()).update(units)

    def total(self) -> Counter:
        total: Counter = Counter()
        for units in self.by_function.values():
            total.update(units)
        return total

    def scaled(self, factor: float) -> Usage:
        return Usage(self.per, {f: Counter({k: v * factor for k, v in u.items()}) for f, u in self.by_function.items()})


def price(units: Counter, region: str) -> dict[str, float]:
    return {unit: units.get(unit, 0.0) * p.amount / p.per for unit, p in PRICES[region].items()}


@dataclass
class CostResult:
    per_thousand: Usage  # variable: the orders' journeys and their reports
    fixed_day: Usage  # schedules, per day
    durations_ms: dict[str, float]  # median warm duration per function invocation
    orders: int
    memory_mb: dict[str, int] = field(default_factory=dict)

    def combined(self) -> Counter:
        """Per 1,000 orders, the fixed day spread over ORDERS_PER_DAY orders."""
        total = self.per_thousand.total()
        total.update(self.fixed_day.scaled(1000 / ORDERS_PER_DAY).total())
        return total


def _invoke(bench: Bench, function: str, event: dict, timed: dict, billed: Usage | None) -> dict:
    memory_gb = bench.stack.runtime.specs[function].memory_size / 1024
    with recorded_calls(billing=billed is not None) as log:
        started = time.perf_counter()
        answer = bench.invoke(function, event)
        seconds = time.perf_counter() - started
    if billed is None:
        timed.setdefault(function, []).append(seconds)
    else:  # the GB-seconds come from the untimed pass's median (billing reads add time to this pass)
        billed.add(function, Counter({**log.units(), "Lambda requests": 1.0}))
        billed.by_function[function]["_memory_gb"] = memory_gb
    return answer


def _consumers(bench: Bench) -> list[str]:
    return sorted(name for name, spec in bench.stack.runtime.specs.items() if spec.sqs_sources)


def _journey(bench: Bench, timed: dict, billed: Usage | None) -> None:
    """One takeout order from the menu to the last consumer (module doc)."""
    _invoke(bench, "menu", http_event("menu/get_menu"), timed, billed)
    _invoke(bench, "place_order", http_event("place_order/post_quote"), timed, billed)
    answer = _invoke(bench, "place_order", bench.place_event("carol"), timed, billed)
    order = json.loads(answer["body"])
    read = http_event("orders/get_order", path=f"/orders/{order['order_id']}",
                      headers={"authorization": f"Bearer {bench.token('carol')}"})
    _invoke(bench, "orders", read, timed, billed)
    _invoke(bench, "pay_notify", bench.pay(order), timed, billed)
    for _ in range(5):  # consumers may publish events other consumers take (a bounded cascade)
        delivered = False
        for function in _consumers(bench):
            batch = bench.queued(function)
            if not batch["Records"]:
                continue
            delivered = True
            if billed is not None:  # the bus's SendMessage per message, Lambda's receive + delete of the batch
                billed.add(function, Counter({"SQS requests": len(batch["Records"]) + 2.0}))
            _invoke(bench, function, batch, timed, billed)
        if not delivered:
            return


def _gb_seconds(usage: Usage, durations_ms: dict[str, float]) -> None:
    for function, units in usage.by_function.items():
        memory_gb = units.pop("_memory_gb", 0.0)
        units["Lambda GB-s"] = units.get("Lambda requests", 0.0) * math.ceil(durations_ms.get(function, 0.0)) / 1000 * memory_gb


def measure(bench: Bench, report_log=None, report_seconds: float = 0.0, report_orders: int = 0,
            orders: int = 5) -> CostResult:
    """``orders`` journeys timed, as many billed; the report build's log (billing on) from the calls part."""
    bench.purge(*_consumers(bench))
    timed: dict[str, list[float]] = {}
    _journey(bench, timed, None)  # warm every function on the path
    timed.clear()
    for _ in range(orders):
        _journey(bench, timed, None)
    variable = Usage("1,000 orders")
    for _ in range(orders):
        _journey(bench, {}, variable)
    fixed = Usage("day")
    for function, per_day in SCHEDULED_PER_DAY.items():  # an idle minute: what the journeys left is swept first
        for _ in range(2):
            bench.invoke(function, sample(f"{function}/schedule"))
        for _ in range(3):
            _invoke(bench, function, sample(f"{function}/schedule"), timed, None)
        once = Usage("day")
        _invoke(bench, function, sample(f"{function}/schedule"), timed, once)
        fixed.by_function.update(once.scaled(per_day).by_function)
        fixed.by_function[function]["_memory_gb"] = bench.stack.runtime.specs[function].memory_size / 1024
    durations = {f: statistics.median(s) * 1000 for f, s in timed.items()}
    _gb_seconds(variable, durations)
    _gb_seconds(fixed, durations)
    per_thousand = variable.scaled(1000 / orders)
    if report_log is not None and report_orders:
        memory_gb = bench.stack.runtime.specs["report_build"].memory_size / 1024
        durations["report_build"] = report_seconds * 1000
        report = Counter({**report_log.units(), "Lambda requests": 1.0,
                          "Lambda GB-s": math.ceil(report_seconds * 1000) / 1000 * memory_gb})
        per_thousand.add("report_build", Counter({k: v * 1000 / report_orders for k, v in report.items()}))
    memory = {name: spec.memory_size for name, spec in bench.stack.runtime.specs.items()}
    return CostResult(per_thousand, fixed, durations, orders, memory)
