"""privacy_retention: every night (03:30 Asia/Shanghai) personal data past its retention is dropped: orders'
delivery addresses, phone numbers of guests who stopped ordering, review pictures (services/retention.py)."""

from diancan import bootstrap
from diancan.observability import tools

logger, metrics, tracer = tools("privacy_retention")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return bootstrap.retention_job().run()
