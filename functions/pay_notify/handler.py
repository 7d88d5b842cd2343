"""pay_notify: WeChat Pay payment and refund notifications (no login in front: the signature is the login).

204 when applied or already applied; 4xx/5xx ``{"code": "FAIL", "message"}`` otherwise, so WeChat retries.
"""

from aws_lambda_powertools.event_handler import Response

from diancan import bootstrap
from diancan.domain.errors import DomainError
from diancan.domain.payments import NotificationRejected
from diancan.http import json_response, make_resolver
from diancan.observability import tools

logger, metrics, tracer = tools("pay_notify")
app = make_resolver()


def _fail(status: int, message: str) -> Response:
    return json_response(status, {"code": "FAIL", "message": message})


@app.post("/notify", summary="WeChat Pay payment and refund notifications (signed)", tags=["pay_notify"])
def notify():
    event = app.current_event
    try:
        outcome = bootstrap.payments().handle_notification(dict(event.headers or {}), event.decoded_body or "")
    except NotificationRejected as rejected:
        logger.warning("notification rejected", extra={"reason": rejected.reason_code})
        metrics.add_metric(name="NotifyRejected", unit="Count", value=1)
        return _fail(401 if rejected.reason_code != "AMOUNT_MISMATCH" else 400, rejected.reason_code)
    except DomainError as error:
        logger.warning("notification not applied", extra={"code": error.code})
        return _fail(error.status if error.status >= 500 else 409, error.code)
    logger.info("notification applied", extra={"outcome": outcome})
    if outcome in ("paid", "refunded", "compensated"):
        metrics.add_metric(name={"paid": "OrdersPaid", "refunded": "OrdersRefunded",
                                 "compensated": "LatePaymentsRefunded"}[outcome], unit="Count", value=1)
    return Response(status_code=204, body="")


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
