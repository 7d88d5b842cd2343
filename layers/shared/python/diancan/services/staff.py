"""Staff login, console sessions and staff accounts.

The session cookie carries ``<random id>.<HMAC>``: the HMAC (keyed from the ``app`` secret) rejects
forged ids before any read, and the table holds only a SHA-256 of the id, with its expiry, so that a
session can be revoked (logout) and ends on time even before DynamoDB's TTL deletes it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from diancan.adapters.staff_store import SessionStore, StaffStore
from diancan.domain.clock import iso, utcnow
from diancan.domain.errors import NotFound, Unauthorized
from diancan.domain.inputs import same_secret
from diancan.domain.passwords import (
    CURRENT,
    ScryptCost,
    hash_password,
    needs_rehash,
    verify_password,
)
from diancan.domain.staff import Staff

logger = logging.getLogger(__name__)


class BadLogin(Unauthorized):
    code, message_zh, message_en = "BAD_LOGIN", "用户名或密码错误", "Wrong login name or password"


class SessionExpired(Unauthorized):
    code, message_zh, message_en = "SESSION_EXPIRED", "登录已过期，请重新登录", "Your session has ended; log in again"


@dataclass(frozen=True)
class ConsoleSession:
    token: str  # the cookie value
    staff: Staff
    csrf_token: str
    expires_at: int


class StaffAccounts:
    def __init__(self, staff: StaffStore, sessions: SessionStore, *, signing_key: bytes, ttl_seconds: int,
                 cost: ScryptCost = CURRENT, clock: Callable[[], datetime] = utcnow) -> None:
        self._staff = staff
        self._sessions = sessions
        self._key = signing_key
        self._ttl = ttl_seconds
        self._cost = cost
        self._clock = clock
        self._decoy = hash_password(secrets.token_urlsafe(12), cost)

    def create(self, staff: Staff, password: str, *, cost: ScryptCost | None = None) -> None:
        """A new account; ``cost`` lowers the hashing cost for tests and demo data only."""
        self._staff.create(staff, hash_password(password, cost or self._cost), iso(self._clock()))

    def login(self, login: str, password: str) -> ConsoleSession:
        """A new session for valid credentials; the same refusal (and about the same time) otherwise."""
        found = self._staff.by_login(login.strip().lower())
        if found is None:
            verify_password(password, self._decoy)
            raise BadLogin()
        if not verify_password(password, found.password) or not found.staff.active:
            logger.info("console login refused", extra={"staff_id": found.staff.staff_id})
            raise BadLogin()
        if needs_rehash(found.password, self._cost):
            self._staff.set_password(found.staff.staff_id, hash_password(password, self._cost), iso(self._clock()))
        raw = secrets.token_urlsafe(32)
        now = self._clock()
        stored = self._sessions.create(self._hash(raw), found.staff.staff_id, iso(now), int(now.timestamp()) + self._ttl)
        logger.info("console login", extra={"staff_id": found.staff.staff_id})
        return ConsoleSession(f"{raw}.{self._sign(raw)}", found.staff, stored.csrf_token, stored.expires_at)

    def resume(self, token: str | None) -> ConsoleSession:
        """The session behind a cookie value, or Unauthorized (forged, logged out, expired, staff disabled)."""
        raw, _, signature = (token or "").partition(".")
        if not raw or not raw.isascii() or not same_secret(signature, self._sign(raw)):
            raise Unauthorized()
        stored = self._sessions.get(self._hash(raw))
        if stored is None:
            raise SessionExpired()
        if stored.expires_at <= int(self._clock().timestamp()):
            raise SessionExpired()
        found = self._staff.get(stored.staff_id)
        if found is None or not found.staff.active:
            raise SessionExpired()
        return ConsoleSession(token, found.staff, stored.csrf_token, stored.expires_at)

    def logout(self, token: str | None) -> None:
        raw, _, signature = (token or "").partition(".")
        if raw and raw.isascii() and same_secret(signature, self._sign(raw)):
            self._sessions.delete(self._hash(raw))

    def everyone(self) -> list[Staff]:
        return self._staff.list_all()

    def get(self, staff_id: str) -> Staff:
        found = self._staff.get(staff_id)
        if found is None:
            raise NotFound("no such staff member", "员工不存在", code="STAFF_NOT_FOUND")
        return found.staff

    def set_active(self, staff_id: str, active: bool) -> Staff:
        return self._staff.set_active(staff_id, active, iso(self._clock()))

    def reset_password(self, staff_id: str) -> str:
        """A new random password (shown once to the person who reset it); the old one stops working at once."""
        password = secrets.token_urlsafe(9)
        self.get(staff_id)
        self._staff.set_password(staff_id, hash_password(password, self._cost), iso(self._clock()))
        logger.info("console password reset", extra={"staff_id": staff_id})
        return password

    def _sign(self, raw: str) -> str:
        return hmac.new(self._key, raw.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
