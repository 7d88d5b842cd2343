"""What every SQS consumer shares: each SQS body is an EventBridge event from the bus, records are handled
one at a time with Powertools batch processing, and a failed record is retried alone (partial batch
failure), then dead-lettered after the queue's max receive count (and the DLQ alarm fires)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from diancan.domain.errors import DomainError, UpstreamUnavailable
from diancan.domain.events import OrderEvent, parse_event


@dataclass(frozen=True)
class BusEvent:
    detail_type: str
    detail: dict
    receive_count: int  # 1 on the first delivery; consumers may give up gracefully on the last one

    @property
    def event(self) -> OrderEvent | None:
        """The typed event (domain.events), None for a detail-type that is not ours; ValidationError when the
        detail breaks its contract."""
        return parse_event(self.detail_type, self.detail)


def consume(event: dict, context, logger: Logger, handle: Callable[[BusEvent], object], *,
            acknowledge_refusals: bool = False) -> dict:
    """Handle every record of an SQS batch and answer ``batchItemFailures``.

    ``acknowledge_refusals``: a consumer that flags and alerts on a business refusal itself (a printer or
    courier that says no) acknowledges the record, since a retry cannot help; an outside service that is
    down (``UpstreamUnavailable``) or a concurrent change (409) is always retried."""

    def record_handler(record: SQSRecord) -> None:
        body = json.loads(record.body)
        detail = body.get("detail") or {}
        logger.append_keys(order_id=detail.get("order_id"), detail_type=body.get("detail-type"))
        bus_event = BusEvent(body.get("detail-type", ""), detail,
                             int(record.attributes.approximate_receive_count or 1))
        try:
            outcome = handle(bus_event)
        except DomainError as error:
            if not acknowledge_refusals or isinstance(error, UpstreamUnavailable) or error.status == 409:
                raise
            logger.error("event refused", extra={"code": error.code})
            return
        logger.info("event handled", extra={"outcome": outcome_for_log(outcome)})

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def outcome_for_log(outcome: object) -> str:
    """What a handler returned, as a log may show it: a short code as is (``"paid"``, ``True``), anything
    else by kind and size only. Print jobs, notices and orders carry what guests typed (remarks with
    addresses, names, review text), which never goes to logs."""
    if outcome is None or isinstance(outcome, (bool, int)):
        return str(outcome)
    if isinstance(outcome, str):
        return outcome if len(outcome) <= 32 and outcome.isascii() else f"str[{len(outcome)}]"
    if isinstance(outcome, (list, tuple, set, dict)):
        return f"{type(outcome).__name__}[{len(outcome)}]"
    return type(outcome).__name__
