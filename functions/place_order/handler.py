"""place_order: POST /quote (server-side price; best offers for a signed-in guest) and POST /orders
(validate, reserve portions, coupon and points, create)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from diancan import bootstrap
from diancan.domain.order import OrderRequest
from diancan.guest import current_guest
from diancan.http import json_response, make_resolver
from diancan.observability import tools

logger, metrics, tracer = tools("place_order")
app = make_resolver()


@app.post("/quote", summary="Price a cart on the server (what the guest will be charged)", tags=["orders"])
def post_quote(request: Annotated[OrderRequest, Body()]) -> dict:
    signed_in = app.current_event.get_header_value("authorization", default_value="")
    quote = bootstrap.ordering().quote(request, current_guest(app) if signed_in else None)
    return {**quote.model_dump(mode="json", exclude={"lines": {"__all__": {"recipe"}}}), "explain": quote.explain()}


@app.post("/orders", summary="Place an order (send an Idempotency-Key header)", tags=["orders"],
          responses={201: {"description": "the order, with wx.requestPayment parameters in pay_params"}})
def post_order(request: Annotated[OrderRequest, Body()]):
    openid = current_guest(app)
    placed = bootstrap.ordering().place(openid, request, app.current_event.get_header_value("idempotency-key"))
    logger.append_keys(order_id=placed.order.order_id)
    if placed.created:
        metrics.add_metric(name="OrdersPlaced", unit="Count", value=1)
    return json_response(201 if placed.created else 200, {**placed.order.guest_view(), "pay_params": placed.pay_params})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
