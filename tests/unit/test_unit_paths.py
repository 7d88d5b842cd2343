"""``make unit``/``make check`` collect only UNIT_PATHS (Makefile): a unit-marked test elsewhere would be skipped."""

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
