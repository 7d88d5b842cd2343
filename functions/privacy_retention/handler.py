"""privacy_retention: every night (03:30 Asia/Shanghai) personal data past its retention is dropped: orders'
delivery addresses, phone numbers of guests who stopped ordering or never ordered, review pictures
(services/retention.py). Every few minutes (``{"job": "erasures"}``) the erasure worker does the due steps of
guests' "delete my data" requests (services/erasure.py)."""

from diancan import bootstrap
from diancan.observability import tools

logger, metrics, tracer = tools("privacy_retention")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    if event.get("job") == "erasures":
        counts = bootstrap.erasure_worker().run()
        for outcome, count in counts.items():
            metrics.add_metric(name=f"Erasure_{outcome}", unit="Count", value=count)
        return counts
    return bootstrap.retention_job().run()
