"""What an owner sends to set a store up (the management API's request bodies, also its OpenAPI schemas),
and the one rule of its own: table ranges ("A1-A20"). Pure: no I/O."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from diancan.domain.errors import InvalidRequest
from diancan.domain.menu import MODES, OpeningPeriod
from diancan.domain.money import Fen
from diancan.domain.stock import Unit

SLUG = r"^[a-z0-9][a-z0-9-]{1,31}$"
TABLE_NO = re.compile(r"^[A-Za-z0-9\u4e00-\u9fff]{1,8}$")
RANGE = re.compile(r"^([A-Za-z\u4e00-\u9fff]*)(\d{1,4})[-–~～]\1?(\d{1,4})$")
MAX_TABLES = 100


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StoreFields(_Body):
    """Everything of a store's profile an owner sets (every field optional when editing)."""

    name: str | None = Field(None, min_length=1, max_length=40)
    city: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=120)
    phone: str | None = Field(None, pattern=r"^[0-9+\- ]{5,20}$")
    lat: float | None = Field(None, ge=-90, le=90, description="GCJ-02 (the map coordinates WeChat uses)")
    lng: float | None = Field(None, ge=-180, le=180, description="GCJ-02")
    hours: list[OpeningPeriod] | None = Field(None, max_length=28, description="periods per weekday; a break is "
                                              "two periods on the same days (10:00-14:00 and 17:00-22:00)")
    closed_dates: list[date] | None = Field(None, max_length=366, description="holiday closures, local dates")
    modes: list[Literal["dine_in", "takeout", "delivery"]] | None = Field(None, min_length=1, max_length=3)
    preorder_days: int | None = Field(None, ge=0, le=30, description="how many days ahead guests may pre-order")
    accepting_orders: bool | None = None
    timezone: str | None = Field(None, max_length=40)
    packing_fee_fen: Fen | None = Field(None, ge=0, le=100_000)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError("an IANA time zone such as Asia/Shanghai") from None
        return value

    @field_validator("modes")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [m for m in MODES if m in value]


class StoreCreate(StoreFields):
    store_id: str = Field(pattern=SLUG, description="chosen once, in URLs and QR codes")
    name: str = Field(min_length=1, max_length=40)


class StoreEdit(StoreFields):
    updated_at: str | None = Field(None, max_length=64, description="the token read with the store: a "
                                   "concurrent edit is refused (409 STORE_CHANGED)")


class TablesAdd(_Body):
    tables: str = Field(min_length=1, max_length=400, description='"A1-A20", "A1-A20, B1-B5, VIP1": ranges and '
                        "single table numbers, comma separated")
    seats: int = Field(4, ge=1, le=50)
    area: str = Field("", max_length=20, description="大厅, 包间, ...")


class TableEdit(_Body):
    seats: int | None = Field(None, ge=1, le=50)
    area: str | None = Field(None, max_length=20)
    active: bool | None = Field(None, description="false retires the table: its code stops working")


class PrinterAdd(_Body):
    sn: str = Field(pattern=r"^[0-9]{9}$", description="the printer's serial number (on its label)")
    key: str = Field(min_length=4, max_length=16, pattern=r"^[A-Za-z0-9]+$", description="the printer's key "
                     "(识别码, on its label); sent to Feieyun once, never stored")
    name: str = Field("", max_length=20)


class StationSave(_Body):
    name: str = Field(min_length=1, max_length=20)
    printer_sn: str = Field(pattern=r"^[0-9]{9}$", description="one of the store's printers")
    fallback_printer_sn: str | None = Field(None, pattern=r"^[0-9]{9}$")
    paper_columns: int = Field(32, description="characters a line: 32 (58 mm paper) or 48 (80 mm)")
    receipt: bool = Field(False, description="prints the guest's receipt (the front desk)")
    sort: int = Field(0, ge=0, le=999)
    category_ids: list[str] = Field(default_factory=list, max_length=50, description="categories whose dishes "
                                    "print here (a dish's own station wins)")

    @field_validator("paper_columns")
    @classmethod
    def _paper(cls, value: int) -> int:
        if value not in (32, 48):
            raise ValueError("32 (58 mm) or 48 (80 mm)")
        return value


class StationRetire(_Body):
    move_to: str | None = Field(None, max_length=32, description="an active station the retired one's dishes and "
                                "categories move to; without it a station dishes still print at is refused (409 "
                                "STATION_IN_USE, naming them)")


class IngredientCreate(_Body):
    ingredient_id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=30)
    unit: Unit
    quantity: int = Field(0, ge=0, le=10**9, description="base units: g, ml or pieces")
    threshold: int = Field(0, ge=0, le=10**9, description="alert below this many base units")
    cost_fen_per_unit: Fen = Field(0, ge=0, le=10**7, description="fen per kg, litre or piece")


class IngredientEdit(_Body):
    name: str | None = Field(None, min_length=1, max_length=30)
    threshold: int | None = Field(None, ge=0, le=10**9)
    cost_fen_per_unit: Fen | None = Field(None, ge=0, le=10**7)


class StockTake(_Body):
    counted: int = Field(ge=0, le=10**9, description="base units counted")


def table_numbers(spec: str) -> list[str]:
    """``"A1-A20, B1-B3, VIP1"`` → A1..A20, B1..B3, VIP1 (in order, no repeats); at most 100 tables.
    A bad part is TABLE_RANGE with the part named."""
    names: list[str] = []
    joined = re.sub(r"\s*([-–~～])\s*", r"\1", spec)
    for part in (p for p in re.split(r"[,，、\s]+", joined) if p):
        found = RANGE.match(part)
        if found:
            prefix, first, last = found[1], int(found[2]), int(found[3])
            if last < first or last - first >= MAX_TABLES:
                raise _bad_range(part)
            names += [f"{prefix}{n}" for n in range(first, last + 1)]
        elif TABLE_NO.match(part):
            names.append(part)
        else:
            raise _bad_range(part)
        if len(names) > MAX_TABLES:
            raise InvalidRequest(f"at most {MAX_TABLES} tables at once", f"一次最多添加{MAX_TABLES}张桌台",
                                 code="TOO_MANY_TABLES")
    unique = list(dict.fromkeys(names))
    if not unique or any(not TABLE_NO.match(n) for n in unique):
        raise _bad_range(spec)
    return unique


def _bad_range(part: str) -> InvalidRequest:
    return InvalidRequest(f"not a table number or range: {part[:20]}", f"桌号格式有误：{part[:20]}（如 A1-A20）",
                          code="TABLE_RANGE", details={"part": part[:20]})


def area_preview(lat: float | None, lng: float | None, radius_m: int | None,
                 polygon: list[tuple[float, float]] | None, size: int = 200) -> dict | None:
    """The delivery area drawn in a ``size``-wide square around the store (SVG coordinates, north up): the
    polygon's points (``"x,y x,y ..."``), or the radius as a circle; None without a location or an area.
    Metres from the store by an equirectangular projection: at a city's scale it is off by far less than a
    pixel."""
    if lat is None or lng is None or not (radius_m or polygon):
        return None
    east = 111_320 * math.cos(math.radians(lat))

    def metres(point: tuple[float, float]) -> tuple[float, float]:
        return (point[1] - lng) * east, (lat - point[0]) * 110_540

    shape = [metres(p) for p in polygon or ()]
    reach = max([abs(v) for xy in shape for v in xy] + [radius_m or 0, 1.0])
    scale = (size / 2 - 6) / reach
    centre = size / 2

    def at(xy: tuple[float, float]) -> str:
        return f"{centre + xy[0] * scale:.1f},{centre + xy[1] * scale:.1f}"

    return {"size": size, "centre": centre, "points": " ".join(at(xy) for xy in shape) if shape else "",
            "radius": round((radius_m or 0) * scale, 1) if not shape else 0, "reach_m": round(reach)}
