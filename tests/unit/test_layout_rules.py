"""The import rules of docs/architecture.md ("Layout and rules"), read from the code's import statements
(lazy imports inside functions included): the tiers point inward, and nothing the Lambda functions ship
imports the local stack, the operator tools, the tests or the bench."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ROOT / "layers" / "shared" / "python" / "diancan"
OUTSIDE_THE_PRODUCT = {"local", "tools", "tests", "bench"}
IO_LIBRARIES = {"boto3", "botocore", "pynamodb", "requests", "urllib", "http", "socket", "flask", "os"}
# tier -> the diancan modules it must not import
FORBIDDEN = {
    "domain": {"adapters", "services", "console", "bootstrap", "settings", "http", "guest", "consumer",
               "observability", "front_door"},
    "adapters": {"services", "console", "bootstrap", "http", "guest", "consumer"},
    "services": {"console", "bootstrap", "http", "guest", "consumer"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _violations(files, bad) -> list[str]:
    return sorted(f"{path.relative_to(ROOT)} imports {module}"
                  for path in files for module in _imports(path) if bad(module))


@pytest.mark.parametrize("tier", sorted(FORBIDDEN))
def test_a_tier_imports_nothing_above_it(tier):
    forbidden = FORBIDDEN[tier]
    found = _violations((PRODUCT / tier).rglob("*.py"),
                        lambda m: m.split(".")[0] == "diancan" and len(m.split(".")) > 1 and m.split(".")[1] in forbidden)
    assert found == [], f"{tier}/ may not import {sorted(forbidden)}:\n" + "\n".join(found)


def test_the_domain_does_no_io():
    found = _violations((PRODUCT / "domain").rglob("*.py"), lambda m: m.split(".")[0] in IO_LIBRARIES)
    assert found == [], "domain/ is pure (no AWS, HTTP, Flask or environment):\n" + "\n".join(found)


def test_what_lambda_ships_imports_no_local_stack_tool_test_or_bench():
    shipped = [*PRODUCT.rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    found = _violations(shipped, lambda m: m.split(".")[0] in OUTSIDE_THE_PRODUCT)
    assert found == [], "\n".join(found)


def test_the_local_stack_does_not_import_the_operator_tools():
    found = _violations((ROOT / "local").rglob("*.py"), lambda m: m.split(".")[0] == "tools")
    assert found == [], "\n".join(found)
