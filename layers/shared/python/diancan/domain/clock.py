"""Time in one place: instants are timezone-aware UTC; business days are local (Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

BUSINESS_TZ_DEFAULT = "Asia/Shanghai"


@lru_cache(maxsize=8)
def zone(name: str = BUSINESS_TZ_DEFAULT) -> ZoneInfo:
    return ZoneInfo(name)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(instant: datetime) -> str:
    """UTC ISO 8601 with milliseconds and ``Z``; sorts as text in time order (used in sort keys)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 instant; a naive value is refused because its zone would be a guess."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("timestamp needs a UTC offset, e.g. 2026-11-24T12:30:00+08:00")
    return value.astimezone(UTC)


def local(instant: datetime, tz: str = BUSINESS_TZ_DEFAULT) -> datetime:
    return instant.astimezone(zone(tz))


def business_day(instant: datetime, tz: str = BUSINESS_TZ_DEFAULT) -> date:
    """The local calendar day an instant belongs to (23:59 and 00:01 land on different days)."""
    return local(instant, tz).date()


def minute_of(instant: datetime) -> str:
    """The minute bucket (``YYYY-MM-DDTHH:MM``, UTC) that due work is filed under (the sweeper reads by minute)."""
    return iso(instant)[:16]
