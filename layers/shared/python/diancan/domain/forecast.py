"""Staffing and prep suggestions from the same weekday of recent weeks.

Method (docs/reports.md): for the target day take the last ``len(WEIGHTS)`` same weekdays that had
orders, most recent first, and average them with weights 4, 3, 2, 1 (re-normalised when weeks are
missing). Expected orders per hour are that weighted mean; a dish's prep quantity is the weighted mean
of its portions plus ``SAFETY`` (10 %), rounded up; staff per hour is the expected orders divided by
``ORDERS_PER_STAFF_HOUR``, rounded up, at least one in any hour with expected orders.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

WEIGHTS = (4, 3, 2, 1)
SAFETY = 0.10
ORDERS_PER_STAFF_HOUR = 12


@dataclass(frozen=True)
class DayProfile:
    """One day of one store: paid orders per local hour and portions per dish."""

    day: date
    orders_by_hour: Mapping[int, int] = field(default_factory=dict)
    dish_qty: Mapping[str, int] = field(default_factory=dict)
    dish_names: Mapping[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.orders_by_hour

    def as_json(self) -> dict:
        return {"day": self.day.isoformat(), "orders_by_hour": {str(h): n for h, n in self.orders_by_hour.items()},
                "dish_qty": dict(self.dish_qty), "dish_names": dict(self.dish_names)}

    @classmethod
    def from_json(cls, data: Mapping) -> DayProfile:
        return cls(date.fromisoformat(data["day"]), {int(h): int(n) for h, n in data["orders_by_hour"].items()},
                   {k: int(v) for k, v in data["dish_qty"].items()}, dict(data.get("dish_names", {})))


def same_weekdays_before(target: date, weeks: int = len(WEIGHTS)) -> list[date]:
    """The ``weeks`` same weekdays before ``target``, most recent first."""
    return [target - timedelta(days=7 * n) for n in range(1, weeks + 1)]


def forecast(target: date, history: Sequence[DayProfile]) -> dict:
    """Expected orders per hour, prep quantities and staff for ``target`` (history most recent first)."""
    used = [(w, p) for w, p in zip(WEIGHTS, [p for p in history if not p.empty], strict=False)]
    total_weight = sum(w for w, _ in used)
    if not total_weight:
        return {"target_day": target.isoformat(), "based_on": [], "expected_orders_by_hour": {},
                "expected_orders": 0, "staff_by_hour": {}, "prep": []}
    hours: Counter[int] = Counter()
    dishes: Counter[str] = Counter()
    names: dict[str, str] = {}
    for weight, profile in used:
        for hour, n in profile.orders_by_hour.items():
            hours[hour] += weight * n
        for dish_id, qty in profile.dish_qty.items():
            dishes[dish_id] += weight * qty
        names.update(profile.dish_names)
    expected = {h: round(hours[h] / total_weight, 1) for h in sorted(hours)}
    prep = [{"dish_id": d, "name": names.get(d, d), "qty": math.ceil(dishes[d] / total_weight * (1 + SAFETY) - 1e-9)}
            for d in sorted(dishes, key=lambda d: (-dishes[d], d))]
    return {
        "target_day": target.isoformat(), "based_on": [p.day.isoformat() for _, p in used],
        "expected_orders_by_hour": expected, "expected_orders": round(sum(hours.values()) / total_weight, 1),
        "staff_by_hour": {h: max(1, math.ceil(n / ORDERS_PER_STAFF_HOUR)) for h, n in expected.items() if n > 0},
        "prep": [p for p in prep if p["qty"] > 0],
    }


def central_kitchen(prep_lists: Iterable[Sequence[Mapping]]) -> list[dict]:
    """The chain's prep list: each dish's prep quantity summed over the stores' lists."""
    total: Counter[str] = Counter()
    names: dict[str, str] = {}
    for prep in prep_lists:
        for row in prep:
            total[row["dish_id"]] += row["qty"]
            names[row["dish_id"]] = row["name"]
    return [{"dish_id": d, "name": names[d], "qty": total[d]} for d in sorted(total, key=lambda d: (-total[d], d))]
