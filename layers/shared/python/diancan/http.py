"""What every HTTP function shares: the resolver with one error format, body parsing, guest auth.

A route reads its JSON body one way: it declares it as ``Annotated[Model, Body()]`` and Powertools validates
it before the route runs (a missing body, or JSON that is no object, is 400 MALFORMED_JSON; wrong fields are
400 INVALID_REQUEST with ``details.errors``). Signed callbacks (pay_notify, courier_callback) are the
exception: they take the raw bytes, verify the signature, and only then parse.

Every refusal is ``{"code", "message", "message_en"}`` with a 4xx status; nothing else leaks out. A body is
JSON (``Content-Type: application/json``, or none: ``wx.request`` sends JSON by default) of at
most ``MAX_BODY_BYTES``, ``MAX_JSON_DEPTH`` levels deep, with integers of at most ``MAX_INT_DIGITS`` digits
and strings of well-formed Unicode; anything else is refused before a route runs.
"""

from __future__ import annotations

import binascii
import json
import logging
from typing import Any

from aws_lambda_powertools.event_handler import CORSConfig, LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from diancan.domain.errors import (
    DomainError,
    InvalidRequest,
    Unauthorized,
    UnsupportedMediaType,
    UpstreamUnavailable,
)
from diancan.domain.inputs import strict_json
from diancan.front_door import as_function_url_event

logger = logging.getLogger(__name__)
# At DEBUG, Powertools logs every route's parsed arguments (bodies with phone numbers and addresses): never.
logging.getLogger("aws_lambda_powertools.event_handler.api_gateway").setLevel(logging.INFO)
MAX_BODY_BYTES = 64 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TABLE_BUSY_CODES = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
                              "TransactionConflictException", "InternalServerError"})


def json_response(status: int, body: dict, headers: dict | None = None) -> Response:
    return Response(status_code=status, content_type="application/json",
                    body=json.dumps(body, ensure_ascii=False, separators=(",", ":")), headers=headers or {})


def error_response(error: DomainError) -> Response:
    return json_response(error.status, error.to_body())


class FrontDoorResolver(LambdaFunctionUrlResolver):
    """Routes the function's own paths whichever door the request came through: an HTTP API event (route
    ``ANY /<function>/{proxy+}``, perhaps behind a custom domain's base path) is resolved as the function
    URL event of the same request (diancan.front_door)."""

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        return super().resolve(as_function_url_event(event), context)


def make_resolver() -> LambdaFunctionUrlResolver:
    """A function-URL resolver (that also takes HTTP API events) whose every failure answers in the one
    error format.

    Validation is on: a route that declares its body as ``Annotated[Model, Body()]`` (and typed query
    parameters) is validated by Powertools before it runs, and the same declarations generate the
    function's OpenAPI document (``local/openapi.py``)."""
    app = FrontDoorResolver(cors=CORSConfig(allow_origin="*", allow_headers=["Authorization", "Idempotency-Key"]),
                            enable_validation=True, json_body_deserializer=strict_json)
    app.use(middlewares=[_check_body])

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        refusal = _body_refusal(app)  # Powertools validates a declared body before any middleware: check here too
        if refusal is not None:
            return error_response(refusal)
        problems = error.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return error_response(InvalidRequest("malformed JSON body", "请求格式错误", code="MALFORMED_JSON"))
        if any(tuple(p.get("loc", ())) == ("body",) for p in problems):  # no body, or JSON that is no object
            return error_response(InvalidRequest("the body must be a JSON object", "请求格式错误", code="MALFORMED_JSON"))
        details = [{"field": ".".join(str(part) for part in p.get("loc", ())[1:]) or "body",
                    "problem": p.get("msg", "")} for p in problems]
        return error_response(InvalidRequest("invalid fields", "请求参数有误", details={"errors": details}))

    @app.exception_handler(RequestUnsupportedContentType)  # a declared body sent as neither JSON nor a form
    def _unsupported(_error: Exception) -> Response:
        return error_response(_body_refusal(app) or _unsupported_media_type())

    @app.exception_handler([UnicodeDecodeError, binascii.Error])
    def _undecodable(_error: Exception) -> Response:
        return error_response(InvalidRequest("the body is not UTF-8 text", "请求格式错误", code="MALFORMED_BODY"))

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response:
        error = _body_refusal(app) or error  # the body's own refusal first, even if parsing it failed earlier
        log = logger.warning if error.status >= 500 else logger.info
        log("request refused", extra={"code": error.code, "status": error.status})
        return error_response(error)

    @app.not_found
    def _not_found(_error) -> Response:
        return json_response(404, {"code": "NOT_FOUND", "message": "接口不存在", "message_en": "No such endpoint"})

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        refusal = _body_refusal(app)  # Powertools' own parsing of a body it should never have read (multipart)
        if refusal is None and isinstance(error, ValueError) and not is_json_media_type(
                app.current_event.get_header_value("content-type", default_value="")):
            refusal = _unsupported_media_type()  # an empty body declared as multipart without a boundary
        if refusal is not None:
            return error_response(refusal)
        if getattr(error, "cause_response_code", None) in TABLE_BUSY_CODES:  # pynamodb, after botocore's retries
            logger.warning("table busy", extra={"aws_code": error.cause_response_code})
            return error_response(UpstreamUnavailable("the table is busy; retry", "服务繁忙，请稍后再试",
                                                      code="TABLE_BUSY"))
        logger.exception("unhandled error")
        return json_response(500, {"code": "INTERNAL_ERROR", "message": "系统繁忙，请稍后再试",
                                   "message_en": "Something went wrong; please retry"})

    return app


def _body_too_large() -> InvalidRequest:
    return InvalidRequest("request body too large", "请求内容过大", code="BODY_TOO_LARGE")


def _unsupported_media_type() -> UnsupportedMediaType:
    return UnsupportedMediaType("the body must be JSON (Content-Type: application/json)", "请求内容须为 JSON 格式")


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json`` (any charset parameter) or no Content-Type at all, which clients such as
    ``wx.request`` treat as JSON; the same two Powertools parses as JSON before a typed route."""
    return (content_type or "").split(";", 1)[0].strip() in ("", "application/json")


def _body_refusal(app: LambdaFunctionUrlResolver) -> DomainError | None:
    """Why the request's body is refused before any route sees it: too large, or not declared as JSON."""
    event = app.current_event
    body = event.body or ""
    if len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        return _body_too_large()
    if body and event.request_context.http.method.upper() in BODY_METHODS \
            and not is_json_media_type(event.get_header_value("content-type", default_value="")):
        return _unsupported_media_type()
    return None


def _check_body(app: LambdaFunctionUrlResolver, next_middleware):
    refusal = _body_refusal(app)
    if refusal is not None:
        return error_response(refusal)
    return next_middleware(app)


def bearer_token(app: LambdaFunctionUrlResolver) -> str:
    header = app.current_event.get_header_value("authorization", default_value="") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token", "请先登录", code="UNAUTHORIZED")
    return token.strip()
