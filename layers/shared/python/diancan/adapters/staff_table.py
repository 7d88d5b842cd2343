"""Staff accounts, console sessions and the audit log in the one table (keys in keys.py).

Creating staff writes the profile and the unique login name in one transaction; sessions are stored
under a hash of their id with a TTL; audit entries are append-only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from diancan.adapters import keys
from diancan.adapters.records import (
    AuditRecord,
    FirstOwnerRecord,
    StaffLoginRecord,
    StaffRecord,
    StaffSessionRecord,
    table_connection,
)
from diancan.domain.errors import Conflict, NotFound
from diancan.domain.passwords import PasswordHash
from diancan.domain.staff import Staff


@dataclass(frozen=True)
class StoredStaff:
    staff: Staff
    password: PasswordHash


@dataclass(frozen=True)
class StoredSession:
    staff_id: str
    csrf_token: str
    created_at: str
    expires_at: int


@dataclass(frozen=True)
class AuditEntry:
    store_id: str
    staff_id: str
    action: str
    target: str
    at: str
    detail: dict
    amount_fen: int | None = None


class StaffTable:
    """Staff profiles and their login names."""

    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection or table_connection()

    def create(self, staff: Staff, password: PasswordHash, at: str, *, first_owner: bool = False) -> None:
        """Profile + login name, both conditional: a taken login or id is a Conflict, nothing written.
        ``first_owner`` also claims the deployment's one ``DEPLOYMENT``/``FIRST_OWNER`` item in the same
        transaction: a second first owner is FIRST_OWNER_EXISTS, nothing written."""
        profile = StaffRecord(keys.staff(staff.staff_id), keys.STAFF_PROFILE, staff_id=staff.staff_id,
                              doc=staff.model_dump(mode="json"), password=password.model_dump(), updated_at=at,
                              GSI1PK=keys.STAFF_LIST, GSI1SK=staff.login)
        login = StaffLoginRecord(keys.staff_login(staff.login), keys.LOGIN_SK, staff_id=staff.staff_id)
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(profile, condition=StaffRecord.PK.does_not_exist())
                tx.save(login, condition=StaffLoginRecord.PK.does_not_exist())
                if first_owner:
                    tx.save(FirstOwnerRecord(keys.DEPLOYMENT_PK, keys.FIRST_OWNER_SK, staff_id=staff.staff_id, created_at=at),
                            condition=FirstOwnerRecord.PK.does_not_exist())
        except TransactWriteError:
            if first_owner and self.first_owner() is not None:
                raise Conflict("this deployment already has its first owner", "本系统已创建过首个老板账号",
                               code="FIRST_OWNER_EXISTS") from None
            raise Conflict("login name or staff id taken", "登录名或员工编号已存在", code="STAFF_EXISTS") from None

    def first_owner(self) -> str | None:
        """The staff id of the deployment's first owner, if one was created."""
        try:
            return FirstOwnerRecord.get(keys.DEPLOYMENT_PK, keys.FIRST_OWNER_SK, consistent_read=True).staff_id
        except DoesNotExist:
            return None

    def get(self, staff_id: str) -> StoredStaff | None:
        try:
            record = StaffRecord.get(keys.staff(staff_id), keys.STAFF_PROFILE)
        except DoesNotExist:
            return None
        return StoredStaff(Staff.model_validate(record.doc), PasswordHash.model_validate(record.password))

    def set_password(self, staff_id: str, password: PasswordHash, at: str, *, changed: Staff | None = None) -> None:
        """A new hash; ``changed`` also writes the profile (a one-time password replaced: the flag cleared)."""
        actions = [StaffRecord.password.set(password.model_dump()), StaffRecord.updated_at.set(at)]
        if changed is not None:
            actions.append(StaffRecord.doc.set(changed.model_dump(mode="json")))
        StaffRecord(keys.staff(staff_id), keys.STAFF_PROFILE).update(actions=actions, condition=StaffRecord.PK.exists())

    def set_active(self, staff_id: str, active: bool, at: str) -> Staff:
        """Enable or disable an account (its sessions end at their next request: ``resume`` checks ``active``)."""
        found = self.get(staff_id)
        if found is None:
            raise NotFound("no such staff member", "员工不存在", code="STAFF_NOT_FOUND")
        changed = found.staff.model_copy(update={"active": active})
        StaffRecord(keys.staff(staff_id), keys.STAFF_PROFILE).update(
            actions=[StaffRecord.doc.set(changed.model_dump(mode="json")), StaffRecord.updated_at.set(at)],
            condition=StaffRecord.PK.exists())
        return changed

    def list_all(self) -> list[Staff]:
        """Every staff member by login name (GSI1 ``STAFF``), one query."""
        return [Staff.model_validate(r.doc) for r in StaffRecord.gsi1.query(keys.STAFF_LIST)]


class StaffSessionTable:
    """Server-side console sessions: revocable (logout deletes) and expiring (TTL and a read-time check)."""

    def create(self, session_hash: str, staff_id: str, created_at: str, expires_at: int) -> StoredSession:
        csrf = secrets.token_urlsafe(32)
        StaffSessionRecord(keys.staff_session(session_hash), keys.SESSION_SK, staff_id=staff_id, csrf_token=csrf,
                           created_at=created_at, expires_at=expires_at).save(
            condition=StaffSessionRecord.PK.does_not_exist())
        return StoredSession(staff_id, csrf, created_at, expires_at)

    def get(self, session_hash: str) -> StoredSession | None:
        try:
            r = StaffSessionRecord.get(keys.staff_session(session_hash), keys.SESSION_SK)
        except DoesNotExist:
            return None
        return StoredSession(r.staff_id, r.csrf_token, r.created_at, int(r.expires_at or 0))

    def delete(self, session_hash: str) -> None:
        StaffSessionRecord(keys.staff_session(session_hash), keys.SESSION_SK).delete()


class AuditLog:
    """Who did what, per store, newest first."""

    def append(self, entry: AuditEntry) -> None:
        partition = entry.store_id or keys.CHAIN_PARTITION
        AuditRecord(keys.store(partition), keys.audit(entry.at, secrets.token_hex(4)), store_id=partition,
                    staff_id=entry.staff_id, action=entry.action, target=entry.target, at=entry.at,
                    detail=entry.detail, amount_fen=entry.amount_fen).save()

    def recent(self, store_id: str | None, limit: int = 100) -> list[AuditEntry]:
        partition = store_id or keys.CHAIN_PARTITION
        records = AuditRecord.query(keys.store(partition), AuditRecord.SK.startswith(keys.AUDIT_PREFIX),
                                    scan_index_forward=False, limit=limit)
        return [_entry(r) for r in records]

    def between(self, store_id: str, start_iso: str, end_iso: str) -> list[AuditEntry]:
        """A store's entries from ``start_iso`` to ``end_iso`` (both included), oldest first: one range query."""
        records = AuditRecord.query(keys.store(store_id), AuditRecord.SK.between(keys.audit(start_iso, ""),
                                                                                  keys.audit(end_iso, "\uffff")))
        return [_entry(r) for r in records]


def _entry(r: AuditRecord) -> AuditEntry:
    return AuditEntry(r.store_id, r.staff_id, r.action, r.target, r.at, r.detail or {},
                      None if r.amount_fen is None else int(r.amount_fen))
