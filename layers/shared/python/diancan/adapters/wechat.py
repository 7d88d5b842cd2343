"""WeChat mini-program login (``jscode2session``). HTTP 200 even on failure: ``errcode`` decides."""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from diancan.domain.errors import Unauthorized, UpstreamUnavailable

logger = logging.getLogger(__name__)

_REFUSALS = {
    40029: ("INVALID_CODE", "登录凭证无效，请重新进入小程序", "invalid login code"),
    40163: ("CODE_USED", "登录凭证已使用，请重新进入小程序", "login code already used"),
    40226: ("LOGIN_BLOCKED", "当前账号存在风险，暂时无法登录", "login blocked for a high-risk user"),
}
# WeChat openids are 28 URL-safe base64 characters; anything else (a ``staff:`` principal, a path) is refused
# before it can become a token's subject.
OPENID_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    unionid: str | None
    session_key: str  # a secret: never sent to the client or logged


class WeChatLogin:
    def __init__(self, appid: str, app_secret: str, api_base: str, timeout: float) -> None:
        self._appid = appid
        self._secret = app_secret
        self._base = api_base.rstrip("/")
        self._timeout = timeout

    def code_to_session(self, code: str) -> WeChatSession:
        query = urllib.parse.urlencode({"appid": self._appid, "secret": self._secret, "js_code": code,
                                        "grant_type": "authorization_code"})
        try:
            with urllib.request.urlopen(f"{self._base}/sns/jscode2session?{query}", timeout=self._timeout) as answer:
                body = json.loads(answer.read().decode("utf-8"))  # parse the text whatever Content-Type says
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            logger.warning("jscode2session unreachable", extra={"error": str(error)})
            raise UpstreamUnavailable("WeChat login unavailable", "微信登录服务繁忙，请稍后再试") from error
        errcode = int(body.get("errcode") or 0)
        if errcode == 0 and body.get("openid"):
            if not isinstance(body["openid"], str) or not OPENID_SHAPE.fullmatch(body["openid"]):
                logger.warning("jscode2session answered an openid of an unknown shape")
                raise Unauthorized("WeChat login failed (malformed openid)", "微信登录失败",
                                   code="WECHAT_LOGIN_FAILED")
            return WeChatSession(body["openid"], body.get("unionid"), body.get("session_key", ""))
        if errcode in (-1, 45011):
            raise UpstreamUnavailable("WeChat is busy", "微信登录繁忙，请稍后再试", code="WECHAT_BUSY",
                                      details={"errcode": errcode})
        code_name, zh, en = _REFUSALS.get(errcode, ("WECHAT_LOGIN_FAILED", "微信登录失败", "WeChat login failed"))
        logger.info("jscode2session refused", extra={"errcode": errcode, "errmsg": body.get("errmsg")})
        raise Unauthorized(f"{en} ({body.get('errmsg', '')})", zh, code=code_name,
                           details={"errcode": errcode, "errmsg": body.get("errmsg", "")})
