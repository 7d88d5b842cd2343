"""loyalty: LoyaltyQueue (OrderPaid, OrderCancelled, OrderCompleted, OrderRefunded from the bus) → coupons
spent or returned, points earned or reversed, the guest's dish counts. A failed record is retried alone."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from diancan import bootstrap
from diancan.observability import tools

logger, metrics, tracer = tools("loyalty")
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)  # report, not raise


def record_handler(record: SQSRecord) -> None:
    """The SQS body is the EventBridge event; its order id keys the idempotency of every step."""
    event = json.loads(record.body)
    logger.append_keys(order_id=event["detail"].get("order_id"), detail_type=event["detail-type"])
    bootstrap.loyalty_events().handle(event["detail-type"], event["detail"])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)
