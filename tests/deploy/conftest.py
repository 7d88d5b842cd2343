"""The packaged CloudFormation template, made once per test session by ``serverless package`` (offline)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.deploy.samples import served_simulators

TEMPLATE_NAME = "cloudformation-template-update-stack.json"


def _run(command: list[str], what: str) -> None:
    """Run without the tests' fake AWS credentials: with none, packaging stays offline (no stack lookup)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def package(into: Path, stage: str = "dev") -> Path:
    """Build the layers, then ``serverless package`` into ``into``; the path of the template."""
    _run(["bash", "infra/build_layers.sh"], "infra/build_layers.sh")
    if not (ROOT / "node_modules" / ".bin" / "serverless").exists():
        _run(["npm", "ci", "--no-audit", "--no-fund"], "npm ci")
    _run(["npx", "--no-install", "serverless", "package", "--stage", stage, "--package", str(into)],
         "serverless package")
    return into / TEMPLATE_NAME


@pytest.fixture(scope="session")
def packaged(tmp_path_factory) -> Path:
    """The directory ``serverless package --stage dev`` wrote (template and zips). Each xdist worker packages
    into its own directory, so two workers never write the same files."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("node/npm not found: cannot run `serverless package`")
        pytest.skip("node and npm are needed to run `serverless package`")
    directory = tmp_path_factory.mktemp("serverless")
    lock_path = ROOT / "artifacts" / "package.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:  # xdist workers: one layer build (they write the same files) at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        package(directory)
    return directory


@pytest.fixture(scope="session")
def template(packaged) -> dict:
    return json.loads((packaged / TEMPLATE_NAME).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def simulators():
    """The local world's simulators, served once per session (each test resets them)."""
    with served_simulators() as served:
        yield served
