"""Keys and pynamodb records of the management console: staff, their login names, sessions, the audit
log. (Kept in their own module while records.py/keys.py are being edited by others; same table, same
``kind`` discriminator, so they can move into records.py/keys.py unchanged.)

| item | PK | SK | notes |
| --- | --- | --- | --- |
| staff profile | ``STAFF#<id>`` | ``PROFILE`` | GSI1 ``STAFF`` / ``<login>`` lists all staff |
| login name | ``STAFFLOGIN#<login>`` | ``STAFF`` | unique login → staff id |
| session | ``STAFFSESSION#<sha256(id)>`` | ``SESSION`` | TTL ``expires_at``; the raw id never stored |
| audit entry | ``STORE#<sid>`` | ``LOG#AUDIT#<iso>#<id>`` | newest first by a reverse range query |
| day counters | ``STORE#<sid>`` | ``STATS#<yyyy-mm-dd>`` | atomic ADD (adapters.counters) |
| login throttle | ``LOGINGUARD#<scope>#<hmac>`` (scope account or client) | ``GUARD`` | ``failures`` ADD, ``last_at``; TTL |
| first owner claim | ``DEPLOYMENT`` | ``FIRST_OWNER`` | written once, with the first owner (``python -m tools.ops first-owner``) |
| lockouts of an hour | ``LOGINGUARD#LOCKOUTS`` | ``<yyyy-mm-ddTHH>`` | ``lockouts`` ADD (alert threshold); TTL |

Store-partition items sort after ``DISH#`` (keys.py rule) so the one-query menu read never sees them:
hence ``LOG#AUDIT#`` rather than ``AUDIT#``. Chain-wide audit entries live under ``STORE#_chain``.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from diancan.adapters.records import Record

STAFF_LIST = "STAFF"
PROFILE = "PROFILE"
LOGIN_SK = "STAFF"
SESSION_SK = "SESSION"
AUDIT_PREFIX = "LOG#AUDIT#"
CHAIN_PARTITION = "_chain"  # audit of chain-wide actions
SECURITY_PARTITION = "_security"  # audit of login lockouts (the owner's staff page lists them)
GUARD_SK = "GUARD"
LOCKOUTS_PK = "LOGINGUARD#LOCKOUTS"
DEPLOYMENT_PK = "DEPLOYMENT"
FIRST_OWNER_SK = "FIRST_OWNER"


def staff(staff_id: str) -> str:
    return f"STAFF#{staff_id}"


def staff_login(login: str) -> str:
    return f"STAFFLOGIN#{login}"


def staff_session(session_hash: str) -> str:
    return f"STAFFSESSION#{session_hash}"


def login_guard(scope: str, digest: str) -> str:
    return f"LOGINGUARD#{scope}#{digest}"


def audit(at_iso: str, entry_id: str) -> str:
    return f"{AUDIT_PREFIX}{at_iso}#{entry_id}"


def stats(day: str) -> str:
    return f"STATS#{day}"


class StaffRecord(Record, discriminator="staff"):
    staff_id = UnicodeAttribute()
    doc = JSONAttribute()  # diancan.domain.staff.Staff
    password = JSONAttribute()  # diancan.domain.passwords.PasswordHash
    updated_at = UnicodeAttribute()


class StaffLoginRecord(Record, discriminator="staff_login"):
    staff_id = UnicodeAttribute()


class FirstOwnerRecord(Record, discriminator="first_owner"):
    """The deployment's first owner was created (and by whom): the claim that makes the command run once."""

    staff_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class StaffSessionRecord(Record, discriminator="staff_session"):
    staff_id = UnicodeAttribute()
    csrf_token = UnicodeAttribute()
    created_at = UnicodeAttribute()


class AuditRecord(Record, discriminator="audit"):
    store_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    action = UnicodeAttribute()
    target = UnicodeAttribute(default="")
    at = UnicodeAttribute()
    detail = JSONAttribute(default=dict)
    amount_fen = NumberAttribute(null=True)


class StatsRecord(Record, discriminator="stats"):
    """Day counters; written and read by adapters.counters (dynamic names). Registered so that a
    polymorphic query of a store partition recognises the item."""
