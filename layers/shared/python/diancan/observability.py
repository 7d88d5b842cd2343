"""Powertools Logger, Metrics and Tracer, built the same way for every function.

Logs are JSON with the order id as correlation id where there is one; phone numbers and addresses never
reach a log line (they are encrypted before they leave the request, and the logger redacts obvious ones).

The X-Ray SDK is loaded only where tracing is on: Powertools' ``Tracer()`` imports ``aws_xray_sdk.core``
(~100 ms, as much as boto3 itself) even when tracing is disabled, which guest-facing functions pay at every
cold start. Those functions run with SDK tracing off by default (serverless.yml ``guestSdkTracing``):
Lambda's active tracing still records their invocations; subsegments per call can be switched on per stage.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

_PHONE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Masks mainland mobile numbers anywhere in a log record, as a last line of defence."""

    def serialize(self, log: dict) -> str:
        return _PHONE.sub(r"\1****\2", super().serialize(log))


class UntracedHandler:
    """What a function uses in place of Powertools' Tracer when tracing is off: its decorator changes nothing."""

    def capture_lambda_handler(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        return handler


def tracing_enabled() -> bool:
    """Powertools' own rule: on in Lambda unless ``POWERTOOLS_TRACE_DISABLED`` is true."""
    disabled = resolve_truthy_env_var_choice(env=os.getenv("POWERTOOLS_TRACE_DISABLED", "false"))
    return bool(os.getenv("LAMBDA_TASK_ROOT")) and not disabled and not os.getenv("AWS_SAM_LOCAL")


def tools(service: str) -> tuple[Logger, Metrics, Any]:
    """Logger, Metrics and a tracer (Powertools' Tracer, or ``UntracedHandler`` when tracing is off)."""
    logger = Logger(service=service, logger_formatter=RedactingFormatter())
    if tracing_enabled():
        from aws_lambda_powertools import Tracer

        return logger, Metrics(service=service), Tracer(service=service)
    return logger, Metrics(service=service), UntracedHandler()
