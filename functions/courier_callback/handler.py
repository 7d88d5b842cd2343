"""courier_callback: the courier platform's status callbacks (``POST /dada``; no login in front: the signature
and the per-order URL token are the login). 200 with the platform's acknowledgement when applied or already
applied; 400 for a callback that does not verify (nothing changed); 409/5xx so the platform retries."""

from diancan import bootstrap
from diancan.adapters.courier import CallbackRejected
from diancan.http import make_resolver
from diancan.observability import tools

logger, metrics, tracer = tools("courier_callback")
app = make_resolver()


@app.post("/dada")
def dada() -> dict:
    event = app.current_event
    try:
        ack = bootstrap.delivery().on_callback(event.decoded_body or "", dict(event.query_string_parameters or {}))
    except CallbackRejected:
        metrics.add_metric(name="CourierCallbackRejected", unit="Count", value=1)
        raise
    return dict(ack)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
