"""The mini-program's server access token (``GET /cgi-bin/token``, client_credential), cached per container
until five minutes before it expires. Shared by the WeChat server APIs (phone numbers, QR codes, ...)."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from diancan.domain.errors import UpstreamUnavailable

logger = logging.getLogger(__name__)
EARLY_REFRESH_SECONDS = 300


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
