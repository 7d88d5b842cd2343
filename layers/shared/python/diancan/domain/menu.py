"""Stores, categories, dishes and their spec options, plus the opening-hours rules."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, Field, field_validator

from diancan.domain.clock import local
from diancan.domain.money import Fen

MODES = ("dine_in", "takeout", "delivery")


EN = "English, shown to guests who read English; empty = the Chinese one"


class Option(BaseModel):
    option_id: str
    name: str
    name_en: str = Field("", max_length=60, description=EN)
    price_fen: Fen = Field(0, ge=0)
    recipe: dict[str, int] = Field(default_factory=dict, description="ingredient id → base units used")


class OptionGroup(BaseModel):
    """A spec group such as size, spice or add-ons. ``multi`` groups allow several choices."""

    group_id: str
    name: str
    name_en: str = Field("", max_length=60, description=EN)
    required: bool = False
    multi: bool = False
    max_select: int | None = Field(None, ge=1)
    options: list[Option]

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.option_id == option_id), None)


class Dish(BaseModel):
    dish_id: str
    store_id: str
    category_id: str
    name: str
    name_en: str = Field("", max_length=80, description=EN)
    price_fen: Fen = Field(ge=0)
    description: str = ""
    description_en: str = Field("", max_length=500, description=EN)
    images: list[str] = Field(default_factory=list)
    option_groups: list[OptionGroup] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    nutrition: dict[str, str] | None = None
    allergens: list[str] = Field(default_factory=list)
    on_shelf: bool = True
    portions_left: int | None = Field(None, description="portions still for sale today; None = no limit")
    daily_portions: int | None = None
    sold_out: bool = Field(False, description="set when an ingredient it needs has run out")
    station_id: str | None = None
    packing_fee_fen: Fen = Field(0, ge=0)
    prep_minutes: int | None = Field(None, ge=1, le=240, description="preparation time; None: the store's default")
    recipe: dict[str, int] = Field(default_factory=dict)
    combo_parts: dict[str, int] = Field(default_factory=dict, description="a combo: part dish id → qty")
    sold_count: int = 0
    rating_sum: int = 0
    rating_count: int = 0

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    @property
    def available(self) -> bool:
        return self.on_shelf and not self.sold_out and (self.portions_left is None or self.portions_left > 0)

    def group_of(self, option_id: str) -> tuple[OptionGroup, Option] | None:
        for group in self.option_groups:
            option = group.option(option_id)
            if option is not None:
                return group, option
        return None


class Category(BaseModel):
    category_id: str
    store_id: str
    name: str
    name_en: str = Field("", max_length=60, description=EN)
    sort: int = 0
    station_id: str | None = None


class OpeningPeriod(BaseModel):
    """Open from ``open`` to ``close`` local time on ``days`` (0 = Monday); close ≤ open runs past midnight."""

    days: list[int] = Field(default_factory=lambda: list(range(7)))
    open: time
    close: time

    @field_validator("days")
    @classmethod
    def _weekdays(cls, days: list[int]) -> list[int]:
        if not days or any(d < 0 or d > 6 for d in days):
            raise ValueError("days are 0 (Monday) to 6 (Sunday)")
        return days

    def covers(self, moment: datetime) -> bool:
        """Whether the local ``moment`` falls in this period (a period past midnight belongs to its start day)."""
        now = moment.time()
        if self.open == self.close:  # around the clock on these days
            return moment.weekday() in self.days
        if self.open < self.close:
            return moment.weekday() in self.days and self.open <= now < self.close
        yesterday = (moment - timedelta(days=1)).weekday()
        return (moment.weekday() in self.days and now >= self.open) or (yesterday in self.days and now < self.close)


class Store(BaseModel):
    store_id: str
    name: str
    city: str = ""
    address: str = ""
    phone: str = ""
    lat: float | None = None
    lng: float | None = None
    images: list[str] = Field(default_factory=list)
    hours: list[OpeningPeriod] = Field(default_factory=list)
    timezone: str = "Asia/Shanghai"
    modes: list[str] = Field(default_factory=lambda: list(MODES))
    packing_fee_fen: Fen = Field(0, ge=0, description="per order, takeout and delivery")
    min_delivery_fen: Fen = Field(0, ge=0)
    delivery_fee_fen: Fen = Field(0, ge=0, description="flat delivery fee until delivery tiers are set")
    preorder_days: int = Field(7, ge=0, le=30)
    accepting_orders: bool = True
    closed_dates: list[date] = Field(default_factory=list, max_length=366,
                                     description="local dates the store is closed all day (holidays)")
    retired: bool = Field(False, description="closed for good: hidden from guests, its orders and history kept")
    settings: dict = Field(default_factory=dict)

    def is_open_at(self, instant: datetime) -> bool:
        if not self.accepting_orders or self.retired:
            return False
        moment = local(instant, self.timezone)
        if self.closed_dates and moment.date() in self.closed_dates:
            return False
        return any(period.covers(moment) for period in self.hours)
