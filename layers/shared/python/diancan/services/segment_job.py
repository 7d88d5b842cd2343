"""The daily segment job: every member's RFM segment and saved custom segments, and each segment's size.

Two streamed passes over the profiles (one page in memory at a time): the first
fills bounded histograms of recency, frequency and spend (the chain's and each usual store's) for the default
thresholds; the second segments each member, writes the ones whose segments changed (with the segment the week began with,
for the week-to-week flow table) and adds them to the day's figures. Memory grows with the distinct values and the segments, never with the members.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from diancan.domain.clock import business_day, iso, utcnow
from diancan.domain.exceptions import ConditionFailed
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

if TYPE_CHECKING:
    from diancan.adapters.member_profile_table import StoredProfile

logger = logging.getLogger(__name__)
NONE = ""  # no segment (no visit yet, or erased), as the flow table writes it


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


PAGE = 500  # profiles per page: the unit of progress saved between two pages
MARGIN_S = 8.0  # seconds a run keeps in hand at least (and twice its slowest page): below it, it stops between
# pages and the next invocation goes on


def _empty_figures() -> dict:
    return {"members": 0, "written": 0, "sizes": {}, "custom_sizes": {}, "flows": {}, "stats": {}}


def _add(into: dict, key: str, n: int = 1) -> None:
    into[key] = into.get(key, 0) + n


class SegmentJob:
    """Resumable: the day's progress (``ProfileBook.run_state``: the thresholds and custom segments it started
    with, the shard cursor, the figures so far) is saved after every page, and a run stops between pages when
    its time budget runs low; the next invocation of the same business day goes on from the cursor. Each
    member's write is idempotent (written only when the stored segments differ), so a page done twice after a
    hard kill changes nothing and counts the same figures."""

    def __init__(self, profiles: ProfileBook, business_tz: str = "Asia/Shanghai",
                 clock: Callable[[], datetime] = utcnow, send_due: Callable[[], list[str]] | None = None,
                 page_size: int = PAGE) -> None:
        self._profiles = profiles
        self._tz = business_tz
        self._clock = clock
        self._send_due = send_due  # scheduled campaigns go out once the segments have moved
        self._page_size = page_size

    def run(self, seconds_left: Callable[[], float] | None = None) -> dict:
        """Go on with today's run (or start it); ``seconds_left`` is the invocation's budget (None: unbounded)."""
        now = self._clock()
        today = business_day(now, self._tz)
        day = today.isoformat()
        state, version = self._profiles.run_state(day)
        stored_settings = self._profiles.segment_settings()
        fingerprint = hashlib.sha256(json.dumps(stored_settings, sort_keys=True).encode()).hexdigest()[:16]
        if state.get("settings") != fingerprint:
            state = {}  # the owner saved other settings since the day's run began: the day starts over
        if state.get("done"):
            return self._outcome(day, state, done=True, campaigns=[])
        if not state:
            state = self._start(today, now, stored_settings) | {"settings": fingerprint}
            try:
                version = self._profiles.save_run_state(day, state, version)
            except ConditionFailed:
                return {"day": day, "done": False, "busy": True}  # another invocation started the day
        chain_t = Thresholds.model_validate(state["thresholds"])
        store_t = {s: Thresholds.model_validate(t) for s, t in state["store_thresholds"].items()}
        custom = CustomSegments.model_validate({"segments": state["custom"]})
        cursor, figures = state["cursor"], state["figures"]
        slowest, left = 0.0, None
        while cursor is not None:
            if seconds_left is not None:
                before, left = left, seconds_left()
                slowest = max(slowest, before - left) if before is not None else slowest
                if left < max(MARGIN_S, 2 * slowest):
                    logger.info("segments paused", extra={"cursor": cursor, "written": figures["written"]})
                    return self._outcome(day, state, done=False, campaigns=[])
            page, cursor = self._profiles.profile_page(cursor, self._page_size)
            for stored in page:
                self._segment_one(stored, today, state["week"], chain_t, store_t, custom, figures)
            state = state | {"cursor": cursor, "figures": figures}
            try:
                version = self._profiles.save_run_state(day, state, version)
            except ConditionFailed:
                return {"day": day, "done": False, "busy": True}  # another invocation advanced the day
        self._profiles.put_sizes(day, figures | {
            "day": day, "at": state["at"], "week": state["week"], "thresholds": state["thresholds"],
            "store_thresholds": state["store_thresholds"],
            "custom_names": {s.segment_id: s.name for s in custom.segments}})
        self._profiles.save_run_state(day, state | {"done": True}, version)
        logger.info("segments computed", extra={"members": figures["members"], "written": figures["written"]})
        campaigns = self._send_due() if self._send_due else []
        return self._outcome(day, state, done=True, campaigns=campaigns)

    @staticmethod
    def _outcome(day: str, state: dict, done: bool, campaigns: list[str]) -> dict:
        figures = state.get("figures") or _empty_figures()
        return {"day": day, "done": done, "members": figures["members"], "written": figures["written"],
                "sizes": figures["sizes"], "campaigns_sent": campaigns}

    def _start(self, today: date, now: datetime, stored_settings: dict) -> dict:
        """The day's first invocation: settings and thresholds (a read-only pass), frozen for the whole run."""
        settings = SegmentSettings.model_validate(stored_settings.get("thresholds") or {})
        custom = CustomSegments.model_validate({"segments": stored_settings.get("custom") or []})
        chain_t, store_t = self._thresholds(settings, today)
        return {"at": iso(now), "week": iso_week(today), "thresholds": chain_t.model_dump(),
                "store_thresholds": {s: t.model_dump() for s, t in sorted(store_t.items())},
                "custom": [c.model_dump(mode="json", exclude_none=True) for c in custom.segments],
                "cursor": "", "figures": _empty_figures()}

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

    def _segment_one(self, stored: StoredProfile, today: date, week: str, chain_t: Thresholds,
                     store_t: dict[str, Thresholds], custom: CustomSegments, figures: dict) -> None:
        """One member: their segments (written only if changed) and their part of the day's figures."""
        profile = stored.profile
        rfm = rfm_of(profile, today)
        segment = segment_of(rfm, store_t.get(profile.usual_store or "", chain_t))
        matched = custom.matched(profile, rfm, segment, today)
        # The segment when the week began: stored with the latest change if that was this week, else the
        # stored segment itself (unchanged since). So only members whose segments changed are written,
        # and a new week rewrites nobody.
        week_start = (stored.week_start_segment or NONE) if stored.segment_week == week else (stored.segment or NONE)
        if (segment, matched) != (stored.segment, stored.segments) or (matched and not stored.listed):
            # the custom segments' lists first: a failure before the profile's write is redone next time
            self._profiles.list_custom(stored.openid, matched - (stored.segments if stored.listed else frozenset()),
                                       stored.segments - matched)
            self._profiles.set_segments(stored.openid, segment, matched, week, week_start)
            figures["written"] += 1
        if segment is None and week_start == NONE:
            return
        _add(figures["flows"], f"{week_start}>{segment or NONE}")
        if segment is None:
            return
        figures["members"] += 1
        _add(figures["sizes"], segment)
        for segment_id in matched:
            _add(figures["custom_sizes"], segment_id)
        tally = figures["stats"].setdefault(segment, {})
        for key, n in (("spend_fen", rfm.spend_fen), ("visits", rfm.visits), ("repeaters", int(rfm.visits >= 2)),
                       ("coupon_orders", profile.coupon_orders), ("lifetime_visits", profile.visits)):
            _add(tally, key, n)
