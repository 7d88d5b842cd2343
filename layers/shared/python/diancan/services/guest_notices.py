"""Telling the guest their order is ready for pickup (guest_notify, on ``OrderReady``).

At most one push per order, however often SQS delivers the event: the order's ``NOTICE#READY`` record is
read with the order, claimed with a conditional put before WeChat is called and settled with WeChat's
answer. WeChat unreachable or busy frees the claim and fails the record (SQS retries, then the DLQ);
"not subscribed" (43101) and refusals are settled outcomes, counted as metrics. Which guests are told and
how values fit WeChat's template rules: domain/guest_notices.py."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from diancan.domain.clock import BUSINESS_TZ_DEFAULT, parse_iso, utcnow
from diancan.domain.errors import UpstreamUnavailable
from diancan.domain.guest_notices import ReadyTemplate, ready_message, skip_reason
from diancan.services.kitchen import ORDER_READY

if TYPE_CHECKING:
    from diancan.adapters.notice_store import NoticeStore
    from diancan.adapters.wechat_messages import WeChatSubscribeMessages

logger = logging.getLogger(__name__)

READY = "READY"
METRICS = {"sent": "ReadyNoticeSent", "not_subscribed": "ReadyNoticeNotSubscribed",
           "refused": "ReadyNoticeRefused"}
SETTLED = {"sent": "SENT", "not_subscribed": "NOT_SUBSCRIBED", "refused": "REFUSED"}


class ReadyNotices:
    def __init__(self, notices: NoticeStore, messages: WeChatSubscribeMessages, template: ReadyTemplate | None, *,
                 tz: str = BUSINESS_TZ_DEFAULT, count: Callable[[str], None] = lambda name: None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._notices = notices
        self._messages = messages
        self._template = template
        self._tz = tz
        self._count = count
        self._clock = clock

    def handle(self, detail_type: str, detail: dict) -> str:
        """What happened to this event's notice (for the consumer's log line)."""
        if detail_type != ORDER_READY:
            return "ignored"
        read = self._notices.read(detail["order_id"], detail["store_id"], READY)
        if read.state in SETTLED.values():  # SENDING: claimed by a delivery that may have died; claim decides
            return f"already:{read.state}"
        if reason := skip_reason(read.order):
            return f"skipped:{reason}"
        if self._template is None:
            logger.warning("no ready_template in the wechat secret: guests are not told their order is ready")
            self._count("ReadyNoticeNotConfigured")
            return "skipped:not_configured"
        at = parse_iso(detail["at"]) if detail.get("at") else self._clock()
        message = ready_message(read.order, read.store_name, self._template, at, self._tz)
        self._notices.claim(read.order.order_id, READY, self._clock())
        try:
            result = self._messages.send(message)
        except UpstreamUnavailable:
            self._notices.settle(read.order.order_id, READY, "RETRY")
            raise
        self._notices.settle(read.order.order_id, READY, SETTLED[result.outcome], errcode=result.errcode,
                             msgid=result.msgid)
        self._count(METRICS[result.outcome])
        return result.outcome
