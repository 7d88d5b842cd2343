"""loyalty: LoyaltyQueue (OrderPaid, OrderCancelled, OrderCompleted, OrderRefunded from the bus) → coupons
spent or returned, points earned or reversed, the guest's dish counts. A failed record is retried alone."""

from diancan import bootstrap
from diancan.consumer import consume
from diancan.observability import tools

logger, metrics, tracer = tools("loyalty")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return consume(event, context, logger, lambda e: bootstrap.loyalty_events().handle(e.event))
