"""RFM segments (domain/segments.py) on their boundaries, thresholds from the data's quantiles (also over the
demo history), and saved custom segments (domain/segment_rules.py)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from diancan.domain.member_profile import MemberProfile, Period, Tally, fold_completed
from diancan.domain.order import Order
from diancan.domain.segment_rules import CustomSegments
from diancan.domain.segments import (
    ACTIVE,
    AT_RISK,
    HIGH_VALUE,
    LOST,
    NEW,
    SEGMENTS,
    SLEEPING,
    Histogram,
    Rfm,
    RfmHistograms,
    SegmentSettings,
    ThresholdOverride,
    Thresholds,
    defaults_from,
    rfm_of,
    segment_of,
    thresholds_for,
    window_months,
)

pytestmark = pytest.mark.unit
T = Thresholds(new_days=30, active_days=30, lost_days=180, high_visits=3, high_spend_fen=30_000)
TODAY = date(2026, 12, 4)


def rfm(recency: int, visits: int = 1, spend: int = 5000, first: int = 400) -> Rfm:
    return Rfm(recency_days=recency, visits=visits, spend_fen=spend, first_visit_days=first)


@pytest.mark.parametrize(("facts", "segment"), [
    (rfm(180), SLEEPING), (rfm(181), LOST),  # lost only past lost_days
    (rfm(181, first=10), LOST),  # lost wins over new
    (rfm(5, first=30), NEW), (rfm(5, first=31), ACTIVE),  # new up to new_days since the first visit
    (rfm(30, visits=3, spend=30_000), HIGH_VALUE), (rfm(31, visits=3, spend=30_000), AT_RISK),
    (rfm(30, visits=2, spend=30_000), ACTIVE), (rfm(30, visits=3, spend=29_999), ACTIVE),  # both needed
    (rfm(30), ACTIVE), (rfm(31), SLEEPING),
    (rfm(100, visits=3, spend=0), AT_RISK), (rfm(100, visits=1, spend=30_000), AT_RISK),  # either is enough
    (None, None),
])
def test_segments_split_exactly_on_the_thresholds(facts, segment):
    assert segment_of(facts, T) == segment


def test_recency_frequency_and_spend_come_from_the_last_twelve_months():
    profile = MemberProfile(first_visit="2025-01-03", last_visit="2026-11-20", visits=9, spend_fen=90_000,
                            months={"2026-01": Period(visits=4, spend_fen=40_000),
                                    "2025-12": Period(visits=5, spend_fen=50_000)})
    assert window_months(TODAY) >= {"2026-12", "2026-01"} and "2025-12" not in window_months(TODAY)
    assert rfm_of(profile, TODAY) == Rfm(recency_days=14, visits=4, spend_fen=40_000, first_visit_days=700)
    assert rfm_of(MemberProfile(), TODAY) is None  # never came, or erased: no segment


def test_quantiles_of_a_histogram():
    h = Histogram()
    for value in (1, 1, 2, 3, 10):
        h.add(value)
    assert (h.quantile(0.2), h.quantile(0.4), h.quantile(0.5), h.quantile(0.8), h.quantile(1.0)) == (1, 1, 2, 3, 10)
    assert Histogram().quantile(0.5) is None


def test_default_thresholds_come_from_the_quantiles_within_their_bounds():
    data = RfmHistograms()
    for n in range(100):  # recency 0..99, visits 1..5, spend 0..99 yuan ×100
        data.add(rfm(n, visits=1 + n % 5, spend=n * 10_000))
    t = defaults_from(data)
    assert (t.active_days, t.lost_days, t.high_visits) == (49, 98, 4)
    assert t.high_spend_fen == 790_000  # the lower edge of the 80th percentile's 10-yuan bucket
    assert defaults_from(RfmHistograms()) == Thresholds()
    few = RfmHistograms()
    few.add(rfm(0, visits=1, spend=0))
    assert (defaults_from(few).active_days, defaults_from(few).high_visits, defaults_from(few).high_spend_fen) == (
        7, 2, 10_000)  # the floors


def test_what_the_owner_sets_wins_and_a_small_store_takes_the_chains_quantiles():
    chain, small = RfmHistograms(), RfmHistograms()
    for n in range(100):
        chain.add(rfm(n))
    small.add(rfm(300))
    settings = SegmentSettings(chain=ThresholdOverride(high_visits=6),
                               stores={"sh-xuhui": ThresholdOverride(active_days=14)})
    chain_t, stores = thresholds_for(settings, chain, {"sh-jingan": small})
    assert chain_t.high_visits == 6 and chain_t.active_days == 49
    assert stores["sh-jingan"] == chain_t  # one member: the chain's figures
    assert (stores["sh-xuhui"].active_days, stores["sh-xuhui"].high_visits) == (14, 6)
    assert ThresholdOverride(active_days=200).over(Thresholds(lost_days=180)).lost_days == 201  # kept apart


def _demo_orders(days: int) -> list[Order]:
    from diancan.adapters.records import OrderRecord
    from local.demo_history import generate

    orders = []
    for batch in generate(days, date(2026, 11, 30), scale=0.2):
        for record in batch.records.get(OrderRecord, []):
            orders.append(Order.model_validate({**record.doc, "status": record.status, "history": record.history,
                                                "refunded_fen": record.refunded_fen or 0}))
    return orders


def test_segments_of_the_demo_history_follow_their_rules():
    profiles: dict[str, MemberProfile] = {}
    for order in sorted(_demo_orders(120), key=lambda o: o.created_at):
        folded = fold_completed(profiles.get(order.openid, MemberProfile()), order)
        profiles[order.openid] = folded or profiles.get(order.openid, MemberProfile())
    today = date(2026, 12, 1)
    facts = {o: rfm_of(p, today) for o, p in profiles.items()}
    data = RfmHistograms()
    for f in facts.values():
        if f:
            data.add(f)
    t = defaults_from(data)
    assert 7 <= t.active_days < t.lost_days <= 365 and t.high_visits >= 2
    found = {o: segment_of(f, t) for o, f in facts.items()}
    assert set(found.values()) - {None} <= set(SEGMENTS)
    assert {ACTIVE, HIGH_VALUE} <= set(found.values())  # a living chain has these (its guests all came early)
    for openid, segment in found.items():
        f = facts[openid]
        if segment == LOST:
            assert f.recency_days > t.lost_days
        elif segment == NEW:
            assert f.first_visit_days <= t.new_days
        elif segment == HIGH_VALUE:
            assert f.recency_days <= t.active_days and f.visits >= t.high_visits and f.spend_fen >= t.high_spend_fen
        elif segment in (SLEEPING, AT_RISK):
            assert t.active_days < f.recency_days <= t.lost_days
    high = sum(1 for s in found.values() if s == HIGH_VALUE)
    assert 0 < high < len(found) / 2  # the 80th percentiles keep 高价值 a minority


def test_custom_segments_match_dishes_ordered_lately_and_lunch_regulars():
    rules = CustomSegments.model_validate({"segments": [
        {"segment_id": "mala-30", "name": "近30天点过麻辣",
         "all_of": [{"kind": "ordered_dish", "name_contains": "麻辣", "within_days": 30}]},
        {"segment_id": "jingan-lunch", "name": "静安午餐常客",
         "all_of": [{"kind": "regular_at", "store_id": "sh-jingan", "daypart": "lunch", "min_visits": 3}]},
        {"segment_id": "big-tickets", "name": "高客单",
         "all_of": [{"kind": "measure", "field": "average_ticket_fen", "op": ">=", "value": 10_000},
                    {"kind": "segment", "segment": "活跃"}]}]})
    profile = MemberProfile(first_visit="2026-01-01", last_visit="2026-11-20", visits=4, spend_fen=40_000,
                            months={"2026-11": Period(visits=4, spend_fen=40_000)},
                            dishes={"d-mala": Tally(n=2, last="2026-11-04", label="麻辣香锅")},
                            store_dayparts={"sh-jingan/lunch": 3})
    facts = rfm_of(profile, TODAY)
    assert rules.matched(profile, facts, ACTIVE, TODAY) == {"mala-30", "jingan-lunch", "big-tickets"}
    assert rules.matched(profile, facts, SLEEPING, date(2026, 12, 5)) == {"jingan-lunch"}  # 31 days: too long ago
    fewer = profile.model_copy(update={"store_dayparts": {"sh-jingan/lunch": 2, "sh-xuhui/lunch": 5}})
    assert "jingan-lunch" not in rules.matched(fewer, facts, ACTIVE, TODAY)


@pytest.mark.parametrize("bad", [
    {"segment_id": "Bad Id", "name": "x", "all_of": [{"kind": "segment", "segment": "活跃"}]},
    {"segment_id": "x", "name": "x", "all_of": []},
    {"segment_id": "x", "name": "x", "all_of": [{"kind": "segment", "segment": "VIP"}]},
    {"segment_id": "x", "name": "x", "all_of": [{"kind": "measure", "field": "openid", "op": ">=", "value": 1}]},
    {"segment_id": "x", "name": "x", "all_of": [{"kind": "regular_at", "daypart": "brunch"}]},
])
def test_a_custom_segment_that_breaks_the_model_is_refused(bad):
    with pytest.raises(ValidationError):
        CustomSegments.model_validate({"segments": [bad]})


def test_custom_segment_ids_are_unique():
    one = {"segment_id": "a", "name": "A", "all_of": [{"kind": "segment", "segment": "活跃"}]}
    with pytest.raises(ValidationError):
        CustomSegments.model_validate({"segments": [one, one]})
