"""courier_dispatch: CourierQueue (OrderPaid, OrderAccepted, CourierDispatchRequested from the bus) → book the
courier for a paid delivery order when the store's trigger comes. A record failed on an unreachable platform
is retried by SQS (visibility timeout); on its last receive the delivery waits for staff (flag + alert)."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from diancan import bootstrap
from diancan.domain.errors import DomainError, UpstreamUnavailable
from diancan.observability import tools

logger, metrics, tracer = tools("courier_dispatch")
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)  # report, not raise


def dispatch_record(record: SQSRecord) -> None:
    event = json.loads(record.body)
    detail = event.get("detail") or {}
    logger.append_keys(order_id=detail.get("order_id"), detail_type=event.get("detail-type"))
    try:
        outcome = bootstrap.delivery().on_event(event["detail-type"], detail,
                                                receive_count=int(record.attributes.approximate_receive_count or 1))
    except DomainError as error:
        if isinstance(error, UpstreamUnavailable) or error.status == 409:
            raise  # courier unreachable or a concurrent change: SQS retries
        logger.error("dispatch event refused", extra={"code": error.code})  # a retry cannot help: acknowledge
        return
    logger.info("dispatch event handled", extra={"outcome": outcome})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=dispatch_record, processor=processor, context=context)
