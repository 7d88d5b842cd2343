"""Saved custom segments: a few conditions over the member profile, all of which must hold.

Examples: "ordered 麻辣 in the last 30 days" is ``{"kind": "ordered_dish", "name_contains": "麻辣", "within_days":
30}``; "lunch regulars at 静安店" is ``{"kind": "regular_at", "store_id": "sh-jingan", "daypart": "lunch",
"min_visits": 3}``. The daily job evaluates every saved segment for every member (in the same pass as the RFM
segments) and keeps the ids a member matches on their profile.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from diancan.domain.member_profile import MemberProfile
from diancan.domain.segments import SEGMENTS, Rfm

MAX_CUSTOM_SEGMENTS = 20
Daypart = Literal["breakfast", "lunch", "afternoon", "dinner", "late"]


def _since(today: date, days: int) -> str:
    return (today - timedelta(days=days)).isoformat()


class OrderedDish(BaseModel):
    """A dish whose name contains the text, ordered within the last days (of the guest's top dishes)."""

    kind: Literal["ordered_dish"]
    name_contains: str = Field(min_length=1, max_length=20)
    within_days: int = Field(30, ge=1, le=365)

    def holds(self, profile: MemberProfile, rfm: Rfm | None, segment: str | None, today: date) -> bool:
        since = _since(today, self.within_days)
        return any(self.name_contains in t.label and t.last >= since for t in profile.dishes.values())


class OrderedCategory(BaseModel):
    kind: Literal["ordered_category"]
    category_id: str = Field(min_length=1, max_length=64)
    within_days: int = Field(30, ge=1, le=365)

    def holds(self, profile: MemberProfile, rfm: Rfm | None, segment: str | None, today: date) -> bool:
        tally = profile.categories.get(self.category_id)
        return tally is not None and tally.last >= _since(today, self.within_days)


class RegularAt(BaseModel):
    """At least ``min_visits`` visits at a store, in a day-part, or both ("lunch regulars at 静安店")."""

    kind: Literal["regular_at"]
    store_id: str | None = Field(None, min_length=1, max_length=64)
    daypart: Daypart | None = None
    min_visits: int = Field(3, ge=1, le=1000)

    def holds(self, profile: MemberProfile, rfm: Rfm | None, segment: str | None, today: date) -> bool:
        if self.store_id and self.daypart:
            visits = profile.store_dayparts.get(f"{self.store_id}/{self.daypart}", 0)
        elif self.store_id:
            visits = profile.stores[self.store_id].n if self.store_id in profile.stores else 0
        elif self.daypart:
            visits = profile.dayparts.get(self.daypart, 0)
        else:
            visits = profile.visits
        return visits >= self.min_visits


class Measure(BaseModel):
    """A number of the profile against a bound (spend and visits over the RFM window of 12 months)."""

    kind: Literal["measure"]
    field: Literal["visits", "spend_fen", "average_ticket_fen", "recency_days", "coupon_rate_percent"]
    op: Literal[">=", "<="]
    value: int = Field(ge=0)

    def holds(self, profile: MemberProfile, rfm: Rfm | None, segment: str | None, today: date) -> bool:
        if rfm is None:
            return False
        actual = {"visits": rfm.visits, "spend_fen": rfm.spend_fen, "recency_days": rfm.recency_days,
                  "average_ticket_fen": profile.average_ticket_fen,
                  "coupon_rate_percent": profile.coupon_rate_percent}[self.field]
        return actual >= self.value if self.op == ">=" else actual <= self.value


class InSegment(BaseModel):
    kind: Literal["segment"]
    segment: Literal[SEGMENTS]  # type: ignore[valid-type]

    def holds(self, profile: MemberProfile, rfm: Rfm | None, segment: str | None, today: date) -> bool:
        return segment == self.segment


Condition = Annotated[OrderedDish | OrderedCategory | RegularAt | Measure | InSegment, Field(discriminator="kind")]


class CustomSegment(BaseModel):
    segment_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name: str = Field(min_length=1, max_length=20)
    all_of: list[Condition] = Field(min_length=1, max_length=5)

    def matches(self, profile: MemberProfile, rfm: Rfm | None, segment: str | None, today: date) -> bool:
        return rfm is not None and all(c.holds(profile, rfm, segment, today) for c in self.all_of)


class CustomSegments(BaseModel):
    segments: list[CustomSegment] = Field(default_factory=list, max_length=MAX_CUSTOM_SEGMENTS)

    @model_validator(mode="after")
    def _unique_ids(self) -> CustomSegments:
        ids = [s.segment_id for s in self.segments]
        if len(ids) != len(set(ids)):
            raise ValueError("segment ids must be unique")
        return self

    def matched(self, profile: MemberProfile, rfm: Rfm | None, segment: str | None, today: date) -> frozenset[str]:
        return frozenset(s.segment_id for s in self.segments if s.matches(profile, rfm, segment, today))
