"""The daily segment job: every member's RFM segment and saved custom segments, and each segment's size.

Two streamed passes over the profiles (``ProfileBook.all_profiles``, one page in memory at a time): the first
fills bounded histograms of recency, frequency and spend (the chain's and each usual store's) for the default
thresholds; the second segments each member, writes the ones whose segments changed (with the segment the week began with,
for the week-to-week flow table) and adds them to the day's figures. Memory grows with the distinct values and the segments, never with the members.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime

from diancan.domain.clock import business_day, iso, utcnow
from diancan.domain.segment_rules import CustomSegments
from diancan.domain.segments import (
    RfmHistograms,
    SegmentSettings,
    Thresholds,
    rfm_of,
    segment_of,
    thresholds_for,
)
from diancan.services.ports import ProfileBook

logger = logging.getLogger(__name__)
NONE = ""  # no segment (no visit yet, or erased), as the flow table writes it


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


class SegmentJob:
    def __init__(self, profiles: ProfileBook, business_tz: str = "Asia/Shanghai",
                 clock: Callable[[], datetime] = utcnow, send_due: Callable[[], list[str]] | None = None) -> None:
        self._profiles = profiles
        self._tz = business_tz
        self._clock = clock
        self._send_due = send_due  # scheduled campaigns go out once the segments have moved

    def run(self) -> dict:
        now = self._clock()
        today = business_day(now, self._tz)
        stored_settings = self._profiles.segment_settings()
        settings = SegmentSettings.model_validate(stored_settings.get("thresholds") or {})
        custom = CustomSegments.model_validate({"segments": stored_settings.get("custom") or []})
        chain_t, store_t = self._thresholds(settings, today)
        figures = self._segment_all(today, chain_t, store_t, custom)
        figures |= {"day": today.isoformat(), "at": iso(now), "thresholds": chain_t.model_dump(),
                    "store_thresholds": {s: t.model_dump() for s, t in sorted(store_t.items())},
                    "custom_names": {s.segment_id: s.name for s in custom.segments}}
        self._profiles.put_sizes(today.isoformat(), figures)
        logger.info("segments computed", extra={"members": figures["members"], "written": figures["written"]})
        campaigns = self._send_due() if self._send_due else []
        return {"day": today.isoformat(), "members": figures["members"], "written": figures["written"],
                "sizes": figures["sizes"], "campaigns_sent": campaigns}

    def _thresholds(self, settings: SegmentSettings, today: date) -> tuple[Thresholds, dict[str, Thresholds]]:
        chain, stores = RfmHistograms(), {}
        for stored in self._profiles.all_profiles():
            rfm = rfm_of(stored.profile, today)
            if rfm is None:
                continue
            chain.add(rfm)
            usual = stored.profile.usual_store
            if usual:
                stores.setdefault(usual, RfmHistograms()).add(rfm)
        return thresholds_for(settings, chain, stores)

    def _segment_all(self, today: date, chain_t: Thresholds, store_t: dict[str, Thresholds],
                     custom: CustomSegments) -> dict:
        week = iso_week(today)
        sizes, custom_sizes, flows = Counter(), Counter(), Counter()
        stats: dict[str, Counter] = {}
        members = written = 0
        for stored in self._profiles.all_profiles():
            profile = stored.profile
            rfm = rfm_of(profile, today)
            segment = segment_of(rfm, store_t.get(profile.usual_store or "", chain_t))
            matched = custom.matched(profile, rfm, segment, today)
            # The segment when the week began: stored with the latest change if that was this week, else the
            # stored segment itself (unchanged since). So only members whose segments changed are written,
            # and a new week rewrites nobody.
            week_start = (stored.week_start_segment or NONE) if stored.segment_week == week else (stored.segment or NONE)
            if (segment, matched) != (stored.segment, stored.segments):
                self._profiles.set_segments(stored.openid, segment, matched, week, week_start)
                written += 1
            if segment is None and week_start == NONE:
                continue
            flows[f"{week_start}>{segment or NONE}"] += 1
            if segment is None:
                continue
            members += 1
            sizes[segment] += 1
            custom_sizes.update(matched)
            tally = stats.setdefault(segment, Counter())
            tally.update(spend_fen=rfm.spend_fen, visits=rfm.visits, repeaters=int(rfm.visits >= 2),
                         coupon_orders=profile.coupon_orders, lifetime_visits=profile.visits)
        return {"members": members, "written": written, "week": week, "sizes": dict(sizes),
                "custom_sizes": dict(custom_sizes), "flows": dict(flows),
                "stats": {s: dict(t) for s, t in stats.items()}}
