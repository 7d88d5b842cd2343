"""Push latency on the local stack: from a status change to the message at a subscribed WebSocket client.

A pickup board (a staff connection subscribed to ``board:<store>``) listens while orders are paid (pay_notify
with the WeChat Pay simulator's signed notification: PAID) and called (the kitchen service: READY), one change
at a time. Each latency runs from just before the call that changes the status (its own duration included)
to the message's arrival at the client, through the whole path: the bus, PushQueue, the queue pump, the push
function in its worker process, ``@connections`` and the socket. ``python -m bench.push_latency`` runs it alone.
"""

from __future__ import annotations

import json
import queue
import statistics
import threading
import time
from dataclasses import dataclass

from bench.world import STORE, Bench, restock

CHANGES = 100  # two per order: PAID, READY
POLLING_SECONDS = 5.0  # what the console's live pages did before (DIANCAN_CONSOLE_POLL_SECONDS)


@dataclass(frozen=True)
class PushLatency:
    changes: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    call_p50_ms: float  # the status-changing call alone (included in the latencies)
    lost: int  # changes whose message did not arrive within the ceiling

    @property
    def polling_mean_ms(self) -> float:
        """What 5 s polling gives on average (half the interval), before the read itself."""
        return POLLING_SECONDS * 1000 / 2


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def measure(bench: Bench, changes: int = CHANGES, ceiling: float = 30.0) -> PushLatency:
    from websockets.sync.client import connect

    from diancan import bootstrap

    stack = bench.stack
    ticket = bootstrap.push_tickets().issue("cashier-jingan", "cashier", (STORE,))  # what the console would give
    arrivals: queue.Queue[tuple[float, dict]] = queue.Queue()
    orders = [bench.place(f"pushbench{n}", items=[{"dish_id": "d-cola", "qty": 1}]) for n in range((changes + 1) // 2)]
    latencies, calls, lost = [], [], 0
    with connect(f"{stack.ws_url}?ticket={ticket}", open_timeout=30) as board:
        board.send(json.dumps({"action": "subscribe", "topic": f"board:{STORE}"}))
        assert json.loads(board.recv(timeout=30))["type"] == "subscribed"

        def listen() -> None:
            try:
                for frame in board:
                    arrivals.put((time.perf_counter(), json.loads(frame)))
            except Exception:  # the socket closes at the end of the run
                return

        threading.Thread(target=listen, daemon=True).start()

        def timed(change, order_id: str, status: str) -> None:
            nonlocal lost
            started = time.perf_counter()
            change()
            calls.append(time.perf_counter() - started)
            deadline = time.monotonic() + ceiling
            while time.monotonic() < deadline:
                try:
                    at, message = arrivals.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if message.get("order_id") == order_id and message.get("status") == status:
                    latencies.append(at - started)
                    return
            lost += 1

        for order in orders:
            if len(latencies) + lost >= changes:
                break
            event = bench.pay(order)
            timed(lambda event=event: bench.invoke("pay_notify", event), order["order_id"], "PAID")
            if len(latencies) + lost >= changes:
                break
            timed(lambda oid=order["order_id"]: bootstrap.kitchen().call_number(oid, "staff:cashier-jingan"),
                  order["order_id"], "READY")
    ms = [s * 1000 for s in latencies] or [0.0]
    return PushLatency(changes=len(latencies) + lost, p50_ms=statistics.median(ms), p95_ms=percentile(ms, 0.95),
                       max_ms=max(ms), call_p50_ms=statistics.median(calls) * 1000 if calls else 0.0, lost=lost)


def run(changes: int = CHANGES) -> PushLatency:
    """On a local stack of its own, with its queue pump running (the push goes through it)."""
    from local.stack import LocalStack

    with LocalStack(port=0, moto_port=0, with_demo_data=True, overrides={}, quiet=True) as stack:
        stack.scheduler.stop()
        restock()
        return measure(Bench(stack), changes)


def section(result: PushLatency) -> list[str]:
    return ["### Push latency (WebSocket)", "",
            "A pickup board subscribed over the local WebSocket API while orders are paid (PAID) and called "
            "(READY), one change at a time; from just before the call that changes the status (its own duration "
            "included) to the message at the client, through bus → PushQueue → pump → push → @connections "
            "(bench/push_latency.py). Before, the console polled every 5 s: on average 2.5 s after the change "
            "plus the read.", "",
            "| changes | p50 ms | p95 ms | max ms | the changing call alone, p50 ms | lost | 5 s polling, mean wait ms |",
            "|---|---|---|---|---|---|---|",
            f"| {result.changes} | {result.p50_ms:.0f} | {result.p95_ms:.0f} | {result.max_ms:.0f} | "
            f"{result.call_p50_ms:.0f} | {result.lost} | {result.polling_mean_ms:.0f} |"]


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers" / "shared" / "python"))
    print("\n".join(section(run())))
