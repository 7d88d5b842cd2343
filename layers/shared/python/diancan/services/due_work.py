"""Walking due work filed by minute (adapters/due_work.py): the minutes from the one after a worker's cursor up
to the last full minute, a bounded number per run, so a run that failed or fell behind is made good by the next
and the cursor always advances."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from diancan.domain.clock import minute_of, parse_iso


def due_minutes(cursor: str | None, now: datetime, lookback: timedelta, limit: int) -> Iterator[str]:
    """The minute buckets to read now (``cursor``: the last finished one; none yet: ``lookback`` back)."""
    last = minute_of(now - timedelta(minutes=1))
    start = parse_iso(cursor + ":00Z") + timedelta(minutes=1) if cursor else now - lookback
    minute_at = start.replace(second=0, microsecond=0)
    for _ in range(limit):
        minute = minute_of(minute_at)
        if minute > last:
            return
        yield minute
        minute_at += timedelta(minutes=1)
