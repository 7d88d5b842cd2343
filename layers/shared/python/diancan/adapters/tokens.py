"""Guest session tokens: ``base64url(payload).base64url(HMAC-SHA256)``, signed with a secret from
Secrets Manager and expiring. Small and dependency-free so the guest functions start fast."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable

from diancan.domain.errors import InvalidRequest, Unauthorized
from diancan.domain.inputs import same_secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sealed(key: bytes, claims: dict) -> str:
    """``base64url(claims).base64url(HMAC-SHA256)``: the form of the guest's tokens and the console's push
    tickets."""
    payload = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{payload}.{_mac(key, payload)}"


def _opened[T](key: bytes, token: str, now: float | None, read: Callable[[dict], T],
               invalid: Callable[[], Unauthorized], expired: Callable[[], Unauthorized]) -> T:
    """What ``read`` takes from the claims of a token ``_sealed`` with ``key``: ``invalid()`` if it is forged,
    tampered or unreadable, ``expired()`` once its ``exp`` has passed."""
    payload, _, signature = token.partition(".")
    if not token.isascii() or not payload or not signature or not same_secret(signature, _mac(key, payload)):
        raise invalid()
    try:
        claims = json.loads(_unb64(payload))
        found, expiry = read(claims), int(claims["exp"])
    except (ValueError, KeyError, TypeError):
        raise invalid() from None
    if expiry <= (now if now is not None else time.time()):
        raise expired()
    return found


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


class TokenSigner:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        if len(secret) < 32:
            raise ValueError("token secret must be at least 32 characters")
        self._key = secret.encode()
        self._ttl = ttl_seconds

    @property
    def ttl_seconds(self) -> int:
        return self._ttl

    def issue(self, openid: str, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        return _sealed(self._key, {"sub": openid, "iat": issued, "exp": issued + self._ttl})

    def verify(self, token: str, now: float | None = None) -> str:
        """The openid the token was issued to; ``Unauthorized`` if it is forged, tampered or expired."""
        return _opened(self._key, token, now, lambda claims: str(claims["sub"]), _invalid_token,
                       lambda: Unauthorized("token expired", "登录已过期，请重新登录", code="TOKEN_EXPIRED"))


def _invalid_token() -> Unauthorized:
    return Unauthorized("invalid token", "登录状态无效，请重新登录", code="INVALID_TOKEN")


class CursorSealer:
    """Paging cursors a client hands back: the table's last evaluated key, bound to the list it pages (the
    guest's openid) and signed with a key derived from the token secret. A cursor the server did not issue
    for that list is a 400 INVALID_CURSOR, never a query that starts at a key of the client's choosing."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"diancan paging cursor v1", hashlib.sha256).digest()

    def seal(self, last_key: dict | None, *, scope: str) -> str | None:
        if not last_key:
            return None
        payload = _b64(json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{self._sign(payload, scope)}"

    def open(self, cursor: str | None, *, scope: str) -> dict | None:
        """The key a sealed cursor holds (None for no cursor); INVALID_CURSOR for anything else."""
        if not cursor:
            return None
        payload, _, signature = cursor.partition(".")
        if not cursor.isascii() or not payload or not same_secret(signature, self._sign(payload, scope)):
            raise _bad_cursor()
        try:
            key = json.loads(_unb64(payload))
        except ValueError:
            raise _bad_cursor() from None
        if not isinstance(key, dict):
            raise _bad_cursor()
        return key

    def _sign(self, payload: str, scope: str) -> str:
        message = f"{scope}\n{payload}".encode("utf-8", "surrogatepass")
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())


def _bad_cursor() -> InvalidRequest:
    return InvalidRequest("bad cursor: pass back next_cursor as given", "分页参数有误", code="INVALID_CURSOR")


def session_key(app_secret: dict) -> bytes:
    """The console's session-signing key, derived from the ``app`` secret (a dedicated ``console_session_key``
    wins); push tickets derive theirs from it."""
    base = app_secret.get("console_session_key") or app_secret["token_secret"]
    return hmac.new(base.encode(), b"diancan-console-session", hashlib.sha256).digest()


PUSH_TICKET_SECONDS = 60  # long enough to open a socket, short enough that a leaked URL is soon worthless


class PushTickets:
    """Short-lived tickets a console page opens its WebSocket with (``$connect ?ticket=``), instead of the
    session token, which stays in its httponly cookie. The console issues one per (re)connect to a signed-in
    staff member; it names them, their role and stores, and expires after ``PUSH_TICKET_SECONDS``. Signed with a
    key derived from the console's session key, so only a holder of the ``app`` secret can mint one."""

    def __init__(self, session_key: bytes, ttl_seconds: int = PUSH_TICKET_SECONDS) -> None:
        self._key = hmac.new(session_key, b"diancan push ticket v1", hashlib.sha256).digest()
        self._ttl = ttl_seconds

    @property
    def ttl_seconds(self) -> int:
        return self._ttl

    def issue(self, staff_id: str, role: str, store_ids: tuple[str, ...] | list[str], now: float | None = None
              ) -> str:
        expiry = int(now if now is not None else time.time()) + self._ttl
        return _sealed(self._key, {"sub": staff_id, "role": role, "stores": list(store_ids), "exp": expiry})

    def verify(self, ticket: str, now: float | None = None) -> tuple[str, str, tuple[str, ...]]:
        """(staff_id, role, store_ids) of a ticket this console issued; ``Unauthorized`` if forged or expired."""
        return _opened(self._key, ticket, now,
                       lambda claims: (str(claims["sub"]), str(claims["role"]),
                                       tuple(str(store) for store in claims["stores"])),
                       _bad_ticket, lambda: Unauthorized("push ticket expired: ask for a new one",
                                                         "连接凭证已过期，请刷新页面", code="TICKET_EXPIRED"))


def _bad_ticket() -> Unauthorized:
    return Unauthorized("invalid push ticket", "连接凭证无效，请刷新页面", code="INVALID_TICKET")
