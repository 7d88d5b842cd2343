"""What the console's members page shows of segments: sizes over time, the week-to-week flow table, each
segment's spend share, repeat rate and coupon response, and a segment's member list (member codes, never
openids), exportable; and the owner's thresholds and saved custom segments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import ValidationError

from diancan.domain.campaigns import CUSTOM_PREFIX
from diancan.domain.clock import business_day, iso, utcnow
from diancan.domain.errors import InvalidRequest, NotFound
from diancan.domain.member_profile import DAYPART_NAMES
from diancan.domain.membership import level_for, member_code
from diancan.domain.segment_rules import CustomSegments
from diancan.domain.segments import SEGMENT_IDS, SEGMENTS, SegmentSettings
from diancan.services.ports import ProfileBook

MAX_DAYS = 120
MAX_LIST = 5000  # members in one list or export; the rest are counted, not listed
SEGMENT_BY_ID = {v: k for k, v in SEGMENT_IDS.items()}
MODE_NAMES = {"dine_in": "堂食", "takeout": "自取", "delivery": "外卖"}


def _percent(part: int, whole: int) -> int:
    return part * 100 // whole if whole > 0 else 0


def segment_named(segment_id: str) -> str:
    if segment_id not in SEGMENT_BY_ID:
        raise NotFound("no such segment", "没有这个分群", code="SEGMENT_NOT_FOUND", details={"segment": segment_id[:20]})
    return SEGMENT_BY_ID[segment_id]


class SegmentBoard:
    def __init__(self, profiles: ProfileBook, business_tz: str = "Asia/Shanghai",
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._profiles = profiles
        self._tz = business_tz
        self._clock = clock

    def overview(self, days: int = 28) -> dict:
        """The last ``days`` days' sizes (one Query) and the latest day's figures."""
        if not 1 <= days <= MAX_DAYS:
            raise InvalidRequest("days 1-120", "天数须在1到120之间", code="INVALID_DAYS")
        today = business_day(self._clock(), self._tz)
        found = self._profiles.sizes_between((today - timedelta(days=days - 1)).isoformat(), today.isoformat())
        series = [{"day": day, **{SEGMENT_IDS[s]: figures.get("sizes", {}).get(s, 0) for s in SEGMENTS}}
                  for day, figures in found]
        latest = found[-1][1] if found else {}
        stats, members = latest.get("stats", {}), latest.get("members", 0)
        spend = sum(t.get("spend_fen", 0) for t in stats.values())
        segments = [{"segment_id": SEGMENT_IDS[s], "name": s, "members": latest.get("sizes", {}).get(s, 0),
                     "member_share_percent": _percent(latest.get("sizes", {}).get(s, 0), members),
                     "spend_fen": stats.get(s, {}).get("spend_fen", 0),
                     "spend_share_percent": _percent(stats.get(s, {}).get("spend_fen", 0), spend),
                     "repeat_rate_percent": _percent(stats.get(s, {}).get("repeaters", 0),
                                                     latest.get("sizes", {}).get(s, 0)),
                     "coupon_response_percent": _percent(stats.get(s, {}).get("coupon_orders", 0),
                                                         stats.get(s, {}).get("lifetime_visits", 0))}
                    for s in SEGMENTS]
        return {"day": latest.get("day"), "week": latest.get("week"), "members": members, "series": series,
                "segments": segments, "flows": self._flow_table(latest.get("flows", {})),
                "custom": [{"segment_id": f"{CUSTOM_PREFIX}{i}", "name": n, "members": latest.get("custom_sizes", {}).get(i, 0)}
                           for i, n in latest.get("custom_names", {}).items()],
                "thresholds": latest.get("thresholds")}

    @staticmethod
    def _flow_table(flows: dict[str, int]) -> dict:
        """Rows: the segment when the week began ("新进" for none); columns: today's ("移出" for none)."""
        rows = ["", *SEGMENTS]
        cols = [*SEGMENTS, ""]
        table = [{"from": s or "新进", "to": {(c or "移出"): flows.get(f"{s}>{c}", 0) for c in cols}} for s in rows]
        return {"columns": [c or "移出" for c in cols], "rows": [r for r in table if any(r["to"].values())]}

    def members(self, segment_id: str) -> dict:
        """The members of one RFM segment (Query GSI2) or saved custom segment (``custom:<id>``: a Query per
        page of its list and the profiles' BatchGetItem), then their points in BatchGetItems of 100."""
        if segment_id.startswith(CUSTOM_PREFIX):
            wanted = segment_id.removeprefix(CUSTOM_PREFIX)
            names = {c.get("segment_id"): c.get("name") for c in self._profiles.segment_settings().get("custom") or []}
            if wanted not in names:
                raise NotFound("no such segment", "没有这个分群", code="SEGMENT_NOT_FOUND",
                               details={"segment": segment_id[:40]})
            segment, found = str(names[wanted]), self._profiles.custom_members(wanted)
        else:
            segment = segment_named(segment_id)
            found = self._profiles.members_in(segment)
        rows, more = [], 0
        for stored in found:
            if len(rows) >= MAX_LIST:
                more += 1
                continue
            rows.append(stored)
        standing = self._profiles.standings([s.openid for s in rows])
        listed = [self._row(s, standing.get(s.openid, (0, 0))) for s in rows]
        listed.sort(key=lambda r: (-r["spend_fen"], r["member"]))
        return {"segment_id": segment_id, "name": segment, "members": listed, "not_listed": more}

    @staticmethod
    def _row(stored, standing: tuple[int, int]) -> dict:
        p = stored.profile
        return {"member": member_code(stored.openid), "level": level_for(standing[1]).name, "points": standing[0],
                "first_visit": p.first_visit, "last_visit": p.last_visit, "visits": p.visits, "spend_fen": p.spend_fen,
                "average_ticket_fen": p.average_ticket_fen, "preferred_mode": MODE_NAMES.get(p.preferred_mode or "", ""),
                "usual_daypart": DAYPART_NAMES.get(p.usual_daypart or "", ""), "usual_store": p.usual_store or "",
                "favourite_dishes": "、".join(name for _, name, _ in p.favourite_dishes(3)),
                "coupon_rate_percent": p.coupon_rate_percent, "reviews": stored.reviews,
                "average_stars": f"{stored.average_stars_tenths // 10}.{stored.average_stars_tenths % 10}"
                if stored.reviews else "", "custom_segments": ",".join(sorted(stored.segments))}

    def save_settings(self, data: dict) -> dict:
        """The owner's thresholds (chain and per store) and saved custom segments, validated as a whole."""
        try:
            thresholds = SegmentSettings.model_validate(data.get("thresholds") or {})
            custom = CustomSegments.model_validate({"segments": data.get("custom") or []})
        except ValidationError as error:
            raise InvalidRequest("invalid segment settings", "分群设置有误", code="INVALID_SEGMENTS",
                                 details={"errors": [{"loc": [str(x) for x in e["loc"]], "msg": e["msg"]}
                                                     for e in error.errors()[:10]]}) from None
        doc = {"thresholds": thresholds.model_dump(exclude_none=True),
               "custom": [s.model_dump(exclude_none=True) for s in custom.segments]}
        self._profiles.put_segment_settings(doc, iso(self._clock()))
        return doc
