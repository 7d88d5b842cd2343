"""``make unit``/``make check`` collect only UNIT_PATHS and SERVICE_PATHS (Makefile): a unit- or service-marked test
elsewhere would be skipped, and a test in the service tier without its marker would not run in ``make check``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def test_every_unit_marked_test_file_is_in_the_makefiles_unit_paths():
    line = next(x for x in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines() if x.startswith("UNIT_PATHS"))
    paths = line.split(":=", 1)[1].split()
    marked = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("test_*.py")
              if re.search(r"pytest\.mark\.unit\b", p.read_text(encoding="utf-8"))}
    outside = sorted(m for m in marked if not any(m == p or m.startswith(p.rstrip("/") + "/") for p in paths))
    assert marked and not outside, f"unit tests outside UNIT_PATHS (add them to the Makefile): {outside}"


def _makefile_paths(variable: str) -> list[str]:
    line = next(x for x in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines() if x.startswith(variable))
    return line.split(":=", 1)[1].split()


def test_the_service_tier_is_all_service_marked_and_only_there():
    paths = _makefile_paths("SERVICE_PATHS")
    inside = {p for path in paths for p in (ROOT / path).rglob("test_*.py")}
    marked = {p for p in (ROOT / "tests").rglob("test_*.py")
              if re.search(r"pytest\.mark\.service\b", p.read_text(encoding="utf-8"))}
    assert inside, f"no tests under SERVICE_PATHS {paths}"
    assert sorted(str(p.relative_to(ROOT)) for p in inside - marked) == [], "tests in the tier without the service marker"
    assert sorted(str(p.relative_to(ROOT)) for p in marked - inside) == [], "service-marked tests outside SERVICE_PATHS"


def test_every_e2e_marked_test_file_is_in_the_makefiles_e2e_paths():
    paths = _makefile_paths("E2E_PATHS")
    marked = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("test_*.py")
              if re.search(r"pytest\.mark\.e2e\b", p.read_text(encoding="utf-8"))}
    outside = sorted(m for m in marked if not any(m == p or m.startswith(p.rstrip("/") + "/") for p in paths))
    assert marked and not outside, f"e2e tests outside E2E_PATHS (add them to the Makefile): {outside}"


def test_make_check_runs_both_tiers():
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ncheck:", 1)[1].split("\n\n", 1)[0]
    assert "$(UNIT_PATHS)" in recipe and "$(SERVICE_PATHS)" in recipe and "unit or service" in recipe
