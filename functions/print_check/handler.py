"""print_check (every minute): confirm sent tickets with the printer vendor; re-send late ones to the
fallback printer, flag the rest as not printed."""

from diancan import bootstrap
from diancan.observability import tools

logger, metrics, tracer = tools("print_check")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    tally = bootstrap.printing().check_sent()
    logger.info("print check", extra=tally)
    return tally
