"""Powertools Logger, Metrics and Tracer, built the same way for every function.

Logs are JSON with the order id as correlation id where there is one; phone numbers and addresses never
reach a log line (they are encrypted before they leave the request, and the logger redacts obvious ones).
"""

from __future__ import annotations

import re

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

_PHONE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Masks mainland mobile numbers anywhere in a log record, as a last line of defence."""

    def serialize(self, log: dict) -> str:
        return _PHONE.sub(r"\1****\2", super().serialize(log))


def tools(service: str) -> tuple[Logger, Metrics, Tracer]:
    logger = Logger(service=service, logger_formatter=RedactingFormatter())
    return logger, Metrics(service=service), Tracer(service=service)
