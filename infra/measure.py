"""Package sizes and cold-start import times per function, as a Markdown table for docs/packaging.md.

    infra/build_layers.sh && npx serverless package --stage dev --package artifacts/measure
    .venv/bin/python infra/measure.py artifacts/measure

Each function's zip and the layer zips it lists in the packaged template are unpacked the way Lambda does
(its layers into one /opt, the function into the task directory, file times reset to 1980 as in the zips). Each handler module is then
imported in a fresh interpreter that sees only those folders plus the standard library (-S: no venv), with
bytecode writing off (/opt is read-only on Lambda): CPU time (steadier than wall time on a busy machine), the median of five runs, next to `import boto3` alone
measured the same way against the venv. Numbers are from this machine, not from Lambda.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def layers_of_functions(package_dir: Path) -> dict[str, list[str]]:
    """Each function's layers (zip stems, in order) as the packaged template lists them."""
    template = json.loads((package_dir / "cloudformation-template-update-stack.json").read_text())
    resources = template["Resources"]
    stems = {logical: resource["Properties"]["LayerName"].rsplit("-", 1)[-1]
             for logical, resource in resources.items() if resource["Type"] == "AWS::Lambda::LayerVersion"}
    return {resource["Properties"]["Handler"].split("/")[1]: [stems[ref["Ref"]] for ref in resource["Properties"]["Layers"]]
            for resource in resources.values() if resource["Type"] == "AWS::Lambda::Function"}


def layer_zip(package_dir: Path, stem: str) -> Path:
    """serverless zips the shared layer into the package; the third-party ones are zipped by
    infra/build_layers.sh (serverless.yml names them as the layers' artifacts)."""
    packaged = package_dir / f"{stem}.zip"
    return packaged if packaged.is_file() else ROOT / "artifacts" / "layers" / f"{stem}.zip"


def main(package_dir: Path) -> None:
    function_layers = layers_of_functions(package_dir)
    layers = [layer_zip(package_dir, stem) for stem in sorted({s for stems in function_layers.values() for s in stems})]
    functions = sorted(p for p in package_dir.glob("*.zip") if p.stem in function_layers)
    env = {"PATH": "/usr/bin:/bin", "AWS_REGION": "ap-east-1", "PYTHONDONTWRITEBYTECODE": "1",
           "POWERTOOLS_TRACE_DISABLED": "true"}
    with tempfile.TemporaryDirectory() as tmp:
        boto3_s = median_seconds([sys.executable, "-c", BOTO3], env)
        print("| package | zip (KiB) | unzipped (MiB) | handler import (ms) |")
        print("|---|---:|---:|---:|")
        for layer in layers:
            print(f"| layer `{layer.stem}` | {layer.stat().st_size / 1024:,.0f} | {unzipped_size(layer) / 2**20:.1f} | |")
        for function in functions:
            task, opt = Path(tmp, "task", function.stem), Path(tmp, "opt", function.stem)
            zipfile.ZipFile(function).extractall(task)
            for stem in function_layers[function.stem]:
                zipfile.ZipFile(layer_zip(package_dir, stem)).extractall(opt)
            handler = task / "functions" / function.stem / "handler.py"
            seconds = median_seconds([sys.executable, "-S", "-c", IMPORT, str(handler)],
                                     {**env, "PYTHONPATH": f"{task}:{opt / 'python'}"})
            print(f"| `{function.stem}` | {function.stat().st_size / 1024:,.1f} | "
                  f"{unzipped_size(function) / 2**20:.2f} | {seconds * 1000:.0f} |")
        print(f"\n`import boto3` alone (venv, same method): {boto3_s * 1000:.0f} ms")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ".serverless"))
