"""WeChat's unlimited mini-program codes (``wxa/getwxacodeunlimit``) behind a small protocol.

The call takes the mini-program's shared access token (``wechat_token.StableAccessToken``; a rejected token
is replaced once by ``WeChatServerApi``). Success is the image bytes; a failure is JSON ``{errcode, errmsg}``
with HTTP 200: busy (-1, 45009, 45011) → ``UpstreamUnavailable``; a refusal of what we asked (40129 scene,
41030 page) → ``WeChatCodeError`` with the errcode.
"""

from __future__ import annotations

import logging

from diancan.adapters.wechat_token import BUSY, StableAccessToken, WeChatServerApi, json_of
from diancan.domain.errors import InvalidRequest, UpstreamUnavailable

logger = logging.getLogger(__name__)


class WeChatCodeError(InvalidRequest):
    code, message_zh, message_en = "WECHAT_CODE_REFUSED", "微信拒绝生成小程序码", "WeChat refused to make the code"


class WeChatCodes:
    def __init__(self, tokens: StableAccessToken, api_base: str, timeout: float, *,
                 env_version: str = "release", check_path: bool = True, budget: float | None = None) -> None:
        self._api = WeChatServerApi(tokens, api_base, timeout, budget=budget)
        self._env_version = env_version
        self._check_path = check_path

    def unlimited_code(self, scene: str, page: str, width: int = 430) -> bytes:
        body = {"scene": scene, "page": page, "width": width, "check_path": self._check_path,
                "env_version": self._env_version}
        content_type, data = self._api.post_raw("/wxa/getwxacodeunlimit", body)
        if content_type.startswith("image/") and not data.startswith(b"{"):
            return data
        error = json_of(data)
        errcode = int(error.get("errcode") or 0)
        logger.warning("WeChat API refused", extra={"call": "getwxacodeunlimit", "errcode": errcode,
                                                    "errmsg": error.get("errmsg")})
        details = {"errcode": errcode, "errmsg": error.get("errmsg", "")}
        if errcode in BUSY:
            raise UpstreamUnavailable("WeChat is busy", "微信服务繁忙，请稍后再试", code="WECHAT_BUSY", details=details)
        raise WeChatCodeError(f"WeChat refused getwxacodeunlimit: {error.get('errmsg', '')}", details=details)
