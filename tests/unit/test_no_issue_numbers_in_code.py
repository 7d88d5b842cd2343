"""Code says what it does; the history of why (issue numbers, reports) belongs in docs/ and the commits.
A comment or docstring that points at "issue 8" tells a newcomer nothing once the tracker is gone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
CODE = ["layers/shared", "functions", "local", "bench", "infra", "tests", "tools", "miniprogram/src",
        "miniprogram/tests", "miniprogram/scripts"]
SUFFIXES = {".py", ".js", ".yml", ".yaml", ".sh", ".wxml", ".html"}
SKIP = {"node_modules", "miniprogram_npm", "__pycache__"}
ISSUE = re.compile(r"\b[Ii]ssues? ?#?\d+|\(#\d+\)|report of issue|issue \d+ report")


def _code_files():
    for top in CODE:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in SUFFIXES and path.is_file() and not SKIP & set(path.parts):
                yield path


def test_no_code_refers_to_an_issue_number():
    this = Path(__file__).resolve()
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in _code_files() if path.resolve() != this
             for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if ISSUE.search(line)]
    assert found == [], "say what the code does, or point at the doc section:\n" + "\n".join(found)
