"""``make bench``: measure every figure of docs/performance.md, print each with its target and verdict,
and rewrite the bench section of that file (between its markers; the rest of the file is kept).

    python -m bench                     # everything
    python -m bench --only calls,cold   # some parts (calls, cost, chain, overhead, cold, throughput, push, scaling)
    python -m bench --profile place_order   # pyinstrument profile of a warm handler
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import chain, coldstart, cost, overhead, report, throughput
from bench.dynamo_calls import count_all, count_report

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("calls", "cost", "chain", "overhead", "cold", "throughput", "push", "scaling")


def scaling_table() -> str:
    """bench/report_scale.py (another engineer's benchmark), run as its own command; its table as printed."""
    if not (ROOT / "bench" / "report_scale.py").exists():
        return ""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "shared" / "python"), str(ROOT)])}
    out = subprocess.run([sys.executable, "-m", "bench.report_scale"], capture_output=True, text=True, env=env,
                         cwd=ROOT, check=True)
    return "\n".join(line for line in out.stdout.splitlines() if line.startswith("|"))


def measure_part(part: str, results: report.Results, iterations: int) -> None:
    if part == "calls":
        from bench.world import still_stack

        with still_stack() as bench:
            results.calls = count_all(bench)
            counted, results.report_orders = count_report(bench)
            results.calls.append(counted)
    elif part == "cost":
        from bench.world import still_stack

        built = next((c for c in results.calls if c.operation == "report build"), None)
        with still_stack() as bench:
            results.cost = cost.measure(bench, built.log if built else None, built.seconds if built else 0.0,
                                        results.report_orders)
    elif part == "chain":
        from bench.world import still_stack

        with still_stack(workers=max(chain.STACK_BURSTS)) as bench:
            results.chain = chain.measure(bench)
    elif part == "overhead":
        from bench.world import still_stack

        with still_stack() as bench:
            results.overhead = overhead.measure_all(bench, iterations)
    elif part == "cold":
        from bench.world import still_stack

        with still_stack() as bench:
            invoked = coldstart.first_invocations(bench)
        results.cold, results.cold_floor, results.cold_first = coldstart.measure_all(invoked)
        results.cold_imports = {f: coldstart.import_profile(f, 6) for f in coldstart.GUEST_FACING}
    elif part == "throughput":
        results.throughput = [*throughput.measure_all(workers=0), *throughput.measure_all()]
    elif part == "push":
        from bench import push_latency

        results.push = push_latency.run()
    elif part == "scaling":
        results.scaling = scaling_table()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--profile", choices=("place_order", "menu"), help="pyinstrument profile of warm quotes or menu reads")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "layers" / "shared" / "python"))  # Lambda's layer path, as local.stack does
    parts, results = set(args.only.split(",")), report.Results()
    started = time.monotonic()
    if args.profile:
        from bench.world import http_event, still_stack

        samples = {"place_order": "place_order/post_quote", "menu": "menu/get_menu"}
        with still_stack() as bench:
            print(overhead.profile(bench, args.profile, lambda: http_event(samples[args.profile])))
        return
    for part in [p for p in PARTS if p in parts]:
        try:
            measure_part(part, results, args.iterations)
        except Exception as error:  # a part that breaks (e.g. a stack overloaded) must not lose the others
            results.failures.append((part, f"{type(error).__name__}: {str(error)[:300]}"))
    results.seconds = time.monotonic() - started
    text = report.render(results)
    print(text)
    if not args.no_write:
        report.write(ROOT / "docs" / "performance.md", text)
        print("\nwritten to docs/performance.md")


if __name__ == "__main__":
    main()
