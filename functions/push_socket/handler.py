"""push_socket: the WebSocket API's routes. ``$connect`` checks the guest token (``?token=``) or a console
page's push ticket (``?ticket=``) and stores the connection (401/403 refuse it); ``subscribe`` answers
``{"type":"subscribed"}`` or the error; ``$disconnect`` forgets the connection and its topics."""

import json

from diancan import bootstrap
from diancan.domain.errors import DomainError
from diancan.domain.inputs import strict_json
from diancan.domain.push import BadTopic, error_message
from diancan.observability import tools

logger, metrics, tracer = tools("push_socket")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    request = event.get("requestContext") or {}
    route, connection_id = request.get("routeKey"), str(request.get("connectionId") or "")
    if route == "$connect":
        try:
            listener = bootstrap.push().connect(connection_id, event.get("queryStringParameters") or {})
        except DomainError as refused:
            logger.info("connect refused", extra={"code": refused.code})
            return {"statusCode": refused.status, "body": json.dumps(refused.to_body(), ensure_ascii=False)}
        logger.info("connected", extra={"listener": listener.kind})
        return {"statusCode": 200}
    if route == "$disconnect":
        bootstrap.push().disconnect(connection_id)
        return {"statusCode": 200}
    try:
        body = strict_json(event.get("body") or "")
    except DomainError:
        body = None
    answer = (bootstrap.push().subscribe(connection_id, body) if isinstance(body, dict)
              and body.get("action") == "subscribe" else error_message(BadTopic()))
    return {"statusCode": 200, "body": json.dumps(answer, ensure_ascii=False)}
