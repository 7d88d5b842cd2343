"""The hashed dependency locks: fresh, consistent, installed, and split per layer (infra/locks.py)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def locks():
    spec = importlib.util.spec_from_file_location("locks", ROOT / "infra" / "locks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def copied_locks(locks, tmp_path, monkeypatch):
    """The locks and their inputs in a scratch folder, so a test can change them."""
    for name in ("requirements.txt", "requirements-dev.txt", "requirements.lock", "requirements-dev.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    for attribute, name in (("RUNTIME_INPUT", "requirements.txt"), ("RUNTIME_LOCK", "requirements.lock"),
                            ("DEV_INPUT", "requirements-dev.txt"), ("DEV_LOCK", "requirements-dev.lock")):
        monkeypatch.setattr(locks, attribute, tmp_path / name)
    return tmp_path


def test_both_locks_are_fresh_for_their_inputs(locks):
    assert locks.problems() == []


def test_a_requirement_changed_without_make_lock_makes_the_runtime_lock_stale(locks, copied_locks):
    with (copied_locks / "requirements.txt").open("a") as requirements:
        requirements.write("humanize>=4\n")
    assert any("requirements.lock is stale" in problem for problem in locks.problems())


def test_a_dev_lock_that_disagrees_with_the_runtime_lock_is_refused(locks, copied_locks):
    dev = copied_locks / "requirements-dev.lock"
    runtime_pydantic = locks.pins(copied_locks / "requirements.lock")["pydantic"]
    dev.write_text(dev.read_text().replace(f"pydantic=={runtime_pydantic}", "pydantic==2.0.0"))
    assert any("pydantic==2.0.0" in problem for problem in locks.problems())


def test_every_locked_package_carries_its_hashes(locks):
    for lock in (locks.RUNTIME_LOCK, locks.DEV_LOCK):
        for entry in locks.parse(lock.read_text()).values():
            assert any("--hash=sha256:" in line for line in entry.lines), f"{lock.name}: {entry.name} has no hash"


def test_the_venv_runs_exactly_the_locked_versions(locks):
    if sys.version_info[:2] != tuple(int(part) for part in locks.PYTHON_VERSION.split(".")):
        pytest.skip(f"the locks are for CPython {locks.PYTHON_VERSION}")
    wrong = {}
    for name, pinned in locks.pins(locks.DEV_LOCK).items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            wrong[name] = (pinned, installed)
    assert wrong == {}, "run `make .venv/.installed` (the venv is not the lock)"


def test_a_heavy_layer_takes_what_only_its_packages_need_and_deps_keeps_what_others_share(locks):
    rest, reports = locks.subset(["rjieba", "openpyxl"])
    assert {entry.name for entry in reports} == {"rjieba", "openpyxl", "et-xmlfile"}
    rest_names = {entry.name for entry in rest}
    assert {"pydantic", "pynamodb", "botocore"} <= rest_names
    assert rest_names.isdisjoint({"rjieba", "openpyxl", "et-xmlfile"})
    assert len(rest) + len(reports) == len(locks.parse(locks.RUNTIME_LOCK.read_text()))


def test_a_package_another_requirement_also_needs_stays_in_the_deps_layer(locks):
    _, console = locks.subset(["flask"])
    names = {entry.name for entry in console}
    assert "flask" in names
    assert "werkzeug" not in names  # serverless-wsgi needs it too
