"""The mini-program's server access token (``GET /cgi-bin/token``, client_credential), cached per container
until five minutes before it expires, and ``WeChatServerApi``: the JSON POST every server API that takes
``?access_token=`` shares (phone numbers, subscribe messages, ...)."""

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

from diancan.domain.errors import UpstreamUnavailable

logger = logging.getLogger(__name__)
EARLY_REFRESH_SECONDS = 300
TOKEN_REJECTED = (40001, 42001, 40014)  # invalid, expired, malformed access token


class AccessTokenSource(Protocol):
    def access_token(self) -> str: ...

    def invalidate(self) -> None: ...


class WeChatAccessToken:
    def __init__(self, appid: str, app_secret: str, api_base: str, timeout: float,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._appid = appid
        self._secret = app_secret
        self._base = api_base.rstrip("/")
        self._timeout = timeout
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._token: str | None = None
        self._good_until = 0.0

    def access_token(self) -> str:
        with self._lock:
            if self._token is None or self._monotonic() >= self._good_until:
                self._token, lifetime = self._fetch()
                self._good_until = self._monotonic() + max(lifetime - EARLY_REFRESH_SECONDS, 60)
            return self._token

    def invalidate(self) -> None:
        """WeChat said the token is invalid (40001/42001): the next call fetches a new one."""
        with self._lock:
            self._token = None

    def _fetch(self) -> tuple[str, int]:
        query = urllib.parse.urlencode({"grant_type": "client_credential", "appid": self._appid,
                                        "secret": self._secret})
        try:
            with urllib.request.urlopen(f"{self._base}/cgi-bin/token?{query}", timeout=self._timeout) as answer:
                body = json.loads(answer.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            logger.warning("access token unreachable", extra={"error": str(error)})
            raise UpstreamUnavailable("WeChat unavailable", "微信服务繁忙，请稍后再试") from error
        if not body.get("access_token"):
            logger.warning("access token refused", extra={"errcode": body.get("errcode"), "errmsg": body.get("errmsg")})
            raise UpstreamUnavailable("WeChat refused the access token", "微信服务繁忙，请稍后再试",
                                      code="WECHAT_TOKEN_FAILED", details={"errcode": body.get("errcode")})
        return body["access_token"], int(body.get("expires_in") or 7200)


class WeChatServerApi:
    """``POST <base><path>?access_token=...`` with a JSON body; WeChat answers HTTP 200 and JSON whatever
    happened, ``errcode`` (absent or 0 on success) decides. A token WeChat rejects (revoked by a newer one
    fetched elsewhere, expired early) is fetched again once and the call repeated; the caller reads the
    rest of the errcodes. Unreachable, an HTTP error status or an unreadable answer → UpstreamUnavailable."""

    def __init__(self, tokens: AccessTokenSource, api_base: str, timeout: float) -> None:
        self._tokens = tokens
        self._base = api_base.rstrip("/")
        self._timeout = timeout

    def post(self, path: str, body: dict) -> dict:
        answer = self._post_once(path, body)
        if int(answer.get("errcode") or 0) in TOKEN_REJECTED:
            self._tokens.invalidate()
            answer = self._post_once(path, body)
        return answer

    def _post_once(self, path: str, body: dict) -> dict:
        query = urllib.parse.urlencode({"access_token": self._tokens.access_token()})
        request = urllib.request.Request(f"{self._base}{path}?{query}", method="POST",
                                         data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:
                value = json.loads(answer.read().decode("utf-8"))  # the text, whatever Content-Type says
        except (urllib.error.URLError, TimeoutError, ValueError) as error:  # HTTPError (5xx) is a URLError
            logger.warning("WeChat API unreachable", extra={"path": path, "error": str(error)})
            raise UpstreamUnavailable("WeChat unavailable", "微信服务繁忙，请稍后再试") from error
        return value if isinstance(value, dict) else {}
