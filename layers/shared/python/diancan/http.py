"""What every HTTP function shares: the resolver with one error format, body parsing, guest auth.

Every refusal is ``{"code", "message", "message_en"}`` with a 4xx status; nothing else leaks out.
"""

from __future__ import annotations

import binascii
import json
import logging

from aws_lambda_powertools.event_handler import CORSConfig, LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from diancan.domain.errors import DomainError, InvalidRequest, Unauthorized, UpstreamUnavailable

logger = logging.getLogger(__name__)
# At DEBUG, Powertools logs every route's parsed arguments (bodies with phone numbers and addresses): never.
logging.getLogger("aws_lambda_powertools.event_handler.api_gateway").setLevel(logging.INFO)
MAX_BODY_BYTES = 64 * 1024
TABLE_BUSY_CODES = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
                              "TransactionConflictException", "InternalServerError"})


def json_response(status: int, body: dict, headers: dict | None = None) -> Response:
    return Response(status_code=status, content_type="application/json",
                    body=json.dumps(body, ensure_ascii=False, separators=(",", ":")), headers=headers or {})


def error_response(error: DomainError) -> Response:
    return json_response(error.status, error.to_body())


def make_resolver() -> LambdaFunctionUrlResolver:
    """A function-URL resolver whose every failure answers in the one error format.

    Validation is on: a route that declares its body as ``Annotated[Model, Body()]`` (and typed query
    parameters) is validated by Powertools before it runs, and the same declarations generate the
    function's OpenAPI document (``local/openapi.py``)."""
    app = LambdaFunctionUrlResolver(cors=CORSConfig(allow_origin="*", allow_headers=["Authorization",
                                                                                       "Idempotency-Key"]),
                                    enable_validation=True)
    app.use(middlewares=[_limit_body_size])

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        if _too_large(app):  # Powertools validates a declared body before any middleware, so the size is checked here too
            return error_response(_body_too_large())
        problems = error.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return error_response(InvalidRequest("malformed JSON body", "请求格式错误", code="MALFORMED_JSON"))
        details = [{"field": ".".join(str(part) for part in p.get("loc", ())[1:]) or "body",
                    "problem": p.get("msg", "")} for p in problems]
        return error_response(InvalidRequest("invalid fields", "请求参数有误", details={"errors": details}))

    @app.exception_handler([UnicodeDecodeError, binascii.Error])
    def _undecodable(_error: Exception) -> Response:
        return error_response(InvalidRequest("the body is not UTF-8 text", "请求格式错误", code="MALFORMED_BODY"))

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response:
        log = logger.warning if error.status >= 500 else logger.info
        log("request refused", extra={"code": error.code, "status": error.status})
        return error_response(error)

    @app.not_found
    def _not_found(_error) -> Response:
        return json_response(404, {"code": "NOT_FOUND", "message": "接口不存在", "message_en": "No such endpoint"})

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
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


def _too_large(app: LambdaFunctionUrlResolver) -> bool:
    return len((app.current_event.body or "").encode("utf-8")) > MAX_BODY_BYTES


def _limit_body_size(app: LambdaFunctionUrlResolver, next_middleware):
    if _too_large(app):
        return error_response(_body_too_large())
    return next_middleware(app)


def _validation_details(error: ValidationError) -> list[dict]:
    return [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in error.errors()]


def parse_body[M: BaseModel](app: LambdaFunctionUrlResolver, model: type[M]) -> M:
    """The request body as ``model``: malformed JSON and wrong fields are 400s with details (an oversized
    body never gets here: the resolver's middleware refused it, and the decoded body is never the larger)."""
    raw = app.current_event.decoded_body or ""
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        raise InvalidRequest("malformed JSON body", "请求格式错误", code="MALFORMED_JSON") from None
    if not isinstance(data, dict):
        raise InvalidRequest("the body must be a JSON object", "请求格式错误", code="MALFORMED_JSON")
    return parse_model(model, data)


def parse_model[M: BaseModel](model: type[M], data: dict) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidRequest("invalid fields", "请求参数有误", details={"errors": _validation_details(error)}) from None


def bearer_token(app: LambdaFunctionUrlResolver) -> str:
    header = app.current_event.get_header_value("authorization", default_value="") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token", "请先登录", code="UNAUTHORIZED")
    return token.strip()
