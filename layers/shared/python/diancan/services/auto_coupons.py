"""The daily automatic-coupon run: find the guests a rule may apply to through indexes (never a scan),
gather their facts in batches, and let ``CouponService.issue_automatic`` decide and issue.

Who is looked at, per rule present among the templates:
* new member — first login today or yesterday (GSI1 ``JOINED#<day>``);
* birthday — born on today's month-day (GSI1 ``BIRTHDAY#<MM-DD>``; 02-29 also on 28 Feb of other years);
* win-back after N days — latest order exactly N..N+CATCH_UP days ago (GSI2 ``LASTORDER#<day>``), so a
  missed run is caught up and each absence is looked at on a few days only;
* after N orders, favourite dish — ordered yesterday or today (GSI2 ``LASTORDER#<day>``).
Reruns are harmless: the per-guest limits (per year, per absence, for good) refuse repeats.
"""

from __future__ import annotations

import calendar
import logging
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

from diancan.domain.clock import business_day, utcnow
from diancan.domain.coupons import CouponTemplate
from diancan.services.coupons import CouponService
from diancan.services.ports import Activity

logger = logging.getLogger(__name__)
CATCH_UP_DAYS = 3
DEFAULT_AWAY_DAYS = 30


def _month_days(today: date) -> list[str]:
    days = [today.strftime("%m-%d")]
    if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
        days.append("02-29")
    return days


class AutoCoupons:
    def __init__(self, coupons: CouponService, activity: Activity, business_tz: str = "Asia/Shanghai",
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._coupons = coupons
        self._activity = activity
        self._tz = business_tz
        self._clock = clock

    def candidates(self, templates: list[CouponTemplate], today: date) -> set[str]:
        rules = {t.auto_rule for t in templates}
        found: set[str] = set()
        recent = [today, today - timedelta(days=1)]
        if "new_member" in rules:
            for day in recent:
                found.update(self._activity.joined_on(day.isoformat()))
        if "birthday" in rules:
            for month_day in _month_days(today):
                found.update(self._activity.birthdays_on(month_day))
        for away in sorted({t.auto_param or DEFAULT_AWAY_DAYS for t in templates if t.auto_rule == "win_back"}):
            for extra in range(CATCH_UP_DAYS):
                found.update(self._activity.last_ordered_on((today - timedelta(days=away + extra)).isoformat()))
        if rules & {"after_n_orders", "favourite_dish"}:
            for day in recent:
                found.update(self._activity.last_ordered_on(day.isoformat()))
        return found

    def run(self) -> dict:
        templates = self._coupons.automatic_templates()
        today = business_day(self._clock(), self._tz)
        openids = self.candidates(templates, today) if templates else set()
        issued: Counter[str] = Counter()
        for openid, facts in self._activity.facts(openids).items():
            issued.update(self._coupons.issue_automatic(openid, facts, templates))
        logger.info("automatic coupons issued", extra={"day": today.isoformat(), "guests": len(openids),
                                                        "issued": dict(issued)})
        return {"day": today.isoformat(), "guests": len(openids), "issued": dict(issued)}
