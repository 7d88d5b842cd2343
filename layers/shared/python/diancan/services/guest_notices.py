"""Telling the guest how their order goes (guest_notify): ready for pickup (``OrderReady``), accepted with an
estimated time (``OrderAccepted``), out for delivery (``OrderOutForDelivery``), delivered (``OrderCompleted`` of a delivery order), refund completed
(``OrderRefunded``). Each kind has its own template; one not configured is skipped and counted.

At most one push per order and kind, however often SQS delivers the event: the order's ``NOTICE#<KIND>`` record is
read with the order, claimed with a conditional put before WeChat is called and settled with WeChat's
answer. WeChat unreachable or busy frees the claim and fails the record (SQS retries, then the DLQ);
"not subscribed" (43101) and refusals are settled outcomes, counted as metrics. Which guests are told and
how values fit WeChat's template rules: domain/guest_notices.py."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from diancan.domain.clock import BUSINESS_TZ_DEFAULT, parse_iso, utcnow
from diancan.domain.errors import UpstreamUnavailable
from diancan.domain.events import (
    ORDER_ACCEPTED,
    ORDER_COMPLETED,
    ORDER_OUT_FOR_DELIVERY,
    ORDER_READY,
    ORDER_REFUNDED,
    OrderEvent,
)
from diancan.domain.guest_notices import (
    ACCEPTED,
    DELIVERED,
    DELIVERING,
    READY,
    REFUNDED,
    NoticeTemplate,
    notice_message,
    skip_reason,
)
from diancan.domain.service_state import order_estimate
from diancan.services.ports import NoticeLedger, ServiceStateLedger, SubscribeMessages

logger = logging.getLogger(__name__)

KIND_OF_EVENT = {ORDER_READY: READY, ORDER_ACCEPTED: ACCEPTED, ORDER_COMPLETED: DELIVERED, ORDER_REFUNDED: REFUNDED,
                 ORDER_OUT_FOR_DELIVERY: DELIVERING}
METRICS = {"sent": "NoticeSent", "not_subscribed": "NoticeNotSubscribed", "refused": "NoticeRefused"}
SETTLED = {"sent": "SENT", "not_subscribed": "NOT_SUBSCRIBED", "refused": "REFUSED"}


def metric(kind: str, name: str) -> str:
    """``ReadyNoticeSent``, ``AcceptedNoticeRefused``, …"""
    return kind.title() + name


class GuestNotices:
    def __init__(self, notices: NoticeLedger, messages: SubscribeMessages,
                 templates: dict[str, NoticeTemplate], *, tz: str = BUSINESS_TZ_DEFAULT,
                 count: Callable[[str], None] = lambda name: None, clock: Callable[[], datetime] = utcnow,
                 service_states: ServiceStateLedger | None = None) -> None:
        self._notices = notices
        self._service_states = service_states  # the accepted message's estimate: the kitchen's open tickets
        self._messages = messages
        self._templates = templates
        self._tz = tz
        self._count = count
        self._clock = clock

    def handle(self, event: OrderEvent | None) -> str:
        """What happened to this typed event's notice (for the consumer's log line)."""
        kind = None if event is None else KIND_OF_EVENT.get(event.name)
        if event is None or kind is None:
            return "ignored"
        if kind == DELIVERED and getattr(event, "mode", None) not in (None, "delivery"):
            return "skipped:not_delivery"  # the event says so: no read needed
        template = self._templates.get(kind)
        if template is None:
            logger.warning("no %s template in the wechat secret: guests are not told", kind)
            self._count(metric(kind, "NoticeNotConfigured"))
            return "skipped:not_configured"
        read = self._notices.read(event.order_id, event.store_id, kind)
        if read.state in SETTLED.values():  # SENDING: claimed by a delivery that may have died; claim decides
            return f"already:{read.state}"
        if reason := skip_reason(read.order, kind):
            return f"skipped:{reason}"
        at = parse_iso(event.at) if event.at else self._clock()
        ready_at = None
        if kind == ACCEPTED and self._service_states is not None:  # one GetItem, for this kind only
            ready_at = order_estimate(self._service_states.read(read.order.store_id), read.order, at).ready_at
        message = notice_message(kind, read.order, read.store_name, template, at, self._tz,
                                 amount_fen=getattr(event, "amount_fen", None), ready_at=ready_at)
        self._notices.claim(read.order.order_id, kind, self._clock())
        try:
            result = self._messages.send(message)
        except UpstreamUnavailable:
            self._notices.settle(read.order.order_id, kind, "RETRY")
            raise
        self._notices.settle(read.order.order_id, kind, SETTLED[result.outcome], errcode=result.errcode,
                             msgid=result.msgid)
        self._count(metric(kind, METRICS[result.outcome]))
        return result.outcome


ReadyNotices = GuestNotices  # the name from when "ready" was the only kind
