"""push: PushQueue (every order status event and RiderMoved from the bus) → a small message to each WebSocket
connection subscribed to the order or its store (``@connections``). Its own queue: a push never holds up the
other consumers. A gone connection (410) is forgotten; another failure is logged, and the record is retried
only when nothing could be delivered for a reason a retry cures (services/push.py)."""

from diancan import bootstrap
from diancan.consumer import consume
from diancan.observability import tools

logger, metrics, tracer = tools("push")


def _push(bus_event) -> str:
    done = bootstrap.push().deliver(bus_event.event)
    return f"sent={done.sent} gone={done.gone} failed={done.failed}"


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return consume(event, context, logger, _push)
