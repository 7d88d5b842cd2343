"""The report index in the table and the report files in S3.

Access patterns:
- R1 a scope's newest reports of one period kind: Query ``REPORTS#<scope>``, SK begins_with ``<period>#``,
  descending, limit n (one query per kind, so days, weeks and months each get their own share)
- R2 one entry: GetItem ``REPORTS#<scope>`` / ``<period>#<first day>``
- R3 the latest daily entry before a day (voucher-chain checkpoint): Query ``REPORTS#<sid>``,
  SK between ``day#0000-00-00`` and ``day#<day - 1>``, descending, limit 1
- files: PutObject ``reports/<scope>/<period>/<first day>/<name>``; GET through presigned URLs
"""

from __future__ import annotations

from datetime import date, timedelta

from pynamodb.exceptions import DoesNotExist

from diancan.adapters import keys
from diancan.adapters.aws import client
from diancan.adapters.records import ReportIndexRecord

PRESIGNED_SECONDS = 3600


def report_prefix(scope: str, period: str, first_day: date) -> str:
    return f"reports/{scope}/{period}/{first_day.isoformat()}/"


class ReportIndex:
    def put(self, scope: str, period: str, first_day: date, doc: dict, built_at: str) -> None:
        """Overwrites: rebuilding a report replaces its entry (same key), so a rerun changes nothing else."""
        ReportIndexRecord(keys.reports(scope), keys.report_entry(period, first_day.isoformat()), built_at=built_at,
                          doc=doc).save()

    def get(self, scope: str, period: str, first_day: date) -> dict | None:
        try:
            return ReportIndexRecord.get(keys.reports(scope), keys.report_entry(period, first_day.isoformat())).doc
        except DoesNotExist:
            return None

    def latest(self, scope: str, period: str, limit: int) -> list[dict]:
        """The ``limit`` newest entries of one period kind (the SK sorts by kind first, then by date: a single
        descending query over the partition would return weeks, then months, and days last)."""
        records = ReportIndexRecord.query(keys.reports(scope), ReportIndexRecord.SK.startswith(f"{period}#"),
                                          scan_index_forward=False, limit=limit)
        return [r.doc for r in records]

    def daily_before(self, scope: str, day: date) -> dict | None:
        """The most recent daily entry strictly before ``day``."""
        upper = keys.report_entry("day", (day - timedelta(days=1)).isoformat())
        records = ReportIndexRecord.query(keys.reports(scope),
                                          ReportIndexRecord.SK.between(keys.report_entry("day", "0000-00-00"), upper),
                                          scan_index_forward=False, limit=1)
        return next((r.doc for r in records), None)


class ReportFiles:
    """The private report bucket: files go in with PutObject and come out through presigned GET URLs."""

    def __init__(self, bucket: str, region: str, s3=None) -> None:
        self._bucket = bucket
        self._s3 = s3 or client("s3", region)

    def put(self, key: str, body: bytes | str, content_type: str) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)

    def presigned_url(self, key: str, expires_seconds: int = PRESIGNED_SECONDS) -> str:
        return self._s3.generate_presigned_url("get_object", Params={"Bucket": self._bucket, "Key": key},
                                               ExpiresIn=expires_seconds)
