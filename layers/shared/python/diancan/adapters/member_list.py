"""The console's member list without a scan: guests by their latest order day (Query GSI2 ``LASTORDER#<day>``
on ``USER#<openid>/MEMBERINFO``), then their points, spend and completed orders in one BatchGetItem of the
``USER#<openid>/MEMBER`` items (100 keys a call). One page is one day, newest day first."""

from __future__ import annotations

from dataclasses import dataclass

from diancan.adapters import keys
from diancan.adapters.records import MemberInfoRecord, MemberRecord, Record


@dataclass(frozen=True)
class MemberRow:
    openid: str
    last_visit: str  # the business day of the latest order
    points: int
    spend_fen: int
    visits: int  # completed orders


class MemberList:
    def on_day(self, day: str) -> list[MemberRow]:
        """Guests whose latest order was on ``day``, biggest spenders first."""
        openids = sorted({r.openid for r in MemberInfoRecord.gsi2.query(keys.last_order_on(day))})
        standing = {r.PK.removeprefix(keys.user("")): r for r in Record.batch_get(
            [(keys.user(o), keys.MEMBER) for o in openids]) if isinstance(r, MemberRecord)}
        rows = [MemberRow(o, day, int(getattr(standing.get(o), "points", 0) or 0),
                          int(getattr(standing.get(o), "spend_fen", 0) or 0),
                          int(getattr(standing.get(o), "completed_orders", 0) or 0)) for o in openids]
        return sorted(rows, key=lambda r: (-r.spend_fen, r.openid))
