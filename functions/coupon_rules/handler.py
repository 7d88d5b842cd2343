"""coupon_rules: every morning (08:00 Asia/Shanghai) the automatic coupons (new member, birthday, after N
orders, win-back, favourite dish) go to the guests the rules pick. Reruns issue nothing twice."""

from diancan import bootstrap
from diancan.observability import tools

logger, metrics, tracer = tools("coupon_rules")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    result = bootstrap.auto_coupons().run()
    metrics.add_metric(name="AutomaticCouponsIssued", unit="Count", value=sum(result["issued"].values()))
    return result
