"""What a guest-facing function loads at import (cold start): no X-Ray SDK with tracing off, and no adapter
module (botocore, wechatpayv3) before the composition root builds one. Module presence, not time: the times
are measured by `make bench` (docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from diancan import observability

ROOT = Path(__file__).resolve().parents[2]
GUEST_FACING = ("auth", "menu", "place_order", "orders", "tables", "pay_notify")
_LOADED = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
print(json.dumps(sorted(sys.modules)))
"""

pytestmark = pytest.mark.unit


def loaded_at_import(function: str, **environment: str) -> set[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "layers" / "shared" / "python"),
           "AWS_REGION": "ap-east-1", "DIANCAN_TABLE": "t", "DIANCAN_BUS": "b", "DIANCAN_SECRET_PREFIX": "p",
           **environment}
    out = subprocess.run([sys.executable, "-c", _LOADED, str(ROOT / "functions" / function / "handler.py")],
                         capture_output=True, text=True, check=True, env=env)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("function", GUEST_FACING)
def test_guest_function_imports_no_tracing_sdk_and_no_adapter(function):
    loaded = loaded_at_import(function, LAMBDA_TASK_ROOT="/var/task", POWERTOOLS_TRACE_DISABLED="true")
    assert not {m for m in loaded if m.startswith(("aws_xray_sdk", "botocore.", "boto3", "pynamodb", "wechatpayv3"))}


def test_tracing_on_in_lambda_unless_disabled(monkeypatch):
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.delenv("AWS_SAM_LOCAL", raising=False)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    assert observability.tracing_enabled()
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    assert not observability.tracing_enabled()
    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED")
    monkeypatch.delenv("LAMBDA_TASK_ROOT")
    assert not observability.tracing_enabled()  # tests, the local stack, scripts


def test_untraced_handler_runs_the_handler_unchanged():
    _logger, _metrics, tracer = observability.tools("test")
    assert isinstance(tracer, observability.UntracedHandler)

    def handler(event, context):
        return {"echo": event}

    assert tracer.capture_lambda_handler(handler) is handler
