"""The guest's phone number, only when they tapped "allow" (``getPhoneNumber`` gives the mini-program a
one-time code): ``POST /wxa/business/getuserphonenumber?access_token=...`` with ``{"code": ...}``.
HTTP 200 even on failure: ``errcode`` decides. The number is never logged."""

from __future__ import annotations

import logging

from diancan.adapters.wechat_token import StableAccessToken, WeChatServerApi
from diancan.domain.errors import InvalidRequest, UpstreamUnavailable

logger = logging.getLogger(__name__)


class WeChatPhoneNumbers:
    def __init__(self, tokens: StableAccessToken, api_base: str, timeout: float, *,
                 budget: float | None = None) -> None:
        self._api = WeChatServerApi(tokens, api_base, timeout, budget=budget)

    def phone_number(self, code: str) -> str:
        """The number without country code for mainland numbers, ``+<cc><number>`` otherwise."""
        body = self._api.post("/wxa/business/getuserphonenumber", {"code": code})
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
