"""WeChat's unlimited mini-program codes (``wxa/getwxacodeunlimit``) behind a small protocol.

The call needs an ``access_token`` from ``GET /cgi-bin/token?grant_type=client_credential`` (valid
``expires_in`` seconds, 7200 today). It is cached per container until shortly before it expires, and
fetched again once if WeChat says it is invalid or expired (40001, 42001: another container or tool
fetched a newer one). Success is the image bytes; a failure is JSON ``{errcode, errmsg}`` with HTTP 200.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Protocol

from diancan.domain.errors import InvalidRequest, UpstreamUnavailable

logger = logging.getLogger(__name__)

TOKEN_MARGIN_SECONDS = 300
_STALE_TOKEN = {40001, 42001}
_BUSY = {-1, 45009, 45011}


class MiniProgramCodes(Protocol):
    """Makes the image of a mini-program code that opens ``page`` with ``scene``."""

    def unlimited_code(self, scene: str, page: str, width: int = 430) -> bytes: ...


class WeChatCodeError(InvalidRequest):
    code, message_zh, message_en = "WECHAT_CODE_REFUSED", "微信拒绝生成小程序码", "WeChat refused to make the code"


class WeChatCodes:
    def __init__(self, appid: str, app_secret: str, api_base: str, timeout: float, *,
                 env_version: str = "release", check_path: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._appid = appid
        self._secret = app_secret
        self._base = api_base.rstrip("/")
        self._timeout = timeout
        self._env_version = env_version
        self._check_path = check_path
        self._clock = clock
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def unlimited_code(self, scene: str, page: str, width: int = 430) -> bytes:
        body = {"scene": scene, "page": page, "width": width, "check_path": self._check_path,
                "env_version": self._env_version}
        for attempt in range(2):
            content_type, data = self._post(f"/wxa/getwxacodeunlimit?access_token={self._access_token()}", body)
            if content_type.startswith("image/") and not data.startswith(b"{"):
                return data
            error = _json(data)
            errcode = int(error.get("errcode") or 0)
            if errcode in _STALE_TOKEN and attempt == 0:
                self._forget_token()
                continue
            raise self._refusal("getwxacodeunlimit", error)
        raise AssertionError("unreachable")

    # ---- access token ----------------------------------------------------------------------------------

    def _access_token(self) -> str:
        with self._lock:
            if self._token and self._token[1] > self._clock():
                return self._token[0]
            query = urllib.parse.urlencode({"grant_type": "client_credential", "appid": self._appid,
                                            "secret": self._secret})
            answer = _json(self._get(f"/cgi-bin/token?{query}"))
            if not answer.get("access_token"):
                raise self._refusal("token", answer)
            lifetime = int(answer.get("expires_in") or 7200)
            self._token = (answer["access_token"], self._clock() + max(lifetime - TOKEN_MARGIN_SECONDS, 60))
            return self._token[0]

    def _forget_token(self) -> None:
        with self._lock:
            self._token = None

    # ---- HTTP --------------------------------------------------------------------------------------------

    def _get(self, path: str) -> bytes:
        return self._send(urllib.request.Request(f"{self._base}{path}"))[1]

    def _post(self, path: str, body: dict) -> tuple[str, bytes]:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return self._send(urllib.request.Request(f"{self._base}{path}", data=data, method="POST",
                                                 headers={"Content-Type": "application/json"}))

    def _send(self, request: urllib.request.Request) -> tuple[str, bytes]:
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:
                return answer.headers.get("Content-Type", ""), answer.read()
        except (urllib.error.URLError, TimeoutError) as error:
            logger.warning("WeChat API unreachable", extra={"path": request.selector.split("?")[0],
                                                            "error": str(error)})
            raise UpstreamUnavailable("WeChat API unavailable", "微信服务繁忙，请稍后再试") from error

    def _refusal(self, call: str, body: dict) -> Exception:
        errcode = int(body.get("errcode") or 0)
        logger.warning("WeChat API refused", extra={"call": call, "errcode": errcode, "errmsg": body.get("errmsg")})
        details = {"errcode": errcode, "errmsg": body.get("errmsg", "")}
        if errcode in _BUSY:
            return UpstreamUnavailable("WeChat is busy", "微信服务繁忙，请稍后再试", code="WECHAT_BUSY", details=details)
        return WeChatCodeError(f"WeChat refused {call}: {body.get('errmsg', '')}", details=details)


def _json(data: bytes) -> dict:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UpstreamUnavailable("WeChat answered something unreadable", "微信服务异常，请稍后再试") from None
    return value if isinstance(value, dict) else {}
