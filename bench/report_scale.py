"""How a month's report scales: a busy store (30 days × 1,500 orders) and 2×, 4× the orders.

    PYTHONPATH=layers/shared/python .venv/bin/python -m bench.report_scale

The whole build runs (orders streamed in as pydantic ``Order`` objects, as the GSI2 adapter yields them;
facts, books, figures, forecasts, charts, HTML/JSON/CSV/XLSX) with in-memory sources and sinks, so the
figures are compute and memory, not DynamoDB latency. Peak memory is tracemalloc's (Python allocations).
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import date

from diancan.domain.menu import Store
from local.demo_data import menu_of
from local.demo_history import _random_order, demo_menu

MONTH = date(2026, 11, 1)
BASE_PER_DAY = 1_500


class StreamedSources:
    """Orders generated on the fly, one at a time (nothing is held), like a paged GSI2 query."""

    def __init__(self, per_day: int) -> None:
        self.per_day, self.demo = per_day, demo_menu("sh-jingan")
        self.guest_ids = [f"g{n}" for n in range(5_000)]

    def stores(self):
        return [Store(store_id="sh-jingan", name="静安店")]

    def cost_book(self, store_ids):
        from diancan.domain.report_facts import CostBook
        from local.demo_stock import ingredients

        return CostBook({sid: {i.ingredient_id: i for i in ingredients(sid)} for sid in store_ids})

    def menu(self, store_id):
        return menu_of(store_id)[1]

    def orders_of_day(self, store_id, day):
        rng = random.Random(day.toordinal())
        for n in range(self.per_day):
            yield _random_order(rng, store_id, day, n, self.demo, self.guest_ids)

    def vouchers_after(self, store_id, after_seq):
        return iter(())

    def coupon_uses(self, store_id, day):
        return iter(())

    def coupon_templates(self, store_id):
        return []

    def guests(self, openids):
        return {}

    def incidents(self, store_id, start, end):
        return iter(())


class Nowhere:
    def put(self, *args, **kwargs) -> None:
        return None

    def get(self, *args):
        return None

    def daily_before(self, *args):
        return None


def build(per_day: int, traced: bool) -> dict:
    """One build in this process: seconds (untraced runs only) or tracemalloc's peak."""
    from diancan.services.report_render import render
    from diancan.services.reports import ReportService

    service = ReportService(StreamedSources(per_day), Nowhere(), Nowhere(), lambda day: "", render=render)
    ReportService(StreamedSources(10), Nowhere(), Nowhere(), lambda day: "", render=render).build(
        "month", MONTH, "sh-jingan")  # warm-up: imports, fonts, jieba-free caches
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    service.build("month", MONTH, "sh-jingan")
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    tracemalloc.stop()
    return {"seconds": seconds, "peak_mib": peak,
            "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(per_day: int) -> dict:
    """Time and RSS from an untraced run, tracemalloc peak from a traced one, each in a fresh process
    (tracemalloc slows allocation-heavy code several times, so it never times anything)."""
    timed = _child(per_day, traced=False)
    return {**timed, "peak_mib": _child(per_day, traced=True)["peak_mib"]}


def _child(per_day: int, traced: bool) -> dict:
    code = f"import json, bench.report_scale as b; print(json.dumps(b.build({per_day}, {traced})))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    results = [(factor, measure(BASE_PER_DAY * factor)) for factor in (1, 2, 4)]
    base = results[0][1]
    print("| scale | orders | build s | peak MiB (tracemalloc) | max RSS MiB | time ratio | memory ratio |")
    print("|---|---|---|---|---|---|---|")
    for factor, r in results:
        print(f"| {factor}× | {BASE_PER_DAY * factor * 30:,} | {r['seconds']:.1f} | {r['peak_mib']:.1f} | "
              f"{r['max_rss_mib']:.0f} | {r['seconds'] / base['seconds']:.2f} | {r['peak_mib'] / base['peak_mib']:.2f} |")


if __name__ == "__main__":
    main()
