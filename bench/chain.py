"""Capacity of one store's voucher chain: every payment of a store writes its chain head ``STORE#<sid>/CHAIN``
(voucher sequence and hash, the day's pickup number) in the payment's transaction, on the condition that the
head is still the one it read (PaymentTable._chained: read the head, build the voucher on it, write; a lost
race backs off ≤ 0.25 s and reads again, 25 times at most, then LEDGER_BUSY).

Measured here against the still stack's moto server, payments of one store through PaymentTable.mark_paid
(the notify's critical section: a consistent GetItem of the head, then the transaction), each in its own
thread as concurrent Lambda environments would run them:

- the cycle: one uncontended payment's read + transaction (median of several), which bounds any store at
  1 / cycle payments per second, however it is scheduled (the head admits one writer at a time);
- bursts: N payments of one store released at once (a barrier): lost races per payment, time to drain;
- steady arrivals: Poisson arrivals at a load ρ = rate × cycle (ρ = 1 is the ceiling), each for a few
  seconds: share of attempts that lost the race, 95th percentile time to paid, failures.

- bursts through the parallel stack: N signed payment notifications of one store posted to the gateway at
  once, pay_notify running each in its own worker process (N concurrent Lambda environments); its lost races
  are the transactions the workers report cancelled.

The ratios (ρ, races per payment) carry over to DynamoDB; the absolute rates do not (moto's cycle on this
loaded machine is several times DynamoDB's), so the reading in docs/performance.md converts them.
"""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field

from bench.world import STORE, Bench

BURSTS = (1, 4, 8, 16)
STACK_BURSTS = (1, 4, 8)  # through the gateway: pay_notify gets max(STACK_BURSTS) worker processes
LOADS = (0.1, 0.3, 0.6, 0.9)
SECONDS = 5.0
LUNCH_PER_SECOND = 5.0  # a busy store's lunch peak: 5 payments/s for 10 minutes (docs/performance.md)


@dataclass(frozen=True)
class Run:
    label: str
    payments: int
    lost_races: int
    failed: int
    seconds: float  # wall time from the first release to the last payment applied
    p95_ms: float
    load: float = 0.0  # ρ of a steady run (0 for a burst)

    @property
    def races_per_payment(self) -> float:
        return self.lost_races / max(self.payments, 1)

    @property
    def conflict_rate(self) -> float:
        """Share of transaction attempts cancelled because another payment moved the head first."""
        return self.lost_races / max(self.lost_races + self.payments - self.failed, 1)


@dataclass(frozen=True)
class ChainResult:
    cycle_ms: float
    bursts: list[Run]
    steady: list[Run]
    stack_bursts: list[Run] = field(default_factory=list)  # through pay_notify on the parallel stack

    @property
    def usable_load(self) -> float:
        """The highest steady load that stayed orderly: nothing failed, at most one lost race in two payments.
        Optimistic locking collapses well before ρ = 1 (each lost race re-reads and writes again, adding load)."""
        return max((r.load for r in self.steady if not r.failed and r.races_per_payment <= 0.5), default=0.0)


class _Races:
    """Counts lost races: PaymentTable calls its backoff once per cancelled attempt."""

    def __init__(self) -> None:
        self.count, self._lock = 0, threading.Lock()

    def __enter__(self) -> _Races:
        from diancan.adapters import payment_table

        self._module, self._original = payment_table, payment_table._backoff

        def counted(attempt: int) -> float:
            with self._lock:
                self.count += 1
            return self._original(attempt)

        payment_table._backoff = counted
        return self

    def __exit__(self, *exc) -> None:
        self._module._backoff = self._original


def _pay(order: dict) -> None:
    from datetime import UTC, datetime

    from diancan import bootstrap
    from diancan.domain.clock import business_day, iso

    now = datetime.now(UTC)
    reference = f"42000{uuid.uuid4().int % 10**23:023d}"
    bootstrap.payment_table().mark_paid(
        order_id=order["order_id"], store_id=STORE, day=business_day(now).isoformat(),
        voucher_fields={"store_id": STORE, "kind": "payment", "order_id": order["order_id"], "reference": reference,
                        "amount_fen": order["total_fen"], "payer": "openid-bench", "occurred_at": iso(now)},
        at=iso(now), by="bench", nonce=None, body_hash=None, now_epoch=int(now.timestamp()))


def _run(label: str, orders: list[dict], starts: list[float], load: float = 0.0) -> Run:
    """Each order paid in its own thread at its start offset (seconds after release)."""
    finished, failures, lock = [], [], threading.Lock()
    release = threading.Event()

    def one(order: dict, offset: float, begin: list[float]) -> None:
        release.wait()
        time.sleep(max(0.0, begin[0] + offset - time.perf_counter()))
        started = time.perf_counter()
        try:
            _pay(order)
        except Exception as error:  # LEDGER_BUSY (past 25 races) or the server refusing: counted, not raised
            with lock:
                failures.append(error)
            return
        with lock:
            finished.append((started, time.perf_counter()))

    begin = [0.0]
    threads = [threading.Thread(target=one, args=(o, s, begin)) for o, s in zip(orders, starts, strict=True)]
    for thread in threads:
        thread.start()
    with _Races() as races:
        begin[0] = time.perf_counter()
        release.set()
        for thread in threads:
            thread.join()
    end = max((f for _, f in finished), default=begin[0])
    waits = sorted((f - s) * 1000 for s, f in finished) or [0.0]
    return Run(label, len(orders), races.count, len(failures), end - begin[0],
               waits[min(len(waits) - 1, int(0.95 * len(waits)))], load)


def measure(bench: Bench, bursts=BURSTS, loads=LOADS, seconds: float = SECONDS, seed: int = 7) -> ChainResult:
    rng = random.Random(seed)
    placed = iter([bench.place("pat") for _ in range(8)])
    cycle = []
    for order in placed:
        started = time.perf_counter()
        _pay(order)
        cycle.append(time.perf_counter() - started)
    cycle_s = statistics.median(cycle)
    burst_runs = [_run(f"{n} at once", [bench.place("pat") for _ in range(n)], [0.0] * n) for n in bursts]
    steady_runs = []
    for load in loads:
        rate = load / cycle_s
        starts, at = [], rng.expovariate(rate)
        while at < seconds:
            starts.append(at)
            at += rng.expovariate(rate)
        steady_runs.append(_run(f"ρ = {load:g} ({rate:.1f}/s here)", [bench.place("pat") for _ in starts], starts,
                                load))
    return ChainResult(cycle_s * 1000, burst_runs, steady_runs, stack_bursts(bench) if STACK_BURSTS else [])


def stack_bursts(bench: Bench, bursts=STACK_BURSTS) -> list[Run]:
    """N notifications of one store posted at once to pay_notify through the gateway (each burst after a
    warm-up of the largest, so every worker is started); lost races = pay_notify's cancelled transactions."""
    lost, lock = [0], threading.Lock()

    def count(function: str, calls: list[tuple[str, str, str]]) -> None:
        cancelled = sum(1 for _, operation, error in calls
                        if operation == "TransactWriteItems" and error == "TransactionCanceledException")
        if function == "pay_notify" and cancelled:
            with lock:
                lost[0] += cancelled

    def burst(n: int) -> Run:
        notifications = [bench.notification(bench.place("pat")) for _ in range(n)]
        release, timings, failures = threading.Barrier(n + 1), [], []
        url = f"{bench.stack.base_url}/pay_notify/notify"

        def one(headers: dict, body: str) -> None:
            release.wait()
            started = time.perf_counter()
            request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=120) as answer:
                    json.loads(answer.read() or b"{}")
            except Exception as error:  # a refusal or a 5xx: counted, not raised
                with lock:
                    failures.append(error)
                return
            with lock:
                timings.append((started, time.perf_counter()))

        threads = [threading.Thread(target=one, args=notification) for notification in notifications]
        for thread in threads:
            thread.start()
        with lock:
            lost[0] = 0
        release.wait()
        begin = time.perf_counter()
        for thread in threads:
            thread.join()
        waits = sorted((f - s) * 1000 for s, f in timings) or [0.0]
        return Run(f"{n} at once via pay_notify", n, lost[0], len(failures),
                   max((f for _, f in timings), default=begin) - begin,
                   waits[min(len(waits) - 1, int(0.95 * len(waits)))])

    bench.stack.runtime.observers.append(count)
    try:
        burst(max(bursts))  # warm-up: every worker of pay_notify started
        return [burst(n) for n in bursts]
    finally:
        bench.stack.runtime.observers.remove(count)
