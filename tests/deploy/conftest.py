"""The packaged CloudFormation template, made once per test session by ``serverless package`` (offline)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
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
    with layers_lock():
        _run(["npx", "--no-install", "serverless", "package", "--stage", stage, "--package", str(into)],
             "serverless package")
    return into / TEMPLATE_NAME


@contextlib.contextmanager
def layers_lock() -> Iterator[None]:
    """The lock infra/build_layers.sh takes: no layer is rebuilt (its directory removed and filled again)
    while ``serverless package`` zips it, whoever runs the build (another worker, session or shell)."""
    path = ROOT / "artifacts" / "layers.lock"
    path.parent.mkdir(exist_ok=True)
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def packaged_stage(tmp_path_factory, worker_id, stage: str) -> Path:
    """The directory ``serverless package --stage <stage>`` wrote (template and zips), made once per test
    session: the first xdist worker packages into the session's shared temporary directory, the others
    wait for it and read the same files."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("node/npm not found: cannot run `serverless package`")
        pytest.skip("node and npm are needed to run `serverless package`")
    session_dir = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # xdist: every worker's basetemp is a child of the session's
        session_dir = session_dir.parent
    directory = session_dir / f"serverless-{stage}"
    with (session_dir / "package.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / TEMPLATE_NAME).is_file():
            building = session_dir / f"serverless-{stage}.{os.getpid()}"
            package(building, stage)
            building.rename(directory)  # complete or absent, never half written
    return directory


@pytest.fixture(scope="session")
def packaged(tmp_path_factory, worker_id) -> Path:
    return packaged_stage(tmp_path_factory, worker_id, "dev")


@pytest.fixture(scope="session")
def packaged_stages(tmp_path_factory, worker_id):
    """``packaged_stages("prod-cn")``: that stage's package directory, made once per session."""
    return lambda stage: packaged_stage(tmp_path_factory, worker_id, stage)


@pytest.fixture(scope="session")
def template(packaged) -> dict:
    return json.loads((packaged / TEMPLATE_NAME).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def simulators():
    """The local world's simulators, served once per session (each test resets them)."""
    with served_simulators() as served:
        yield served
