"""tables: dine-in guests at a table — resolve a scanned table code, open or join the table's session,
the shared cart (with "anything new since v"), rounds (加菜), the table bill, calling a waiter."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, Field

from diancan import bootstrap
from diancan.domain.cart import CartItem
from diancan.domain.errors import InvalidRequest
from diancan.domain.inputs import whole_number
from diancan.domain.tables import CallKind
from diancan.guest import current_guest
from diancan.http import make_resolver
from diancan.observability import tools

logger, metrics, tracer = tools("tables")
app = make_resolver()


class JoinRequest(BaseModel):
    scene: str = Field(min_length=1, max_length=64)
    nickname: str | None = Field(None, max_length=16)


class QtyRequest(BaseModel):
    qty: int = Field(ge=0, le=99)


class RoundRequest(BaseModel):
    version: int = Field(ge=0, description="the cart version the guest is looking at")


class CheckoutRequest(BaseModel):
    coupon_id: str | None = Field(None, max_length=64, description="a coupon from the payer's wallet")
    use_points: int = Field(0, ge=0, description="points the payer redeems (at most the balance)")


class CallRequest(BaseModel):
    kind: CallKind = CallKind.WAITER


@app.get("/tables/resolve")
def resolve() -> dict:
    return bootstrap.table_codes().resolve(app.current_event.get_query_string_value("scene") or "")


@app.post("/tables/sessions")
def join(body: Annotated[JoinRequest, Body()]) -> dict:
    return bootstrap.tables().join(current_guest(app), body.scene, body.nickname)


@app.get("/tables/sessions/<session_id>/cart")
def cart(session_id: str) -> dict:
    raw = app.current_event.get_query_string_value("since")
    since = None if raw is None else whole_number(raw)
    if raw is not None and since is None:
        raise InvalidRequest("since must be a cart version", "参数有误", code="INVALID_VERSION")
    logger.append_keys(session_id=session_id)
    return bootstrap.tables().cart(current_guest(app), session_id, since)


@app.post("/tables/sessions/<session_id>/cart/lines")
def add_line(session_id: str, line: Annotated[CartItem, Body()]) -> dict:
    logger.append_keys(session_id=session_id)
    return bootstrap.tables().add_line(current_guest(app), session_id, line)


@app.put("/tables/sessions/<session_id>/cart/lines/<line_id>")
def set_qty(session_id: str, line_id: str, body: Annotated[QtyRequest, Body()]) -> dict:
    logger.append_keys(session_id=session_id)
    return bootstrap.tables().set_qty(current_guest(app), session_id, line_id, body.qty)


@app.post("/tables/sessions/<session_id>/rounds")
def submit_round(session_id: str, body: Annotated[RoundRequest, Body()]) -> dict:
    logger.append_keys(session_id=session_id)
    return bootstrap.tables().submit_round(current_guest(app), session_id, body.version)


@app.get("/tables/sessions/<session_id>/bill")
def bill(session_id: str) -> dict:
    logger.append_keys(session_id=session_id)
    return bootstrap.tables().bill(current_guest(app), session_id)


@app.post("/tables/sessions/<session_id>/checkout")
def checkout(session_id: str, body: Annotated[CheckoutRequest | None, Body()] = None) -> dict:
    logger.append_keys(session_id=session_id)
    body = body or CheckoutRequest()  # no body: no coupon, no points
    return bootstrap.tables().checkout(current_guest(app), session_id, coupon_id=body.coupon_id,
                                       use_points=body.use_points)


@app.post("/tables/sessions/<session_id>/calls")
def call(session_id: str, body: Annotated[CallRequest, Body()]) -> dict:
    logger.append_keys(session_id=session_id)
    return bootstrap.tables().call(current_guest(app), session_id, body.kind)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
