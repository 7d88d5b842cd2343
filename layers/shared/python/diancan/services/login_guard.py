"""Throttles console logins per account and per client (domain.login_throttle), audits each lockout and alerts
operators when an hour's lockouts reach the threshold.

The client is the request's source address as the function URL saw it (``requestContext.http.sourceIp``,
``REMOTE_ADDR`` in the console); a client cannot forge it, unlike ``X-Forwarded-For``, which counts only
behind proxies of ours (console.security.client_address). Counter keys are an HMAC of the login name or address, so
the table holds neither what was typed into the login field (sometimes a password) nor addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from diancan.adapters import keys
from diancan.adapters.login_guard_table import Claim
from diancan.adapters.staff_table import AuditEntry
from diancan.domain.clock import iso, utcnow
from diancan.domain.login_throttle import (
    ACCOUNT_RULE,
    ALERT_LOCKOUTS_PER_HOUR,
    CLIENT_RULE,
    LoginThrottled,
    ThrottleRule,
    still_counting,
    waits_until,
)
from diancan.services.ports import AlertPublisher, AuditTrail, LoginAttempts

logger = logging.getLogger(__name__)
LOGIN_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")  # domain.staff.Staff.login: others cannot exist
LOCKOUT_ACTION = "login.lockout"


@dataclass(frozen=True)
class Attempt:
    """An attempt ``check`` let through and counted, handed back to ``failed`` / ``succeeded``."""

    login: str
    client: str
    staff_id: str | None
    account_key: str
    client_key: str
    account_count: int  # failures of the name, this attempt included
    client_count: int


class LoginGuard:
    def __init__(self, attempts: LoginAttempts, audit: AuditTrail, alerts: AlertPublisher | None, *, key: bytes,
                 clock: Callable[[], datetime] = utcnow, account_rule: ThrottleRule = ACCOUNT_RULE,
                 client_rule: ThrottleRule = CLIENT_RULE, alert_after: int = ALERT_LOCKOUTS_PER_HOUR) -> None:
        self._attempts, self._audit, self._alerts = attempts, audit, alerts
        self._key = hmac.new(key, b"diancan-login-guard", hashlib.sha256).digest()
        self._clock = clock
        self._rules = {"account": account_rule, "client": client_rule}
        self._alert_after = alert_after

    def check(self, login: str, client: str) -> Attempt:
        """Let an attempt through, or refuse it with LoginThrottled while either counter waits (the password
        is not looked at, so a right one is refused too). One BatchGetItem (the login name's account and both
        counters), then one transaction that counts the attempt on both, as if it failed; an attempt made at
        the same moment as another one is refused (one guess at a time, even from a parallel burst)."""
        now = self._now()
        account_key, client_key = self._guard_key("account", login), self._guard_key("client", client)
        read = self._attempts.read(login if LOGIN_NAME.match(login) else None, [account_key, client_key])
        claims, waits = [], []
        for rule, key in ((self._rules["account"], account_key), (self._rules["client"], client_key)):
            stored = read.counters.get(key)
            counting = still_counting(rule, stored, now)
            if (until := waits_until(rule, counting, now)) is not None:
                waits.append((until, rule.locks(counting.count)))
            claims.append(Claim(key, stored, counting.count + 1 if counting else 1, now, now + rule.forget_after))
        if waits:
            until, locked = max(waits)
            logger.info("console login throttled", extra={"retry_after": until - now, "locked": locked})
            raise LoginThrottled(until - now, locked)
        if not self._attempts.claim(claims):
            logger.info("console login throttled", extra={"retry_after": 1, "concurrent": True})
            raise LoginThrottled(1, False)
        return Attempt(login, client, read.staff_id, account_key, client_key, claims[0].count, claims[1].count)

    def failed(self, attempt: Attempt) -> None:
        """A wrong password (already counted by ``check``): a counter that reached its lock is audited."""
        now = self._now()
        for scope, count in (("account", attempt.account_count), ("client", attempt.client_count)):
            if self._rules[scope].locks(count):
                self._lockout(self._rules[scope], attempt, count, now)

    def succeeded(self, attempt: Attempt) -> None:
        """A right password takes the attempt back: the name's failures end; the address keeps its earlier ones
        (one good login must not hide guessing at other accounts from it). One transaction."""
        if not self._attempts.release(attempt.account_key, attempt.client_key):
            logger.warning("console login count not taken back", extra={"staff_id": attempt.staff_id})

    def recent_lockouts(self, days: int = 7, limit: int = 20) -> list[AuditEntry]:
        """The newest lockouts (audit partition ``_security``), for the owner's staff page. One Query."""
        since = iso(self._clock() - timedelta(days=days))
        return [e for e in self._audit.recent(keys.SECURITY_PARTITION, limit=limit) if e.at >= since]

    def _lockout(self, rule: ThrottleRule, attempt: Attempt, count: int, now: int) -> None:
        at = self._clock()
        until = iso(at + timedelta(seconds=rule.lock_seconds))
        known = attempt.staff_id is not None
        detail = {"scope": rule.scope, "failures": count, "until": until, "client": attempt.client,
                  "login": attempt.login if known else None}
        target = f"account:{attempt.login if known else '?'}" if rule.scope == "account" else f"client:{attempt.client}"
        self._audit.append(AuditEntry(keys.SECURITY_PARTITION, attempt.staff_id or "", LOCKOUT_ACTION, target, iso(at),
                                      detail))
        logger.warning("console login locked", extra={"scope": rule.scope, "failures": count,
                                                      "staff_id": attempt.staff_id})
        lockouts = self._attempts.count_lockout(at.strftime("%Y-%m-%dT%H"), now + 2 * 86400)
        if lockouts == self._alert_after and self._alerts is not None:
            try:
                self._alerts.publish("ConsoleLoginLockouts", f"diancan console: {lockouts} login lockouts this hour",
                                     {"hour": at.strftime("%Y-%m-%dT%H"), "lockouts": lockouts, "latest": detail})
            except Exception:  # the lock holds whatever SNS does; the log and the audit say what happened
                logger.exception("login lockout alert not sent")

    def _guard_key(self, scope: str, value: str) -> str:
        return keys.login_guard(scope, hmac.new(self._key, value.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:40])

    def _now(self) -> int:
        return int(self._clock().timestamp())
