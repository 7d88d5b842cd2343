"""segment_daily: every night (04:00 Asia/Shanghai) each member's RFM segment (新客, 活跃, 高价值, 沉睡, 流失风险,
已流失) and saved custom segments are derived from their profile and the day, and each segment's size is kept
for the console's "over time" view."""

from diancan import bootstrap
from diancan.observability import tools

logger, metrics, tracer = tools("segment_daily")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return bootstrap.segment_job().run()
