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
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from diancan.adapters.staff_store import SessionStore, StaffStore
from diancan.domain.clock import iso, utcnow
from diancan.domain.errors import NotFound, Unauthorized
from diancan.domain.inputs import same_secret
from diancan.domain.passwords import (
    CURRENT,
    PasswordHash,
    ScryptCost,
    hash_password,
    needs_rehash,
    verify_password,
)
from diancan.domain.staff import Staff

if TYPE_CHECKING:
    from diancan.services.login_guard import LoginGuard

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
    def __init__(self, staff: StaffStore, sessions: SessionStore, guard: LoginGuard, *, signing_key: bytes,
                 ttl_seconds: int, cost: ScryptCost = CURRENT, clock: Callable[[], datetime] = utcnow) -> None:
        self._staff = staff
        self._sessions = sessions
        self._guard = guard
        self._key = signing_key
        self._ttl = ttl_seconds
        self._cost = cost
        self._clock = clock
        self._decoy: PasswordHash | None = None  # made on the first unknown login, not at every cold start
        self._decoy_lock = threading.Lock()

    def create(self, staff: Staff, password: str, *, cost: ScryptCost | None = None) -> None:
        """A new account; ``cost`` lowers the hashing cost for tests and demo data only."""
        self._staff.create(staff, hash_password(password, cost or self._cost), iso(self._clock()))

    def login(self, login: str, password: str, client: str = "") -> ConsoleSession:
        """A new session for valid credentials; the same refusal (and about the same time) otherwise.

        Throttled per login name and per ``client`` (the source address): ``LoginThrottled`` (429) while
        either waits, before the password is looked at. DynamoDB: one BatchGetItem (login name and both
        counters), one TransactWriteItems counting the attempt, the profile's GetItem (a name with an
        account); for a right password also a TransactWriteItems taking the count back and the session's
        PutItem."""
        attempt = self._guard.check(login.strip().lower(), client)
        found = self._staff.get(attempt.staff_id) if attempt.staff_id else None
        if found is None:
            self._spend_like_a_check(password)
            self._guard.failed(attempt)
            raise BadLogin()
        if not verify_password(password, found.password) or not found.staff.active:
            logger.info("console login refused", extra={"staff_id": found.staff.staff_id})
            self._guard.failed(attempt)
            raise BadLogin()
        self._guard.succeeded(attempt)
        if needs_rehash(found.password, self._cost):
            self._staff.set_password(found.staff.staff_id, hash_password(password, self._cost), iso(self._clock()))
        raw = secrets.token_urlsafe(32)
        now = self._clock()
        stored = self._sessions.create(self._hash(raw), found.staff.staff_id, iso(now), int(now.timestamp()) + self._ttl)
        logger.info("console login", extra={"staff_id": found.staff.staff_id})
        return ConsoleSession(f"{raw}.{self._sign(raw)}", found.staff, stored.csrf_token, stored.expires_at)

    def _spend_like_a_check(self, password: str) -> None:
        """One scrypt at the current cost, as a known login's check takes, so an unknown login name is not
        told apart by time. The first such login derives the decoy hash (that derivation is the one scrypt);
        later ones check the password against it. Deferred from the constructor: 0.3-0.5 s per cold start."""
        with self._decoy_lock:
            if self._decoy is None:
                self._decoy = hash_password(secrets.token_urlsafe(12), self._cost)
                return
        verify_password(password, self._decoy)

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
