"""order_sweeper (schedule): close unpaid orders past expiry (at WeChat Pay and locally), recover payments
whose notification never came, follow up refunds still in flight, and release pre-orders that are due."""

from diancan import bootstrap
from diancan.observability import tools

logger, metrics, tracer = tools("order_sweeper")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    counts = bootstrap.payments().sweep()
    for outcome, count in counts.items():
        metrics.add_metric(name=f"Sweep_{outcome}", unit="Count", value=count)
    logger.info("sweep done", extra={"counts": counts})
    return counts
