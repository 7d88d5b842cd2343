"""guest_notify: GuestNotifyQueue (OrderReady, OrderAccepted, OrderCompleted, OrderRefunded from the bus) → the
guest's WeChat status message (ready, accepted, delivered, refunded), once per order and kind. WeChat unreachable or busy fails the record alone (SQS retries, then the DLQ)."""

from diancan import bootstrap
from diancan.consumer import consume
from diancan.observability import tools

logger, metrics, tracer = tools("guest_notify")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return consume(event, context, logger, lambda e: bootstrap.ready_notices().handle(e.event))
