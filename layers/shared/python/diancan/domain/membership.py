"""Member levels by lifetime spend, and a store's offer settings (kept in the store profile's ``settings``,
so the menu read and the order's BatchGet load them with no extra call)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from pydantic import BaseModel, Field

from diancan.domain.money import Fen
from diancan.domain.promotions import FullReduction, MemberBenefit, PointsPolicy

GUEST_BY_PREFIX = "guest:"


def member_code(openid: str) -> str:
    """The short code staff see for a guest instead of their openid (``M`` + 8 of base32 of its SHA-256):
    the same guest always has the same code, shown to them on their profile, and the openid cannot be read
    back from it. Staff tell guests apart and find them with it; the console never shows an openid."""
    digest = hashlib.sha256(openid.encode("utf-8")).digest()
    return "M" + base64.b32encode(digest).decode("ascii")[:8]


def staff_safe_by(by: str) -> str:
    """Who moved an order, for staff: ``guest:<openid>`` becomes ``guest:<member code>``."""
    return GUEST_BY_PREFIX + member_code(by.removeprefix(GUEST_BY_PREFIX)) if by.startswith(GUEST_BY_PREFIX) else by


@dataclass(frozen=True)
class Standing:
    """A guest's member standing: points balance, lifetime spend (sets the level), completed orders."""

    points: int = 0
    spend_fen: int = 0
    completed_orders: int = 0


class Level(BaseModel):
    level: str
    name: str
    min_spend_fen: Fen = Field(ge=0)
    percent_off: int = Field(0, ge=0, le=50)
    points_multiplier_percent: int = Field(100, ge=100, le=500)


LEVELS: tuple[Level, ...] = (
    Level(level="regular", name="普通会员", min_spend_fen=0),
    Level(level="silver", name="银卡会员", min_spend_fen=50_000, percent_off=2, points_multiplier_percent=120),
    Level(level="gold", name="金卡会员", min_spend_fen=200_000, percent_off=5, points_multiplier_percent=150),
)


def level_for(spend_fen: Fen, levels: tuple[Level, ...] = LEVELS) -> Level:
    return max((lv for lv in levels if lv.min_spend_fen <= spend_fen), key=lambda lv: lv.min_spend_fen)


def benefit_of(level: Level) -> MemberBenefit | None:
    return MemberBenefit(level=level.level, name=level.name, percent_off=level.percent_off) if level.percent_off else None


class Banner(BaseModel):
    image: str
    link: str = ""
    title: str = ""


class StoreOffers(BaseModel):
    """``store.settings["offers"]``: what this store offers everyone, and how it earns and takes points."""

    full_reductions: list[FullReduction] = Field(default_factory=list)
    points: PointsPolicy | None = PointsPolicy()
    earn_points_per_yuan: int = Field(1, ge=0, description="points per whole yuan paid on completed orders")
    banners: list[Banner] = Field(default_factory=list)

    @classmethod
    def of(cls, settings: dict) -> StoreOffers:
        return cls.model_validate(settings.get("offers") or {})


def points_earned(paid_fen: Fen, offers: StoreOffers, level: Level) -> int:
    """Whole yuan paid × the store's rate × the level's multiplier, rounded down (never a fraction)."""
    return (paid_fen // 100) * offers.earn_points_per_yuan * level.points_multiplier_percent // 100
