"""menu_daily: every morning before opening (05:00 Asia/Shanghai), every limited dish of every store
starts the day with its daily portions. Scheduled by EventBridge; the event itself carries nothing."""

from diancan import bootstrap
from diancan.observability import tools

logger, metrics, tracer = tools("menu_daily")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    reset = bootstrap.menu_admin().reset_all_stores()
    metrics.add_metric(name="DishPortionsReset", unit="Count", value=sum(map(len, reset.values())))
    return {"reset": reset}
