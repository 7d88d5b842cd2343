"""courier_dispatch: CourierQueue (OrderPaid, OrderAccepted, CourierDispatchRequested from the bus) → book the
courier for a paid delivery order when the store's trigger comes. A record failed on an unreachable platform
is retried by SQS (visibility timeout); on its last receive the delivery waits for staff (flag + alert)."""

from diancan import bootstrap
from diancan.consumer import consume
from diancan.observability import tools

logger, metrics, tracer = tools("courier_dispatch")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return consume(event, context, logger, acknowledge_refusals=True,
                   handle=lambda e: bootstrap.delivery().on_event(e.event,
                                                                  receive_count=e.receive_count))
