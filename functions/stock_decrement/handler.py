"""stock_decrement: OrderPaid → deduct ingredients; OrderCancelled / OrderRefunded before cooking → give
them back. SQS batch with partial failures: a failed record is retried alone, the others are done."""

from diancan import bootstrap
from diancan.consumer import consume
from diancan.observability import tools

logger, metrics, tracer = tools("stock_decrement")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return consume(event, context, logger, lambda e: bootstrap.stock().handle(e.event))
