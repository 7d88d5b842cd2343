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

from diancan.domain.clock import iso, utcnow
from diancan.domain.errors import Forbidden, InvalidRequest, NotFound, Unauthorized
from diancan.domain.inputs import same_secret
from diancan.domain.passwords import (
    CURRENT,
    PasswordHash,
    ScryptCost,
    hash_password,
    needs_rehash,
    verify_password,
)
from diancan.domain.staff import Role, Staff
from diancan.services.ports import StaffRepository, StaffSessions

if TYPE_CHECKING:
    from diancan.services.login_guard import LoginGuard

logger = logging.getLogger(__name__)


class BadLogin(Unauthorized):
    code, message_zh, message_en = "BAD_LOGIN", "用户名或密码错误", "Wrong login name or password"


class SessionExpired(Unauthorized):
    code, message_zh, message_en = "SESSION_EXPIRED", "登录已过期，请重新登录", "Your session has ended; log in again"


class PasswordChangeRequired(Forbidden):
    code = "PASSWORD_CHANGE_REQUIRED"
    message_zh, message_en = "请先修改初始密码", "Change your one-time password first"


MIN_PASSWORD = 10


def check_new_password(password: str, old: str = "") -> None:
    """The rule every password a person chooses meets: at least 10 characters, not the one it replaces."""
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest("a password has at least 10 characters", "密码至少10位", code="WEAK_PASSWORD")
    if old and same_secret(password, old):
        raise InvalidRequest("the new password must differ from the old one", "新密码不能与原密码相同",
                             code="SAME_PASSWORD")


def create_first_owner(staff: StaffRepository, login: str, name: str, *, cost: ScryptCost = CURRENT,
                       clock: Callable[[], datetime] = utcnow) -> tuple[Staff, str]:
    """The deployment's first owner with a one-time password (returned, to be printed once): the console
    asks for a new one at the first login. Runs once per deployment: the account and the ``FIRST_OWNER``
    claim are one conditional transaction, so a second run is FIRST_OWNER_EXISTS and writes nothing."""
    login = login.strip().lower()
    try:
        owner = Staff(staff_id=login.replace(".", "-")[:32], login=login, name=name.strip(), role=Role.OWNER,
                      must_change_password=True)
    except ValueError:
        raise InvalidRequest("login: 2-32 of a-z 0-9 . _ - ; name: 1-40 characters", "登录名为2-32位小写字母、数字或 . _ -，"
                             "姓名1-40字", code="INVALID_STAFF") from None
    password = secrets.token_urlsafe(12)
    staff.create(owner, hash_password(password, cost), iso(clock()), first_owner=True)
    logger.info("first owner created", extra={"staff_id": owner.staff_id})
    return owner, password


@dataclass(frozen=True)
class ConsoleSession:
    token: str  # the cookie value
    staff: Staff
    csrf_token: str
    expires_at: int


class StaffAccounts:
    def __init__(self, staff: StaffRepository, sessions: StaffSessions, guard: LoginGuard, *, signing_key: bytes,
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

    def change_password(self, staff_id: str, old: str, new: str) -> Staff:
        """The person's own new password: the old one must be right (a one-time password included); clears
        ``must_change_password``. Sessions stay: the person changing it is the one signed in."""
        found = self._staff.get(staff_id)
        if found is None or not verify_password(old, found.password):
            raise InvalidRequest("the current password is wrong", "原密码不正确", code="WRONG_PASSWORD")
        check_new_password(new, old)
        changed = found.staff.model_copy(update={"must_change_password": False})
        self._staff.set_password(staff_id, hash_password(new, self._cost), iso(self._clock()), changed=changed)
        logger.info("console password changed", extra={"staff_id": staff_id})
        return changed

    def reset_password(self, staff_id: str) -> str:
        """A new random password (shown once to the person who reset it); the old one stops working at once.
        It is a one-time password: its owner must choose their own at the next login (``must_change_password``),
        so the person who reset it does not keep a working password of theirs."""
        password = secrets.token_urlsafe(9)
        forced = self.get(staff_id).model_copy(update={"must_change_password": True})
        self._staff.set_password(staff_id, hash_password(password, self._cost), iso(self._clock()), changed=forced)
        logger.info("console password reset", extra={"staff_id": staff_id})
        return password

    def _sign(self, raw: str) -> str:
        return hmac.new(self._key, raw.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
