"""Alerts for store managers on the SNS topic (email/SMS subscriptions): low stock, orders awaiting a
decision. A failure raises, so the SQS message that caused it is retried."""

from __future__ import annotations

import json
import logging

from diancan.adapters.aws import client

logger = logging.getLogger(__name__)
SUBJECT_MAX = 100  # SNS subject: ASCII, at most 100 characters


class SnsAlerts:
    def __init__(self, topic_arn: str, region: str) -> None:
        self._topic_arn = topic_arn
        self._region = region

    def publish(self, kind: str, subject: str, detail: dict) -> None:
        """Send one alert; ``kind`` becomes a message attribute so subscriptions can filter on it."""
        if not self._topic_arn:
            logger.warning("no alert topic configured; alert not sent", extra={"kind": kind})
            return
        client("sns", self._region).publish(
            TopicArn=self._topic_arn,
            Subject=subject.encode("ascii", "replace").decode()[:SUBJECT_MAX],
            Message=json.dumps({"kind": kind, **detail}, ensure_ascii=False, separators=(",", ":")),
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )
