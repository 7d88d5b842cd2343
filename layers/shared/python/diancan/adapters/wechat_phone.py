"""The guest's phone number, only when they tapped "allow" (``getPhoneNumber`` gives the mini-program a
one-time code): ``POST /wxa/business/getuserphonenumber?access_token=...`` with ``{"code": ...}``.
HTTP 200 even on failure: ``errcode`` decides. The number is never logged."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from diancan.domain.errors import InvalidRequest, UpstreamUnavailable

logger = logging.getLogger(__name__)
TOKEN_REJECTED = (40001, 42001, 40014)  # invalid, expired, malformed access token


class AccessTokenSource(Protocol):
    def access_token(self) -> str: ...

    def invalidate(self) -> None: ...


class WeChatPhoneNumbers:
    def __init__(self, tokens: AccessTokenSource, api_base: str, timeout: float) -> None:
        self._tokens = tokens
        self._base = api_base.rstrip("/")
        self._timeout = timeout

    def phone_number(self, code: str) -> str:
        """The number without country code for mainland numbers, ``+<cc><number>`` otherwise."""
        body = self._call(code)
        if int(body.get("errcode") or 0) in TOKEN_REJECTED:  # a token revoked elsewhere: fetch a new one once
            self._tokens.invalidate()
            body = self._call(code)
        errcode = int(body.get("errcode") or 0)
        info = body.get("phone_info") or {}
        if errcode == 0 and info.get("purePhoneNumber"):
            country = str(info.get("countryCode") or "86")
            return info["purePhoneNumber"] if country == "86" else f"+{country}{info['purePhoneNumber']}"
        logger.info("getuserphonenumber refused", extra={"errcode": errcode, "errmsg": body.get("errmsg")})
        if errcode == 40029:
            raise InvalidRequest("invalid or used phone code", "手机号授权已失效，请重新授权", code="PHONE_CODE_INVALID")
        raise UpstreamUnavailable("WeChat phone number unavailable", "获取手机号失败，请稍后再试",
                                  code="WECHAT_PHONE_FAILED", details={"errcode": errcode})

    def _call(self, code: str) -> dict:
        query = urllib.parse.urlencode({"access_token": self._tokens.access_token()})
        request = urllib.request.Request(f"{self._base}/wxa/business/getuserphonenumber?{query}", method="POST",
                                         data=json.dumps({"code": code}).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:
                return json.loads(answer.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            logger.warning("getuserphonenumber unreachable", extra={"error": str(error)})
            raise UpstreamUnavailable("WeChat unavailable", "微信服务繁忙，请稍后再试") from error
