"""place_order: POST /quote (server-side price; best offers for a signed-in guest), POST /orders
(validate, reserve portions, coupon and points, the pre-order's slot, create) and GET /slots (the pickup
slots a store can still take)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from diancan import bootstrap
from diancan.domain.errors import InvalidRequest
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


SLOTS_DESCRIPTION = (
    "Query: `store_id`, `mode` (`takeout` or `delivery`, default `takeout`), `date` (the store's local "
    "`YYYY-MM-DD`, default today). Each slot is 15 minutes: `slot` (local start), `pickup_at` (send it as the "
    "order's `pickup_at`), `taken`, `capacity` and `free`. Only slots the store is open at, at least the mode's "
    "lead time from now and within the pre-order window are listed.")


@app.get("/slots", summary="Pickup slots of a store's day, with their capacity (pre-orders)", tags=["orders"],
         description=SLOTS_DESCRIPTION)
def get_slots() -> dict:
    query = app.current_event.get_query_string_value
    store_id, mode, day = query("store_id") or "", query("mode") or "takeout", query("date")
    if not store_id or len(store_id) > 64 or mode not in ("takeout", "delivery"):
        raise InvalidRequest("store_id and a mode of takeout or delivery are needed", "门店或就餐方式有误",
                             code="INVALID_SLOT_QUERY", details={"mode": mode})
    return bootstrap.ordering().slot_day(store_id, mode, _local_date(day))


def _local_date(text: str | None):
    """``YYYY-MM-DD`` in ASCII digits, or None (today); anything else is a 400."""
    from datetime import date

    if text is None or text == "":
        return None
    if not (len(text) == 10 and text.isascii()):
        raise InvalidRequest("date must be YYYY-MM-DD", "日期格式应为 YYYY-MM-DD", code="INVALID_SLOT_QUERY",
                             details={"date": text[:20]})
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRequest("date must be YYYY-MM-DD", "日期格式应为 YYYY-MM-DD", code="INVALID_SLOT_QUERY",
                             details={"date": text}) from None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
