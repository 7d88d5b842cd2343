"""The bench's figures as Markdown: printed by ``make bench`` and written between the markers of
docs/performance.md (everything outside the markers belongs to others and is kept)."""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench import chain, coldstart, cost, overhead

START, END = "<!-- bench:start (written by `make bench`; edit bench/, not this section) -->", "<!-- bench:end -->"


@dataclass
class Results:
    calls: list = field(default_factory=list)
    report_orders: int = 0
    overhead: list = field(default_factory=list)
    cold: list = field(default_factory=list)
    cost: cost.CostResult | None = None
    chain: chain.ChainResult | None = None
    cold_imports: dict = field(default_factory=dict)
    cold_first: list = field(default_factory=list)  # coldstart.FirstRequest of the guest-facing functions
    cold_floor: float = 0.0  # seconds: the fixed stack's request-path imports alone (coldstart.STACK_FLOOR)
    throughput: list = field(default_factory=list)
    push: object | None = None  # bench.push_latency.PushLatency
    scaling: str = ""
    seconds: float = 0.0
    failures: list = field(default_factory=list)  # (part, error) of parts that could not finish


def _calls(counts) -> str:
    return " + ".join(f"{n:g} {op}" for op, n in sorted(counts.items())) or "0"


def _calls_section(results: Results) -> list[str]:
    lines = ["### DynamoDB calls per operation", "",
             "Counted by wrapping `botocore.client.BaseClient._make_api_call` (bench/calls.py: every client of "
             "every botocore session, pynamodb's per-thread sessions included), each operation through its "
             "handler with a real event.", "",
             "| operation | per | measured | target | verdict |", "|---|---|---|---|---|"]
    for c in results.calls:
        lines.append(f"| {c.operation} | {c.per} | {_calls(c.counts)} (= {c.total:.4g}) | "
                     f"{_calls(c.target.calls)} (= {c.target.total:g}) | {c.verdict} |")
    lines += ["", "What each target call is for, and why a count is above it:", ""]
    for c in results.calls:
        lines.append(f"- **{c.operation}** — target: {c.target.why}.")
        if c.total > c.target.total:
            lines.append(f"  Above: {c.target.above}.")
    return lines


def _qty(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 else f"{value:.4g}"


def _money(amount: float) -> str:
    return f"{amount:.4f}" if amount >= 0.001 else f"{amount:.6f}" if amount else "0"


def _cost_section(results: Results) -> list[str]:
    c = results.cost
    regions = list(cost.PRICES)
    lines = ["### Cost per 1,000 orders on AWS", "",
             "Formula, per region r: cost = Σ over functions f [ invocations_f × ⌈duration_f ms⌉ / 1000 × "
             "memory_f GB × price_r(GB-s) + invocations_f × price_r(request) ] + RRU × price_r(RRU) + WRU × "
             "price_r(WRU) + events × price_r(event) + SQS requests × price_r(request) + S3 puts × price_r(put). "
             f"Measured: {c.orders} takeout journeys (menu, quote, place, one order read, pay, then every consumer "
             "of the queues the events reach, run until every queue is empty), scaled to 1,000; the day report "
             f"of a store per 1,000 orders (the report build above); the schedules that run every minute, as a "
             f"fixed cost per day spread over {cost.ORDERS_PER_DAY:,} orders a day. Request units from the item "
             "sizes of every call (bench/capacity.py: moto reports no consumed capacity); durations are the median "
             "warm handler time here, against moto on a shared machine, so GB-seconds are an estimate; cold "
             "starts are not in them. bench/cost.py says what each unit counts.", "",
             "Usage per 1,000 orders, by function:", "",
             "| function | memory MB | ms per invocation | " + " | ".join(cost.UNITS) + " |",
             "|---" * (3 + len(cost.UNITS)) + "|"]
    for part, label in ((c.per_thousand, ""), (c.fixed_day.scaled(1000 / cost.ORDERS_PER_DAY), " (schedule)")):
        for function, units in sorted(part.by_function.items()):
            lines.append(f"| {function}{label} | {c.memory_mb.get(function, '')} | {c.durations_ms.get(function, 0):.0f} | "
                         + " | ".join(_qty(units.get(u, 0)) for u in cost.UNITS) + " |")
    total = c.combined()
    lines.append("| **total** | | | " + " | ".join(f"**{_qty(total.get(u, 0))}**" for u in cost.UNITS) + " |")
    lines += ["", "Priced (per 1,000 orders):", "",
              "| region | " + " | ".join(cost.UNITS) + " | total | of which fixed (schedules) |",
              "|---" * (3 + len(cost.UNITS)) + "|"]
    fixed = c.fixed_day.scaled(1000 / cost.ORDERS_PER_DAY).total()
    for region in regions:
        priced, fixed_priced = cost.price(total, region), cost.price(fixed, region)
        lines.append(f"| {region} | " + " | ".join(_money(priced[u]) for u in cost.UNITS)
                     + f" | **{_money(sum(priced.values()))}** | {_money(sum(fixed_priced.values()))} |")
    lines += ["", "Prices (on-demand, x86_64, no free tier; read 2026-12-04; ✓ = seen in the stored copy of the "
              "page, ? = the published figure as last known, not in the stored copy: check before relying on it):", "",
              "| unit | " + " | ".join(regions) + " |", "|---" * (1 + len(regions)) + "|"]
    for unit in cost.UNITS:
        cells = []
        for region in regions:
            p = cost.PRICES[region][unit]
            cells.append(f"{p.amount:g} per {p.per:,} {'✓' if p.verified else '?'} ({p.source})")
        lines.append(f"| {unit} | " + " | ".join(cells) + " |")
    return lines


def _chain_section(results: Results) -> list[str]:
    c = results.chain
    here = 1000 / c.cycle_ms
    lunch = chain.LUNCH_PER_SECOND * c.cycle_ms / 1000
    lines = ["### Capacity of one store's voucher chain", "",
             "Every payment of a store writes its chain head STORE#<sid>/CHAIN in the payment's transaction, "
             "on the condition that it is still the head it read; a lost race backs off and retries (bench/"
             "chain.py). Payments through PaymentTable.mark_paid, each in its own thread, against the moto "
             f"server. One uncontended payment (read the head + the transaction): **{c.cycle_ms:.0f} ms** here, "
             f"so at most **{here:.0f} payments/s** per store here (the head admits one writer at a time). "
             "The last rows post N signed notifications at once to pay_notify through the parallel local stack "
             "(a worker process each, as N Lambda environments): the whole notify, not only its critical "
             "section.", "",
             "| arrivals | payments | lost races | races per payment | conflict rate (of attempts) | failed | "
             "drained in s | p95 ms to paid |", "|---" * 8 + "|"]
    for run in [*c.bursts, *c.steady, *c.stack_bursts]:
        lines.append(f"| {run.label} | {run.payments} | {run.lost_races} | {run.races_per_payment:.2f} | "
                     f"{run.conflict_rate:.0%} | {run.failed} | {run.seconds:.2f} | {run.p95_ms:.0f} |")
    usable = c.usable_load
    verdict = "meets" if lunch <= usable else "ABOVE: implement the next step (docs/performance.md)"
    lines += ["", f"Usable load: the highest ρ that stayed orderly (no failure, ≤ 0.5 lost races a payment): "
              f"**ρ = {usable:g}**, i.e. {usable * here:.0f} payments/s per store here. Lunch peak "
              f"({chain.LUNCH_PER_SECOND:g} payments/s of one store for 10 minutes) on this server: ρ = {lunch:.2f} "
              f"— {verdict} (target: the lunch peak's ρ ≤ the usable load; DynamoDB's cycle is shorter than "
              "moto's here, so there the lunch peak's ρ is lower still)."]
    return lines


def _overhead_section(results: Results) -> list[str]:
    lines = ["### Overhead ratio (warm handlers)", "",
             "Handler time with a real function-URL event ÷ time inside the outside calls it made in the same "
             "invocation (botocore to the same moto server, HTTP to the WeChat / WeChat Pay simulators). "
             f"Median of {results.overhead[0].iterations if results.overhead else 0} invocations after 3 "
             f"warm-ups. Target ≤ {overhead.TARGET}.", "",
             "| handler | handler ms | inside calls ms | calls | ratio | verdict |", "|---|---|---|---|---|---|"]
    lines += [f"| {o.handler} | {o.handler_ms:.1f} | {o.calls_ms:.1f} | {o.calls} | {o.ratio:.2f} | {o.verdict} |"
              for o in results.overhead]
    return lines


def _cold_section(results: Results) -> list[str]:
    boto3_s = results.cold[0].boto3_seconds if results.cold else 0
    first = {f.function: f for f in results.cold_first}
    lines = ["### Cold start (import of the handler module)", "",
             f"Fresh interpreter per run, median of {coldstart.RUNS} (.pyc warmed; in rounds that take every figure of this section once, so a machine that changes speed during the measurement moves them alike), Lambda-like path (the shared "
             f"layer only). `import boto3` alone: {boto3_s * 1000:.0f} ms. Target for guest-facing functions ≤ "
             f"{coldstart.TARGET}, on the import of the handler module alone: the "
             "verdict is on that figure.", ""]
    if first:
        lines += ["The last four columns are **not** that metric: they add the modules the first request still "
                  "has to load. The composition root (diancan/bootstrap.py) builds adapters on first use, so "
                  "their libraries are imported during the guest's first request (which ones is measured: "
                  "listed below the table), and the guest waits for them too. Each guest-facing function was invoked once with "
                  "the request named (a subprocess with the still stack's environment); every module that "
                  "invocation added to `sys.modules` is imported after the handler in a fresh interpreter "
                  f"(same environment as the first column, median of {coldstart.RUNS}). Imports only: the first "
                  "request's secret reads, client set-up and calls are not in it. Its own target (what the "
                  f"guest waits for on a cold Lambda) is ≤ {coldstart.TARGET} × `import boto3` too.", ""]
    header = "| function | guest-facing | import ms | ratio to boto3 | verdict |"
    if first:
        header += (" first request | import + first request's imports (ms) | its ratio to boto3 | "
                   f"first-request verdict (≤ {coldstart.TARGET}) | first invocation ms (moto) | "
                   "botocore sessions / clients |")
    lines += [header, "|---" * header.count(" |") + "|"]
    for c in results.cold:
        row = (f"| {c.function} | {'yes' if c.guest_facing else ''} | {c.seconds * 1000:.0f} | {c.ratio:.2f} | "
               f"{c.verdict} |")
        if c.function in first:
            f = first[c.function]
            row += (f" {f.request.removeprefix(f.function + ' ')} | {f.seconds * 1000:.0f} | {f.ratio:.2f} | "
                    f"{f.verdict} | {f.invocation.seconds * 1000:.0f} | {f.invocation.sessions} / "
                    f"{f.invocation.clients} |")
        elif first:
            row += " | | | | | |"
        lines.append(row)
    if results.cold_floor and boto3_s:
        lines += ["", "The floor under the first-request figure: the fixed stack's own request-path libraries "
                  "imported alone (Powertools' logger, metrics and tracer, its function-URL resolver with the "
                  "validation that brings pydantic, pynamodb with botocore; bench/coldstart.py `STACK_FLOOR`), "
                  f"before any code of ours: {results.cold_floor * 1000:.0f} ms, "
                  f"{results.cold_floor / boto3_s:.2f} × `import boto3`."]
    if first:
        lines += ["", "First invocation: the handler invoked once right after its import, in a fresh process "
                  "against the still stack's moto server (median of 3, each with a new event): the first "
                  "request's imports, its clients' set-up, secret reads and calls (moto answers in milliseconds, "
                  "so it is no AWS latency figure). Sessions and clients: the botocore objects alive after it."]
    if results.cold_imports:
        lines += ["", "Heaviest top-level imports (cumulative ms, `python -X importtime`):", ""]
        lines += [f"- {name}: " + ", ".join(f"{module} {s * 1000:.0f}" for s, module in rows)
                  for name, rows in results.cold_imports.items()]
    if first:
        lines += ["", "What the first request still has to load, after the handler (modules it added; heaviest "
                  "top-level packages, cumulative ms of `-X importtime`, each with what it pulls in):", ""]
        lines += [f"- {f.function} ({f.request.removeprefix(f.function + ' ')}, {len(f.modules)} modules): "
                  + ", ".join(f"{package} {s * 1000:.0f}" for s, package in f.heaviest if s >= 0.0005)
                  for f in first.values()]
    return lines


def _throughput_section(results: Results) -> list[str]:
    lines = ["### Throughput of the local stack", "",
             "Each guest places and pays orders over HTTP through the gateway; the run ends when every "
             "payment notification was applied and every queue is drained (stock, print, loyalty, courier …). "
             "Stage columns: time per order inside each function (or the guest's own HTTP call). "
             "\"1 process\": every function in the stack's own process, function-URL invocations one at a time "
             "(the one-process local runtime, `DIANCAN_LOCAL_WORKERS=0`); \"N workers\": each function in "
             "up to N worker processes, concurrent requests at once (the default).", ""]
    if not results.throughput:
        return lines
    base = {t.runtime: t.per_second for t in reversed(results.throughput)}  # each runtime's first run: 1 guest
    stages = sorted({s for t in results.throughput for s in t.stage_ms})
    lines += ["| functions run in | stack start s | guests | orders | failed | drained | orders/s | vs 1 guest | "
              + " | ".join(stages) + " |", "|---" * (8 + len(stages)) + "|"]
    lines += [f"| {t.runtime} | {t.start_seconds:.1f} | {t.guests} | {t.orders} | {t.failed} | {'yes' if t.drained else 'NO (120 s)'} | "
              f"{t.per_second:.2f} | {t.per_second / base[t.runtime]:.2f} | "
              + " | ".join(f"{t.stage_ms.get(s, 0):.0f}" for s in stages) + " |" for t in results.throughput]
    return lines


def render(results: Results) -> str:
    machine = (f"{os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, {platform.system()} "
               f"{platform.machine()}")
    lines = [START, "", "## Benchmarks (`make bench`)", "",
             f"Measured {datetime.now().astimezone():%Y-%m-%d %H:%M %z} on {machine}; the run took "
             f"{results.seconds:.0f} s. Command: `make bench` (= `python -m bench`; parts: "
             "`python -m bench --only calls,cost,chain,overhead,cold,throughput,push,scaling`). Every figure is a count or a "
             "ratio measured in the same run, because absolute times on a shared machine are noisy.", ""]
    for section, present in ((_calls_section, results.calls), (_cost_section, results.cost),
                             (_chain_section, results.chain),
                             (_overhead_section, results.overhead),
                             (_cold_section, results.cold), (_throughput_section, results.throughput)):
        if present:
            lines += [*section(results), ""]
    if results.push is not None:
        from bench.push_latency import section

        lines += [*section(results.push), ""]
    if results.scaling:
        lines += ["### Report scaling (bench/report_scale.py)", "",
                  "Run as `python -m bench.report_scale` (its own benchmark, included as printed):", "",
                  results.scaling, ""]
    lines += [f"**{part} could not finish**: `{error}`" for part, error in results.failures]
    lines.append(END)
    return "\n".join(lines)


def write(path: Path, section: str) -> None:
    """Replace the section between the markers, or append it; the rest of the file is kept as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
