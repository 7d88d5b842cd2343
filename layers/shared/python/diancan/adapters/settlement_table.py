"""The daily settlements and the days still waiting for WeChat Pay's trade bill, in the table.

Access patterns:
- S1 one day's settlement of a scope: GetItem ``SETTLEMENT#<scope>`` / ``DAY#<day>``
- S2 the latest settlement before a day (where the next one starts reading the chain): Query
  ``SETTLEMENT#<scope>``, SK between ``DAY#0000-00-00`` and ``DAY#<day - 1>``, descending, limit 1
- S3 is a later day settled (then a re-settlement keeps its voucher set): Query SK > ``DAY#<day>``, limit 1
- S4 a scope's newest settlements (the console): Query ``SETTLEMENT#<scope>``, descending, limit n
- S5 the days waiting for the bill (the hourly job): Query ``BILLWAIT`` (a handful of items)
Writes: a settlement is put only while its day is not sealed (condition); the seal is set once (condition).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import BillWaitRecord, SettlementRecord
from diancan.domain.errors import Conflict


class DayClosed(Conflict):
    code, message_zh, message_en = "DAY_CLOSED", "该营业日已日结，不能更改", "The day is closed and cannot change"


@dataclass(frozen=True)
class StoredSettlement:
    scope: str
    day: date
    status: str
    doc: dict
    seal: dict | None


def _stored(record: SettlementRecord) -> StoredSettlement:
    return StoredSettlement(record.PK.removeprefix("SETTLEMENT#"), date.fromisoformat(record.SK.removeprefix("DAY#")),
                            record.status, record.doc, record.seal)


def _failed_condition(error: PutError | UpdateError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


class SettlementTable:
    def get(self, scope: str, day: date) -> StoredSettlement | None:
        try:
            return _stored(SettlementRecord.get(keys.settlement(scope), keys.settlement_day(day.isoformat()),
                                                consistent_read=True))
        except DoesNotExist:
            return None

    def latest_before(self, scope: str, day: date) -> StoredSettlement | None:
        upper = keys.settlement_day((day - timedelta(days=1)).isoformat())
        records = SettlementRecord.query(keys.settlement(scope),
                                         SettlementRecord.SK.between(keys.settlement_day("0000-00-00"), upper),
                                         scan_index_forward=False, limit=1)
        return next((_stored(r) for r in records), None)

    def settled_after(self, scope: str, day: date) -> bool:
        records = SettlementRecord.query(keys.settlement(scope),
                                         SettlementRecord.SK > keys.settlement_day(day.isoformat()), limit=1)  # noqa: SIM300
        return next(iter(records), None) is not None

    def latest(self, scope: str, limit: int) -> list[StoredSettlement]:
        return [_stored(r) for r in SettlementRecord.query(keys.settlement(scope), scan_index_forward=False,
                                                           limit=limit)]

    def put(self, scope: str, day: date, status: str, doc: dict, built_at: str) -> None:
        """Overwrites an open day's settlement; refused (DayClosed) once the day is sealed."""
        record = SettlementRecord(keys.settlement(scope), keys.settlement_day(day.isoformat()), status=status,
                                  built_at=built_at, doc=doc)
        try:
            record.save(condition=SettlementRecord.seal.does_not_exist())
        except PutError as error:
            if _failed_condition(error):
                raise DayClosed(details={"scope": scope, "day": day.isoformat()}) from None
            raise

    def update_sealed(self, scope: str, day: date, status: str, doc: dict, built_at: str) -> None:
        """A sealed day's reconciliation is brought up to date (WeChat Pay's bill arrived later); its seal and the
        vouchers it counted stay as sealed (the caller keeps them)."""
        SettlementRecord(keys.settlement(scope), keys.settlement_day(day.isoformat())).update(
            actions=[SettlementRecord.status.set(status), SettlementRecord.doc.set(doc),
                     SettlementRecord.built_at.set(built_at)], condition=SettlementRecord.seal.exists())

    def seal(self, scope: str, day: date, seal: dict) -> None:
        """Set once: a second close of the same day is DayClosed."""
        try:
            SettlementRecord(keys.settlement(scope), keys.settlement_day(day.isoformat())).update(
                actions=[SettlementRecord.seal.set(seal)],
                condition=SettlementRecord.PK.exists() & SettlementRecord.seal.does_not_exist())
        except UpdateError as error:
            if _failed_condition(error):
                raise DayClosed(details={"scope": scope, "day": day.isoformat()}) from None
            raise

    # ---- WeChat Pay's bill, awaited ------------------------------------------------------------------------

    def await_bill(self, day: date, since: str) -> None:
        """Idempotent: a second daily run for the same day keeps the first wait (and its attempts)."""
        try:
            BillWaitRecord(keys.BILL_WAIT, day.isoformat(), since=since, attempts=0).save(
                condition=BillWaitRecord.PK.does_not_exist())
        except PutError as error:
            if not _failed_condition(error):
                raise

    def bill_waits(self) -> list[tuple[date, str, int]]:
        """(day, waiting since, attempts so far), oldest day first."""
        return [(date.fromisoformat(r.SK), r.since, int(r.attempts)) for r in BillWaitRecord.query(keys.BILL_WAIT)]

    def bill_tried(self, day: date, code: str) -> None:
        BillWaitRecord(keys.BILL_WAIT, day.isoformat()).update(
            actions=[BillWaitRecord.attempts.add(1), BillWaitRecord.last_code.set(code)],
            condition=BillWaitRecord.PK.exists())

    def bill_done(self, day: date) -> None:
        BillWaitRecord(keys.BILL_WAIT, day.isoformat()).delete()
