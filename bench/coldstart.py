"""Cold start: the import time of each function's handler module in a fresh interpreter, as a ratio to
``import boto3`` alone in a fresh interpreter (median of several runs; .pyc files warmed first)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUEST_FACING = ("auth", "menu", "place_order", "orders", "tables", "pay_notify")
TARGET = 1.5

_TIMED_IMPORT = """
import importlib.util, sys, time
started = time.perf_counter()
{body}
print(time.perf_counter() - started)
"""
_HANDLER = """spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))"""


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
    """What Lambda gives a function: its layers on the path, region, Powertools settings; no AWS endpoint."""
    layers = [str(ROOT / "layers" / "shared" / "python")]
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {**keep, "PYTHONPATH": os.pathsep.join(layers), "AWS_REGION": "ap-east-1",
            "AWS_DEFAULT_REGION": "ap-east-1", "POWERTOOLS_SERVICE_NAME": "diancan",
            "POWERTOOLS_METRICS_NAMESPACE": "diancan", "POWERTOOLS_TRACE_DISABLED": "true",
            "DIANCAN_TABLE": "bench-main", "DIANCAN_BUS": "bench-bus", "DIANCAN_SECRET_PREFIX": "diancan/bench"}


def timed_import(body: str, *args: str) -> float:
    code = _TIMED_IMPORT.format(body=body)
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                         env=lambda_environment(), cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def median_import(body: str, *args: str, runs: int) -> float:
    timed_import(body, *args)  # compile .pyc once
    return statistics.median(timed_import(body, *args) for _ in range(runs))


def functions() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))


def measure_all(runs: int = 7) -> list[ColdStart]:
    boto3_alone = median_import("import boto3", runs=runs)
    return [ColdStart(name, median_import(_HANDLER, str(ROOT / "functions" / name / "handler.py"), runs=runs),
                      boto3_alone) for name in functions()]


def import_profile(function: str, top: int = 15) -> list[tuple[float, str]]:
    """The heaviest imports (cumulative µs) of one handler, from ``python -X importtime``."""
    code = _TIMED_IMPORT.format(body=_HANDLER)
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code,
                          str(ROOT / "functions" / function / "handler.py")],
                         capture_output=True, text=True, check=True, env=lambda_environment(), cwd=ROOT)
    rows = []
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line.removeprefix("import time:").split("|")
            rows.append((int(cumulative) / 1e6, name.rstrip()))
    top_level = [(s, n.strip()) for s, n in rows if not n.startswith("   ")]
    return sorted(top_level, reverse=True)[:top]
