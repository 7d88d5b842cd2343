"""The mini-program's server access token, ONE source for every adapter (codes, subscribe messages, phone
numbers), and ``WeChatServerApi``: the call every server API that takes ``?access_token=`` shares.

Why the stable token (``POST /cgi-bin/stable_token``, developers.weixin.qq.com getStableAccessToken):
each ``GET /cgi-bin/token`` issues a new token and the previous one stops working a few minutes later, so
Lambda containers fetching their own tokens knock each other's out (40001 at random under load). The stable
token is a separate credential: in normal mode (``force_refresh: false``) every call returns the same token
while it is valid (``expires_in`` is what is left, at most 7200 s); in its last 5 minutes a call gets the
next token, the old one staying valid until it ends. ``force_refresh: true`` invalidates the current token
at once; WeChat allows it 20 times a day and ignores a force within 30 s of the previous one, and advises it
only when a token leaked.

So: a token is held in the container and in the table (``WECHAT#<appid>`` / ``ACCESS_TOKEN``, with its
expiry), and is good until 5 minutes before it ends; a cold container reads the table and calls WeChat only
when the stored token is absent or in its last 5 minutes (normal mode: every container gets the same token,
and the write keeps the token that lives longest). When an API rejects a token (40001 / 42001 / 40014) the
caller asks ``rejected(token)`` for a replacement ONCE: a newer stored token, else a normal-mode call, and a
forced refresh only when WeChat hands back the very token it just rejected. A force is claimed in the table
first (a conditional write on the claim read), at most one per 30 s and 20 per Shanghai day across all
containers; a container that cannot claim one answers ``UpstreamUnavailable`` (the request or the SQS message
is retried) rather than hammer WeChat.

Token-call failures: unreachable, an HTTP error status, -1 / 45009 / 45011 (busy) → ``UpstreamUnavailable``;
anything else (40013 invalid appid, 40125 invalid secret, 40164 IP not whitelisted, 40243 secret frozen,
...) means this deployment's credentials are wrong: ``WeChatCredentialsRejected`` (503, logged at ERROR and
counted as the ``WeChatCredentialsRejected`` metric, which alarms), never a 4xx to whoever asked.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from diancan.domain.errors import UpstreamUnavailable

logger = logging.getLogger(__name__)
EARLY_REFRESH_SECONDS = 300  # WeChat hands out the next stable token in the last 5 minutes of the current one
FORCE_SPACING_SECONDS = 30   # a forced refresh within 30 s of the previous one does not refresh
FORCE_PER_DAY = 20           # forced refreshes allowed per day
TOKEN_REJECTED = (40001, 42001, 40014)  # invalid (revoked), expired, malformed access token
BUSY = (-1, 45009, 45011)
_SHANGHAI = timedelta(hours=8)


class WeChatCredentialsRejected(UpstreamUnavailable):
    """WeChat refused our appid/secret (or our IP): a deployment fault, not the caller's."""

    code, message_zh, message_en = ("WECHAT_CREDENTIALS_REJECTED", "微信服务暂不可用，请稍后再试",
                                    "WeChat refused this deployment's credentials")


@dataclass(frozen=True)
class HeldToken:
    token: str
    valid_until: float  # epoch seconds, as WeChat said (now + expires_in)
    force_claim: str | None = None  # the table's last force claim (its optimistic lock)
    forced_day: str | None = None
    forced_count: int = 0
    forced_at: float = 0.0

    def good(self, now: float) -> bool:
        return now < self.valid_until - EARLY_REFRESH_SECONDS


class TokenCache(Protocol):
    """Where containers share the token: ``read``, ``save`` (keeps the longest-lived token, returns what is
    stored afterwards) and ``claim_force`` (True when this caller may force a refresh now)."""

    def read(self, appid: str) -> HeldToken | None: ...

    def save(self, appid: str, token: str, valid_until: float) -> HeldToken: ...

    def claim_force(self, appid: str, seen: HeldToken | None, now: float, day: str) -> bool: ...


class MemoryTokenCache:
    """One process's cache (local runs and tests without a table); the same rules as the table's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, HeldToken] = {}

    def read(self, appid: str) -> HeldToken | None:
        with self._lock:
            return self._held.get(appid)

    def save(self, appid: str, token: str, valid_until: float) -> HeldToken:
        with self._lock:
            old = self._held.get(appid)
            if old is None or old.token == token or old.valid_until <= valid_until:
                base = old or HeldToken(token, valid_until)
                self._held[appid] = HeldToken(token, valid_until, base.force_claim, base.forced_day,
                                              base.forced_count, base.forced_at)
            return self._held[appid]

    def claim_force(self, appid: str, seen: HeldToken | None, now: float, day: str) -> bool:
        with self._lock:
            current = self._held.get(appid)
            if (current and current.force_claim) != (seen and seen.force_claim) or not force_allowed(seen, now, day):
                return False
            count = (seen.forced_count if seen and seen.forced_day == day else 0) + 1
            base = current or HeldToken("", 0.0)
            self._held[appid] = HeldToken(base.token, base.valid_until, uuid.uuid4().hex, day, count, now)
            return True


def force_allowed(seen: HeldToken | None, now: float, day: str) -> bool:
    """WeChat's limits on ``force_refresh``: 30 s apart, 20 a day."""
    if seen is None or seen.force_claim is None:
        return True
    if now - seen.forced_at < FORCE_SPACING_SECONDS:
        return False
    return seen.forced_day != day or seen.forced_count < FORCE_PER_DAY


def shanghai_day(now: float) -> str:
    return (datetime.fromtimestamp(now, UTC) + _SHANGHAI).date().isoformat()


class StableAccessToken:
    """The access token of one mini-program, for every server API call of this container."""

    def __init__(self, appid: str, app_secret: str, api_base: str, timeout: float, *,
                 cache: TokenCache | None = None, clock: Callable[[], float] = time.time,
                 count: Callable[[str], None] | None = None) -> None:
        self._appid = appid
        self._secret = app_secret
        self._base = api_base.rstrip("/")
        self._timeout = timeout
        self._cache = cache or MemoryTokenCache()
        self._clock = clock
        self._count = count or (lambda name: None)
        self._lock = threading.Lock()
        self._held: HeldToken | None = None

    def access_token(self, deadline: float | None = None) -> str:
        """The token to call with; ``deadline`` (``time.monotonic``) bounds a call to WeChat for it."""
        with self._lock:
            now = self._clock()
            if self._held is None or not self._held.good(now):
                stored = self._cache.read(self._appid)
                self._held = stored if stored and stored.good(now) else self._save(self._fetch(False, deadline))
            return self._held.token

    def rejected(self, token: str, deadline: float | None = None) -> str:
        """WeChat refused ``token``: the token to retry with, refreshed once (the caller retries once)."""
        with self._lock:
            now = self._clock()
            if self._held and self._held.token != token and self._held.good(now):
                return self._held.token  # another thread of this container already replaced it
            stored = self._cache.read(self._appid)
            if stored and stored.token != token and stored.good(now):
                self._held = stored
                return stored.token
            fresh = self._fetch(False, deadline)
            if fresh.token != token:  # WeChat's own answer wins over whatever the table holds
                self._save(fresh)
                self._held = fresh
                return fresh.token
            # WeChat's current stable token is the one it just refused: only a forced refresh replaces it.
            if not self._cache.claim_force(self._appid, stored, now, shanghai_day(now)):
                again = self._cache.read(self._appid)
                if again and again.token != token and again.good(now):
                    self._held = again
                    return again.token
                limited = not force_allowed(stored, now, shanghai_day(now))
                logger.warning("access token rejected; no forced refresh now", extra={"limited": limited})
                self._count("WeChatTokenForceDeferred")
                raise UpstreamUnavailable("WeChat token is being refreshed", "微信服务繁忙，请稍后再试",
                                          code="WECHAT_TOKEN_REFRESHING")
            logger.warning("access token rejected; forcing a refresh")
            self._count("WeChatTokenForced")
            self._held = self._fetch(True, deadline)
            self._save(self._held)
            return self._held.token

    def _fetch(self, force: bool, deadline: float | None) -> HeldToken:
        body = json.dumps({"grant_type": "client_credential", "appid": self._appid, "secret": self._secret,
                           "force_refresh": force}).encode("utf-8")
        request = urllib.request.Request(f"{self._base}/cgi-bin/stable_token", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=within(self._timeout, deadline)) as answer:
                value = json.loads(answer.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            logger.warning("access token unreachable", extra={"error": str(error)})
            raise UpstreamUnavailable("WeChat unavailable", "微信服务繁忙，请稍后再试") from error
        value = value if isinstance(value, dict) else {}
        if not value.get("access_token"):
            errcode = int(value.get("errcode") or 0)
            details = {"errcode": errcode}
            if errcode in BUSY:
                logger.warning("access token: WeChat busy", extra=details)
                raise UpstreamUnavailable("WeChat is busy", "微信服务繁忙，请稍后再试", code="WECHAT_BUSY",
                                          details=details)
            logger.error("access token refused: check the wechat secret and the IP whitelist",
                         extra={**details, "errmsg": value.get("errmsg")})
            self._count("WeChatCredentialsRejected")
            raise WeChatCredentialsRejected(details=details)
        return HeldToken(value["access_token"], self._clock() + int(value.get("expires_in") or 7200))

    def _save(self, fetched: HeldToken) -> HeldToken:
        """Share what WeChat answered; the table's answer is the token to use (the longest-lived one)."""
        return self._cache.save(self._appid, fetched.token, fetched.valid_until)


class WeChatServerApi:
    """``POST <base><path>?access_token=...`` with a JSON body. WeChat answers HTTP 200 whatever happened: JSON
    whose ``errcode`` (absent or 0 on success) decides, or, for a few APIs, the content itself (an image). A
    rejected token is replaced once (``rejected``) and the call repeated once; rejected again →
    ``UpstreamUnavailable`` (retried later, never settled as the guest's refusal). Unreachable, an HTTP error
    status or unreadable JSON → ``UpstreamUnavailable``. The requests of one call (token, call, refresh,
    retry) share ``budget`` seconds, so the whole call fits the function's timeout (settings)."""

    def __init__(self, tokens: StableAccessToken, api_base: str, timeout: float, *,
                 budget: float | None = None) -> None:
        self._tokens = tokens
        self._base = api_base.rstrip("/")
        self._timeout = timeout
        self._budget = budget

    def post(self, path: str, body: dict) -> dict:
        return json_of(self.post_raw(path, body)[1])

    def post_raw(self, path: str, body: dict) -> tuple[str, bytes]:
        """(Content-Type, body) of the answer; a JSON answer with a token errcode never comes back."""
        deadline = None if self._budget is None else time.monotonic() + self._budget
        token = self._tokens.access_token(deadline)
        answer = self._send(path, body, token, deadline)
        if _token_refused(answer):
            answer = self._send(path, body, self._tokens.rejected(token, deadline), deadline)
            if errcode := _token_refused(answer):
                logger.warning("access token rejected twice", extra={"path": path, "errcode": errcode})
                raise UpstreamUnavailable("WeChat rejected a fresh access token", "微信服务繁忙，请稍后再试",
                                          code="WECHAT_TOKEN_REJECTED", details={"errcode": errcode})
        return answer

    def _send(self, path: str, body: dict, token: str, deadline: float | None) -> tuple[str, bytes]:
        request = urllib.request.Request(f"{self._base}{path}?access_token={token}", method="POST",
                                         data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=within(self._timeout, deadline)) as answer:
                return answer.headers.get("Content-Type", ""), answer.read()
        except (urllib.error.URLError, TimeoutError) as error:  # HTTPError (5xx) is a URLError
            logger.warning("WeChat API unreachable", extra={"path": path, "error": str(error)})
            raise UpstreamUnavailable("WeChat unavailable", "微信服务繁忙，请稍后再试") from error


def within(timeout: float, deadline: float | None) -> float:
    """``timeout``, cut to what is left before ``deadline``; none left → ``UpstreamUnavailable``."""
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left < 0.05:
        raise UpstreamUnavailable("WeChat call out of time", "微信服务繁忙，请稍后再试", code="WECHAT_TIMEOUT")
    return min(timeout, left)


def _token_refused(answer: tuple[str, bytes]) -> int:
    """The token errcode of a JSON answer, else 0 (success, another error, or not JSON: an image)."""
    if not answer[1].lstrip().startswith(b"{"):
        return 0
    errcode = int(json_of(answer[1]).get("errcode") or 0)
    return errcode if errcode in TOKEN_REJECTED else 0


def json_of(data: bytes) -> dict:
    """WeChat's JSON, read from the text whatever Content-Type says; unreadable → UpstreamUnavailable."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UpstreamUnavailable("WeChat answered something unreadable", "微信服务异常，请稍后再试") from None
    return value if isinstance(value, dict) else {}
