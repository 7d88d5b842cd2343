"""How the daily segment job scales: 25,000, 50,000 and 100,000 members.

    PYTHONPATH=layers/shared/python:. .venv/bin/python -m bench.segment_scale

The whole job runs (``SegmentJob.run``: both passes, thresholds from the quantiles, two custom segments, the
day's figures) over profiles generated on the fly, one at a time, as the GSI1 shard pages yield them (each a
stored JSON document validated into a ``MemberProfile``, as the adapter does), so the figures are the job's
compute and memory, not DynamoDB latency. CPU time (``time.process_time``) is reported beside the wall time:
on a shared machine the wall time follows the neighbours' load. The DynamoDB calls it would make are counted from the same run:
a Query page per 500 profiles of a shard (two passes), an UpdateItem per member whose segment changed, a PutItem
of the run's progress per page of the second pass (what lets a run cut short be continued), a PutItem per
member joining a custom segment's list.
Peak memory is tracemalloc's (Python allocations), in a separate traced run.
"""

from __future__ import annotations

import json
import math
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from diancan.domain.member_profile import MemberProfile

TODAY = date(2026, 12, 4)
NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
SHARDS, PAGE = 16, 500
DISHES = ("宫保鸡丁", "麻辣香锅", "红烧肉", "牛肉面", "小笼包", "奶茶", "米饭", "麻婆豆腐")
CUSTOM = [{"segment_id": "mala-30", "name": "近30天点过麻辣",
           "all_of": [{"kind": "ordered_dish", "name_contains": "麻辣", "within_days": 30}]},
          {"segment_id": "jingan-lunch", "name": "静安午餐常客",
           "all_of": [{"kind": "regular_at", "store_id": "sh-jingan", "daypart": "lunch", "min_visits": 3}]}]


def _doc(n: int) -> dict:
    """Member ``n``'s stored profile document: deterministic, realistic sizes (a few dishes, months, stores)."""
    rng = random.Random(n)
    last = TODAY - timedelta(days=int(rng.expovariate(1 / 40)))
    first = last - timedelta(days=rng.randrange(0, 400))
    visits = 1 + int(rng.expovariate(1 / 3))
    spend = visits * rng.randrange(3000, 12000)
    months = {(last - timedelta(days=30 * k)).isoformat()[:7]: {"visits": max(1, visits // 3), "spend_fen": spend // 3}
              for k in range(min(3, visits))}
    dishes = {f"d-{k}": {"n": rng.randrange(1, 6), "last": last.isoformat(), "label": DISHES[(n + k) % len(DISHES)]}
              for k in range(rng.randrange(1, 8))}
    store = rng.choice(("sh-jingan", "sh-xuhui"))
    part = rng.choice(("lunch", "dinner", "lunch", "afternoon"))
    return MemberProfile.model_validate({
        "first_visit": first.isoformat(), "last_visit": last.isoformat(), "visits": visits, "spend_fen": spend,
        "coupon_orders": visits // 4, "months": months, "dishes": dishes, "modes": {"dine_in": visits},
        "dayparts": {part: visits}, "stores": {store: {"n": visits, "last": last.isoformat()}},
        "store_dayparts": {f"{store}/{part}": visits},
        "counted": {f"o{n}-{k}": 0 for k in range(min(visits, 50))}}).model_dump(mode="json", exclude_defaults=True)


@dataclass(frozen=True)
class StoredProfile:
    """The shape of ``adapters.member_profile_table.StoredProfile`` (importing the adapter needs the settings)."""

    openid: str
    profile: MemberProfile
    version: int
    segment: str | None = None
    segments: frozenset[str] = frozenset()
    segment_week: str | None = None
    week_start_segment: str | None = None
    listed: bool = False


class StreamedProfiles:
    """A ProfileBook whose profiles are made when a page is read and dropped after it (nothing held)."""

    def __init__(self, members: int) -> None:
        self.members = members
        self.queries = self.updates = self.puts = self.version = self.list_writes = 0
        self.sizes: dict = {}
        self.state: dict = {}

    def all_profiles(self, page_size: int = PAGE):
        for shard in range(SHARDS):
            mine = range(shard, self.members, SHARDS)
            self.queries += max(1, math.ceil(len(mine) / page_size))
            for n in mine:
                yield StoredProfile(f"openid-{n}", MemberProfile.model_validate(_doc(n)), 1)

    def profile_page(self, cursor: str, page_size: int = PAGE):
        """The job's second pass: one shard page from ``<shard>:<position>`` (positions stand in for openids)."""
        shard_text, _, after = cursor.partition(":")
        shard, start = int(shard_text or 0), int(after or 0)
        mine = range(shard, self.members, SHARDS)[start:start + page_size]
        self.queries += 1
        page = [StoredProfile(f"openid-{n}", MemberProfile.model_validate(_doc(n)), 1) for n in mine]
        if start + page_size < len(range(shard, self.members, SHARDS)):
            return page, f"{shard}:{start + page_size}"
        return page, (f"{shard + 1}:" if shard + 1 < SHARDS else None)

    def run_state(self, day: str):
        return self.state, self.version

    def save_run_state(self, day: str, doc: dict, version: int) -> int:
        self.state, self.version = doc, version + 1
        self.puts += 1
        return self.version

    def list_custom(self, openid, add, remove) -> None:
        self.list_writes += len(add) + len(remove - add)

    def set_segments(self, openid, segment, segments, week, week_start_segment) -> None:
        self.updates += 1

    def segment_settings(self) -> dict:
        return {"custom": CUSTOM}

    def put_sizes(self, day: str, sizes: dict) -> None:
        self.sizes = sizes


def run(members: int, traced: bool) -> dict:
    from diancan.services.segment_job import SegmentJob

    SegmentJob(StreamedProfiles(100), clock=lambda: NOW).run()  # warm-up: imports, pydantic's validators
    book = StreamedProfiles(members)
    if traced:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    outcome = SegmentJob(book, clock=lambda: NOW).run()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    tracemalloc.stop()
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mib": peak, "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "queries": book.queries, "updates": book.updates, "progress_puts": book.puts, "list_writes": book.list_writes, "segmented": outcome["members"],
            "sizes": outcome["sizes"]}


def measure(members: int) -> dict:
    """Time, RSS and calls from an untraced run, tracemalloc's peak from a traced one, each in a fresh process."""
    timed = _child(members, traced=False)
    return {**timed, "peak_mib": _child(members, traced=True)["peak_mib"]}


def _child(members: int, traced: bool) -> dict:
    code = f"import json, bench.segment_scale as b; print(json.dumps(b.run({members}, {traced}), ensure_ascii=False))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [25_000, 50_000, 100_000]
    results = [(n, measure(n)) for n in sizes]
    base_n, base = results[0]
    print("| members | job s (wall) | CPU s | CPU µs per member | peak MiB (tracemalloc) | max RSS MiB | Query pages | "
          "UpdateItem (first run) | CPU per member ratio | memory ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, r in results:
        print(f"| {n:,} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['cpu_seconds'] / n * 1e6:.0f} | "
              f"{r['peak_mib']:.2f} | {r['max_rss_mib']:.0f} | {r['queries']} | {r['updates']:,} | "
              f"{(r['cpu_seconds'] / n) / (base['cpu_seconds'] / base_n):.2f} | {r['peak_mib'] / base['peak_mib']:.2f} |")
    print(json.dumps(results[-1][1]["sizes"], ensure_ascii=False))


if __name__ == "__main__":
    main()
