"""orders: a guest's own orders (newest first), one order, cancel while unpaid, review once completed, an invoice;
profile (GET /me), phone number with consent, birthday, and coupon claims."""

from datetime import date
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, Field

from diancan import bootstrap
from diancan.domain.errors import InvalidRequest
from diancan.domain.inputs import whole_number
from diancan.domain.invoices import InvoiceRequest
from diancan.domain.review_pictures import PictureUpload
from diancan.domain.reviews import ReviewRequest
from diancan.guest import current_guest
from diancan.http import json_response, make_resolver
from diancan.observability import tools

logger, metrics, tracer = tools("orders")
app = make_resolver()


class PhoneConsent(BaseModel):
    code: str = Field(min_length=1, max_length=128, description="from the getPhoneNumber button")


class BirthdayGiven(BaseModel):
    birthday: date


class ErasureRequest(BaseModel):
    model_config = {"extra": "forbid"}

    confirm: Literal[True] = Field(description="the guest confirmed on the privacy page")


@app.get("/orders", summary="The guest's own orders, newest first (cursor paging)", tags=["orders"])
def list_orders() -> dict:
    openid = current_guest(app)
    limit = whole_number(app.current_event.get_query_string_value("limit") or "10")
    if limit is None:
        raise InvalidRequest("limit must be a positive integer", "分页参数有误", code="INVALID_LIMIT")
    return bootstrap.guest_orders().page(openid, app.current_event.get_query_string_value("cursor"), limit)


@app.get("/orders/<order_id>", summary="One of the guest's orders, with delivery tracking", tags=["orders"])
def get_order(order_id: str) -> dict:
    logger.append_keys(order_id=order_id)
    return bootstrap.guest_orders().detail(current_guest(app), order_id)


@app.post("/orders/<order_id>/cancel", summary="Cancel an unpaid order (portions and coupon come back)", tags=["orders"])
def cancel_order(order_id: str) -> dict:
    logger.append_keys(order_id=order_id)
    return bootstrap.guest_orders().cancel(current_guest(app), order_id)


@app.post("/orders/<order_id>/pay", summary="wx.requestPayment parameters again for an unpaid order", tags=["orders"])
def pay_order(order_id: str) -> dict:
    logger.append_keys(order_id=order_id)
    return bootstrap.guest_orders().pay(current_guest(app), order_id)


@app.post("/orders/<order_id>/sync-payment", summary="Ask WeChat Pay now (after the payment sheet) and return the order", tags=["orders"])
def sync_payment(order_id: str) -> dict:
    logger.append_keys(order_id=order_id)
    return bootstrap.guest_orders().sync_payment(current_guest(app), order_id)


@app.post("/orders/<order_id>/review")
def review_order(order_id: str, review: Annotated[ReviewRequest, Body()]):
    logger.append_keys(order_id=order_id)
    return json_response(201, bootstrap.reviews().review_order(current_guest(app), order_id, review))


@app.post("/orders/<order_id>/invoice", summary="Ask for an invoice (发票) on one's own paid order", tags=["orders"])
def request_invoice(order_id: str, request: Annotated[InvoiceRequest, Body()]):
    logger.append_keys(order_id=order_id)
    return json_response(201, bootstrap.invoices().request(current_guest(app), order_id, request))


@app.post("/review-pictures", summary="Where to upload one review picture: a presigned POST (JPEG, PNG or WebP "
          "up to 5 MB, 5 minutes) under the guest's own prefix; the review then names its key", tags=["orders"])
def review_picture_upload(upload: Annotated[PictureUpload, Body()]) -> dict:
    return bootstrap.review_pictures().upload(current_guest(app), upload)


@app.post("/me/phone")
def share_phone(consent: Annotated[PhoneConsent, Body()]) -> dict:
    return bootstrap.privacy().share_phone(current_guest(app), consent.code)


@app.post("/me/birthday")
def set_birthday(given: Annotated[BirthdayGiven, Body()]) -> dict:
    return bootstrap.privacy().set_birthday(current_guest(app), given.birthday)


@app.post("/me/erase",
          summary="Ask to delete my data (202 with a reference): phone, birthday, addresses, review text and pictures, "
                  "table nicknames, points; orders kept anonymised. Done by the erasure worker within minutes")
def erase_me(_confirmed: Annotated[ErasureRequest, Body()]):
    return json_response(202, bootstrap.erasures().request(current_guest(app)))


@app.get("/me/erase", summary="The state of my latest request to delete my data (null when none)")
def erasure_state() -> dict:
    return bootstrap.erasures().state(current_guest(app))


@app.get("/me")
def get_me() -> dict:
    from diancan.services.profile import profile

    return profile(current_guest(app), bootstrap.marketing_table(), bootstrap.coupons(), bootstrap.repository())


@app.post("/coupons/<template_id>/claim")
def claim_coupon(template_id: str) -> dict:
    logger.append_keys(template_id=template_id)
    return bootstrap.coupons().claim(current_guest(app), template_id)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
