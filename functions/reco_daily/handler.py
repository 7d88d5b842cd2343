"""reco_daily: every night (03:00 Asia/Shanghai) each store's best sellers and "ordered together" lists are
recomputed from the last two weeks of paid orders, for "guess you like" on the menu."""

from diancan import bootstrap
from diancan.observability import tools

logger, metrics, tracer = tools("reco_daily")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return bootstrap.reco_job().run()
