"""print_dispatch: PrintQueue (OrderPaid, OrderAccepted, PrintRequested from the bus) → kitchen tickets and
the receipt on the stores' cloud printers. A failed record is retried by SQS, then dead-lettered."""

from diancan import bootstrap
from diancan.consumer import consume
from diancan.observability import tools

logger, metrics, tracer = tools("print_dispatch")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return consume(event, context, logger, acknowledge_refusals=True,
                   handle=lambda e: bootstrap.printing().on_event(e.event,
                                                                  receive_count=e.receive_count))
