"""segment_daily: every night (04:00 Asia/Shanghai) each member's RFM segment (新客, 活跃, 高价值, 沉睡, 流失风险,
已流失) and saved custom segments are derived from their profile and the day, and each segment's size is kept
for the console's "over time" view. A run that would outlast the Lambda's limit stops in time and the next
invocation of the day continues it (services/segment_job.py)."""

from diancan import bootstrap
from diancan.observability import tools

logger, metrics, tracer = tools("segment_daily")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    # the invocation's own time limit is the budget: the run stops between pages in time and the next
    # scheduled invocation (every 15 minutes from 04:00 to 04:45) goes on from the saved cursor
    return bootstrap.segment_job().run(seconds_left=lambda: context.get_remaining_time_in_millis() / 1000)
