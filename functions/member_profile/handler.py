"""member_profile: MemberProfileQueue (OrderCompleted, OrderRefunded from the bus) → the guest's profile
(用户画像) folded with the order, in one conditional write; a replay writes nothing. A failed record is
retried alone."""

from diancan import bootstrap
from diancan.consumer import consume
from diancan.observability import tools

logger, metrics, tracer = tools("member_profile")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return consume(event, context, logger, lambda e: bootstrap.member_profiles().handle(e.event))
