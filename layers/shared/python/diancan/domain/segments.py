"""RFM segments with names owners understand, from a member's profile and the day.

Recency is the days since the last visit, frequency the visits and monetary the spend of the last 12 months
(this month and the 11 before, from the profile's months). The rules, first match wins:

1. no visit counted (or the profile erased)     → no segment
2. recency > ``lost_days``                      → 已流失 (lost)
3. first visit within ``new_days``              → 新客 (new)
4. recency ≤ ``active_days`` and frequency ≥ ``high_visits`` and spend ≥ ``high_spend_fen`` → 高价值
5. recency ≤ ``active_days``                    → 活跃 (active)
6. frequency ≥ ``high_visits`` or spend ≥ ``high_spend_fen`` → 流失风险 (valuable, drifting away)
7. otherwise                                    → 沉睡 (sleeping)

Thresholds are set per chain and per store (a member goes by their usual store); what is not set comes from
the data's quantiles (``defaults_from``), computed over bounded histograms so 100,000 members cost a few
thousand counters, never a list of members.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field

from diancan.domain.member_profile import MemberProfile
from diancan.domain.money import Fen

NEW, ACTIVE, HIGH_VALUE, SLEEPING, AT_RISK, LOST = "新客", "活跃", "高价值", "沉睡", "流失风险", "已流失"
SEGMENTS: tuple[str, ...] = (NEW, ACTIVE, HIGH_VALUE, SLEEPING, AT_RISK, LOST)
SEGMENT_IDS = {NEW: "new", ACTIVE: "active", HIGH_VALUE: "high_value", SLEEPING: "sleeping", AT_RISK: "at_risk",
               LOST: "lost"}
WINDOW_MONTHS = 12
RECENCY_CAP = 3650  # days; older is "very old" for the histogram
SPEND_BUCKET_FEN = 1000  # spend histogram in 10-yuan steps
MIN_MEMBERS_FOR_STORE_QUANTILES = 30  # fewer members of a store: its defaults come from the chain's


class Thresholds(BaseModel):
    """Where the segments split. Every field is optional in an override; ``complete`` fills the gaps."""

    new_days: int = Field(30, ge=1, le=365)
    active_days: int = Field(30, ge=1, le=365)
    lost_days: int = Field(180, ge=2, le=3650)
    high_visits: int = Field(3, ge=1, le=1000)
    high_spend_fen: Fen = Field(30_000, ge=0)


class ThresholdOverride(BaseModel):
    new_days: int | None = Field(None, ge=1, le=365)
    active_days: int | None = Field(None, ge=1, le=365)
    lost_days: int | None = Field(None, ge=2, le=3650)
    high_visits: int | None = Field(None, ge=1, le=1000)
    high_spend_fen: Fen | None = Field(None, ge=0)

    def over(self, base: Thresholds) -> Thresholds:
        merged = base.model_dump() | self.model_dump(exclude_none=True)
        if merged["lost_days"] <= merged["active_days"]:
            merged["lost_days"] = merged["active_days"] + 1
        return Thresholds.model_validate(merged)


class SegmentSettings(BaseModel):
    """The owner's thresholds: the chain's, and per store (``store_id → override``)."""

    chain: ThresholdOverride = Field(default_factory=ThresholdOverride)
    stores: dict[str, ThresholdOverride] = Field(default_factory=dict)


@dataclass(frozen=True)
class Rfm:
    recency_days: int
    visits: int  # in the window
    spend_fen: int  # in the window
    first_visit_days: int  # days since the first visit


def window_months(today: date, months: int = WINDOW_MONTHS) -> set[str]:
    """``yyyy-mm`` of this month and the ``months - 1`` before."""
    year, month, found = today.year, today.month, set()
    for _ in range(months):
        found.add(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found


def rfm_of(profile: MemberProfile, today: date) -> Rfm | None:
    """None when the profile has no visit to go by (never completed an order, or erased)."""
    if profile.visits <= 0 or not profile.last_visit or not profile.first_visit:
        return None
    months = window_months(today)
    in_window = [p for m, p in profile.months.items() if m in months]
    return Rfm(recency_days=max(0, (today - date.fromisoformat(profile.last_visit)).days),
               visits=sum(p.visits for p in in_window), spend_fen=sum(p.spend_fen for p in in_window),
               first_visit_days=max(0, (today - date.fromisoformat(profile.first_visit)).days))


def segment_of(rfm: Rfm | None, t: Thresholds) -> str | None:
    if rfm is None:
        return None
    if rfm.recency_days > t.lost_days:
        return LOST
    if rfm.first_visit_days <= t.new_days:
        return NEW
    valuable_visits, valuable_spend = rfm.visits >= t.high_visits, rfm.spend_fen >= t.high_spend_fen
    if rfm.recency_days <= t.active_days:
        return HIGH_VALUE if valuable_visits and valuable_spend else ACTIVE
    return AT_RISK if valuable_visits or valuable_spend else SLEEPING


class Histogram:
    """Counts of small whole numbers, for quantiles in memory bounded by the distinct values, not the members."""

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()
        self.total = 0

    def add(self, value: int) -> None:
        self.counts[value] += 1
        self.total += 1

    def quantile(self, q: float) -> int | None:
        """The smallest value with at least ``q`` of the counts at or below it (None when empty)."""
        if not self.total:
            return None
        needed, seen = q * self.total, 0
        for value in sorted(self.counts):
            seen += self.counts[value]
            if seen >= needed:
                return value
        return max(self.counts)


class RfmHistograms:
    """Recency, frequency and spend of a population (the chain, or a store's usual guests)."""

    def __init__(self) -> None:
        self.recency, self.visits, self.spend = Histogram(), Histogram(), Histogram()

    @property
    def members(self) -> int:
        return self.recency.total

    def add(self, rfm: Rfm) -> None:
        self.recency.add(min(rfm.recency_days, RECENCY_CAP))
        self.visits.add(rfm.visits)
        self.spend.add(rfm.spend_fen // SPEND_BUCKET_FEN)


def defaults_from(data: RfmHistograms, fallback: Thresholds | None = None) -> Thresholds:
    """Thresholds from the data: active up to the median recency (7–90 days), lost past the 90th percentile
    (at least twice the active days, at most a year), high value from the 80th percentile of visits (at least
    2) and of spend (at least 100 yuan). With no data, ``fallback`` (or the fixed defaults)."""
    base = fallback or Thresholds()
    if not data.members:
        return base
    active = min(90, max(7, data.recency.quantile(0.5) or 0))
    lost = min(365, max(2 * active, data.recency.quantile(0.9) or 0))
    visits = max(2, data.visits.quantile(0.8) or 0)
    spend = max(10_000, (data.spend.quantile(0.8) or 0) * SPEND_BUCKET_FEN)  # the bucket's lower edge
    return Thresholds(new_days=base.new_days, active_days=active, lost_days=lost, high_visits=visits,
                      high_spend_fen=spend)


def thresholds_for(settings: SegmentSettings, chain: RfmHistograms,
                   stores: dict[str, RfmHistograms]) -> tuple[Thresholds, dict[str, Thresholds]]:
    """The chain's thresholds and each store's (a store with few members takes the chain's quantiles);
    what the owner set wins over the data."""
    chain_t = settings.chain.over(defaults_from(chain))
    per_store: dict[str, Thresholds] = {}
    for store_id in set(stores) | set(settings.stores):
        data = stores.get(store_id)
        base = defaults_from(data) if data and data.members >= MIN_MEMBERS_FOR_STORE_QUANTILES else defaults_from(chain)
        per_store[store_id] = settings.stores.get(store_id, ThresholdOverride()).over(settings.chain.over(base))
    return chain_t, per_store
