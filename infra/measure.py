"""Package sizes and cold-start import times per function, as a Markdown table for docs/packaging.md.

    infra/build_layers.sh && npx serverless package --stage dev --package artifacts/measure
    .venv/bin/python infra/measure.py artifacts/measure

Each function's zip and each layer zip are unpacked the way Lambda does (layers into one /opt, the
function into the task directory, file times reset to 1980 as in the zips). Each handler module is then
imported in a fresh interpreter that sees only those folders plus the standard library (-S: no venv), with
bytecode writing off (/opt is read-only on Lambda): CPU time (steadier than wall time on a busy machine), the median of five runs, next to `import boto3` alone
measured the same way against the venv. Numbers are from this machine, not from Lambda.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

RUNS = 5
IMPORT = """
import importlib.util, sys, time
start = time.process_time()
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
print(time.process_time() - start)
"""
BOTO3 = "import time; start = time.process_time(); import boto3; print(time.process_time() - start)"


def unzipped_size(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(item.file_size for item in archive.infolist())


def median_seconds(command: list[str], env: dict[str, str]) -> float:
    runs = [float(subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout)
            for _ in range(RUNS)]
    return statistics.median(runs)


def main(package_dir: Path) -> None:
    layers = sorted(p for p in package_dir.glob("*.zip") if p.stem in ("deps", "shared", "reports"))
    functions = sorted(p for p in package_dir.glob("*.zip") if p not in layers)
    env = {"PATH": "/usr/bin:/bin", "AWS_REGION": "ap-east-1", "PYTHONDONTWRITEBYTECODE": "1",
           "POWERTOOLS_TRACE_DISABLED": "true"}
    with tempfile.TemporaryDirectory() as tmp:
        opt = Path(tmp, "opt")
        for layer in layers:
            zipfile.ZipFile(layer).extractall(opt)
        boto3_s = median_seconds([sys.executable, "-c", BOTO3], env)
        print("| package | zip (KiB) | unzipped (MiB) | handler import (ms) |")
        print("|---|---:|---:|---:|")
        for layer in layers:
            print(f"| layer `{layer.stem}` | {layer.stat().st_size / 1024:,.0f} | {unzipped_size(layer) / 2**20:.1f} | |")
        for function in functions:
            task = Path(tmp, "task", function.stem)
            zipfile.ZipFile(function).extractall(task)
            handler = task / "functions" / function.stem / "handler.py"
            seconds = median_seconds([sys.executable, "-S", "-c", IMPORT, str(handler)],
                                     {**env, "PYTHONPATH": f"{task}:{opt / 'python'}"})
            print(f"| `{function.stem}` | {function.stat().st_size / 1024:,.1f} | "
                  f"{unzipped_size(function) / 2**20:.2f} | {seconds * 1000:.0f} |")
        print(f"\n`import boto3` alone (venv, same method): {boto3_s * 1000:.0f} ms")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ".serverless"))
