"""Per-store per-day counters: what a paid order, a refund or a status change adds, and the dashboard
figures read back from them. The counters are flat names so that one atomic ADD updates them all.

Counter names: ``revenue_fen``, ``orders``, ``refunded_fen``, ``refunds``, ``h:<HH>`` (paid orders in a
local hour), ``hr:<HH>`` (revenue in that hour), ``s:<STATUS>`` (orders now in that status),
``m:<mode>`` (orders by dining mode), ``c:<channel>`` (orders by channel: miniprogram, table, counter), ``d:<dish_id>`` (portions sold); ``dn:<dish_id>`` holds the dish name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from diancan.domain.clock import local
from diancan.domain.money import Fen
from diancan.domain.order import Order

HOURS = tuple(f"{h:02d}" for h in range(24))


@dataclass(frozen=True)
class CounterUpdate:
    """Numbers to ADD (negative to subtract) and names to SET on one day's counters item."""

    add: dict[str, int]
    names: dict[str, str] = field(default_factory=dict)


def paid(order: Order, paid_at: datetime, tz: str) -> CounterUpdate:
    hour = f"{local(paid_at, tz).hour:02d}"
    add = {"revenue_fen": order.total_fen, "orders": 1, f"h:{hour}": 1, f"hr:{hour}": order.total_fen,
           f"m:{order.mode}": 1, f"c:{order.channel}": 1, f"s:{order.status.value}": 1}
    names = {}
    for line in order.lines:
        add[f"d:{line.dish_id}"] = add.get(f"d:{line.dish_id}", 0) + line.qty
        names[f"dn:{line.dish_id}"] = line.name
    return CounterUpdate(add, names)


def refunded(amount_fen: Fen) -> CounterUpdate:
    return CounterUpdate({"refunded_fen": amount_fen, "refunds": 1})


def moved(old_status: str, new_status: str) -> CounterUpdate:
    return CounterUpdate({f"s:{old_status}": -1, f"s:{new_status}": 1})


def transition(old_status: str, new_status: str) -> CounterUpdate | None:
    """The per-status move of an applied transition; none for an unpaid order (``paid`` adds its PAID count)."""
    return None if old_status == "PENDING_PAYMENT" else moved(old_status, new_status)


@dataclass(frozen=True)
class DayFigures:
    """The dashboard of one store (or the sum of several) for one day."""

    revenue_fen: Fen = 0
    refunded_fen: Fen = 0
    orders: int = 0
    refunds: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_mode: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_hour: dict[str, int] = field(default_factory=dict)
    revenue_by_hour: dict[str, int] = field(default_factory=dict)
    dishes: dict[str, int] = field(default_factory=dict)
    dish_names: dict[str, str] = field(default_factory=dict)

    @property
    def net_fen(self) -> Fen:
        return self.revenue_fen - self.refunded_fen

    @property
    def average_ticket_fen(self) -> Fen:
        return (self.revenue_fen + self.orders // 2) // self.orders if self.orders else 0

    def hot_dishes(self, top: int = 10) -> list[dict]:
        ranked = sorted(self.dishes.items(), key=lambda pair: (-pair[1], pair[0]))[:top]
        return [{"dish_id": d, "name": self.dish_names.get(d, d), "qty": q} for d, q in ranked if q > 0]

    def to_view(self) -> dict:
        return {"revenue_fen": self.revenue_fen, "refunded_fen": self.refunded_fen, "net_fen": self.net_fen,
                "orders": self.orders, "refunds": self.refunds, "average_ticket_fen": self.average_ticket_fen,
                "by_status": {s: n for s, n in sorted(self.by_status.items()) if n},
                "by_mode": dict(sorted(self.by_mode.items())),
                "by_channel": dict(sorted(self.by_channel.items())),
                "by_hour": [self.by_hour.get(h, 0) for h in HOURS],
                "revenue_by_hour": [self.revenue_by_hour.get(h, 0) for h in HOURS],
                "hot_dishes": self.hot_dishes()}


_PREFIXED = {"s:": "by_status", "m:": "by_mode", "c:": "by_channel", "h:": "by_hour", "hr:": "revenue_by_hour", "d:": "dishes",
             "dn:": "dish_names"}


def figures(*items: dict) -> DayFigures:
    """Sum counter items (one per store) into the figures of a store or of the chain."""
    totals = {"revenue_fen": 0, "refunded_fen": 0, "orders": 0, "refunds": 0}
    maps: dict[str, dict] = {name: {} for name in _PREFIXED.values()}
    for item in items:
        for key, value in item.items():
            if key in totals:
                totals[key] += int(value)
                continue
            prefix, sep, rest = key.partition(":")
            target = _PREFIXED.get(prefix + sep)
            if target == "dish_names":
                maps[target][rest] = str(value)
            elif target:
                maps[target][rest] = maps[target].get(rest, 0) + int(value)
    return DayFigures(**totals, **maps)
