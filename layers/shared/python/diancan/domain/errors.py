"""Domain errors carry a stable machine code, an HTTP status and a message in Chinese and English."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the caller can act on. ``code`` is stable; messages are for people."""

    status = 400
    code = "BAD_REQUEST"
    message_zh = "请求有误"
    message_en = "Bad request"

    def __init__(self, message_en: str | None = None, message_zh: str | None = None, *,
                 code: str | None = None, details: dict | None = None) -> None:
        self.code = code or self.code
        self.message_en = message_en or self.message_en
        self.message_zh = message_zh or self.message_zh
        self.details = details or {}
        super().__init__(f"{self.code}: {self.message_en}")

    def to_body(self) -> dict:
        body = {"code": self.code, "message": self.message_zh, "message_en": self.message_en}
        if self.details:
            body["details"] = self.details
        return body


class InvalidRequest(DomainError):
    status, code, message_zh, message_en = 400, "INVALID_REQUEST", "请求参数有误", "Invalid request"


class Unauthorized(DomainError):
    status, code, message_zh, message_en = 401, "UNAUTHORIZED", "请先登录", "Please log in"


class Forbidden(DomainError):
    status, code, message_zh, message_en = 403, "FORBIDDEN", "没有权限", "Not allowed"


class NotFound(DomainError):
    status, code, message_zh, message_en = 404, "NOT_FOUND", "未找到", "Not found"


class Conflict(DomainError):
    status, code, message_zh, message_en = 409, "CONFLICT", "状态已变化，请刷新后重试", "The state has changed; refresh and retry"


class UnsupportedMediaType(DomainError):
    """A body that is not JSON where JSON is the only language spoken."""

    status, code, message_zh, message_en = 415, "UNSUPPORTED_MEDIA_TYPE", "请求内容须为 JSON 格式", "The body must be JSON"


class Unprocessable(DomainError):
    """The request is well formed but the business rules refuse it (closed store, sold out, ...)."""

    status, code, message_zh, message_en = 422, "UNPROCESSABLE", "无法处理该请求", "Cannot process this request"


class UpstreamUnavailable(DomainError):
    """An outside service (WeChat, WeChat Pay, printer, courier) failed; the caller may retry."""

    status, code, message_zh, message_en = 503, "UPSTREAM_UNAVAILABLE", "服务繁忙，请稍后再试", "Service busy, please retry"
