"""Request keys: one key per intent (an order placed, a refund clicked), so a retried request repeats the
first answer instead of repeating the effect. The shape and the two refusals every keyed route shares."""

from __future__ import annotations

import re

from diancan.domain.errors import Conflict, InvalidRequest

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_\-:.]{8,64}$")


class KeyRequired(InvalidRequest):
    code, message_zh = "IDEMPOTENCY_KEY_REQUIRED", "缺少或无效的 Idempotency-Key"
    message_en = "send an Idempotency-Key header of 8-64 letters, digits or -_:."


class KeyReused(Conflict):
    code, message_zh, message_en = "IDEMPOTENCY_KEY_REUSED", "该请求标识已用于另一项操作", \
        "this request key was used for a different request"


def require_key(raw: str | None) -> str:
    """``raw`` when it is a well-formed key; else 400 IDEMPOTENCY_KEY_REQUIRED."""
    if not raw or not IDEMPOTENCY_KEY.match(raw):
        raise KeyRequired()
    return raw


class KeyInFlight(Conflict):
    code, message_zh, message_en = "REQUEST_IN_PROGRESS", "该操作正在处理中，请稍后刷新查看", \
        "the first request with this key is still running; refresh shortly"
