"""Cold import of the guest functions on two Python interpreters, measured interleaved (A, B, A, B, …).

    python -m bench.interpreters OLD_PYTHON NEW_PYTHON [SOURCE_DIR]

Each run is a fresh interpreter importing one handler module (CPU time, bytecode warmed first), with the
repository's shared layer on the path and each interpreter's own site-packages. Running the two
interpreters turn by turn puts both under the same machine load, so their ratio holds on a busy machine
where absolute times do not. SOURCE_DIR (default: this checkout) must hold code both interpreters can run.
Used to record the move from python3.11 to python3.13 in docs/performance.md.
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
from pathlib import Path

_MEASURE = importlib.util.spec_from_file_location("measure", Path(__file__).resolve().parent.parent / "infra" / "measure.py")
_measure = importlib.util.module_from_spec(_MEASURE)
_MEASURE.loader.exec_module(_measure)
IMPORT, BOTO3 = _measure.IMPORT, _measure.BOTO3  # the same timed snippets as the package measurement

GUEST_FUNCTIONS = ("auth", "menu", "place_order", "orders", "tables", "pay_notify")
RUNS = 9
ENV = {"PATH": "/usr/bin:/bin", "AWS_REGION": "ap-east-1", "POWERTOOLS_TRACE_DISABLED": "true",
       "DIANCAN_TABLE": "bench", "DIANCAN_BUS": "bench"}


def seconds(python: str, code: str, *args: str, source: Path) -> float:
    env = {**ENV, "PYTHONPATH": f"{source / 'layers' / 'shared' / 'python'}:{source}"}
    done = subprocess.run([python, "-c", code, *args], env=env, cwd=source, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def interleaved(pythons: tuple[str, str], code: str, *args: str, source: Path) -> tuple[float, float]:
    for python in pythons:  # warm the bytecode caches
        seconds(python, code, *args, source=source)
    runs: tuple[list[float], list[float]] = ([], [])
    for _ in range(RUNS):
        for index, python in enumerate(pythons):
            runs[index].append(seconds(python, code, *args, source=source))
    return statistics.median(runs[0]), statistics.median(runs[1])


def main(old: str, new: str, source: Path) -> None:
    versions = [subprocess.run([p, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                               capture_output=True, text=True, check=True).stdout.strip() for p in (old, new)]
    boto3 = interleaved((old, new), BOTO3, source=source)
    print(f"| handler | {versions[0]} ms | ratio to boto3 | {versions[1]} ms | ratio to boto3 | {versions[1]} / {versions[0]} |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| `import boto3` | {boto3[0] * 1000:.0f} | 1.00 | {boto3[1] * 1000:.0f} | 1.00 | {boto3[1] / boto3[0]:.2f} |")
    for function in GUEST_FUNCTIONS:
        handler = str(source / "functions" / function / "handler.py")
        a, b = interleaved((old, new), IMPORT, handler, source=source)
        print(f"| {function} | {a * 1000:.0f} | {a / boto3[0]:.2f} | {b * 1000:.0f} | {b / boto3[1]:.2f} | {b / a:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3] if len(sys.argv) > 3 else Path(__file__).resolve().parent.parent))
