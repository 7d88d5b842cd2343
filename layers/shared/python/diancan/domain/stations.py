"""Which dishes print at a kitchen station, and when a station may be retired. Pure: no I/O.

A dish prints at its own station when that station is active, else at its category's station when that one
is active, else at the store's default station (the first active one; ``tickets.build_tickets``). Retiring
a station must never leave a dish routed to it, so a station that dishes or categories name is retired only
by moving them to another active station first, and the last active station of a store with dishes stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from diancan.domain.errors import Conflict, InvalidRequest, NotFound
from diancan.domain.menu import Category, Dish

NAMES_SHOWN = 8


@dataclass(frozen=True)
class StationUsers:
    """What names a station: dishes by their own station, categories as their dishes' default."""

    dishes: list[Dish]
    categories: list[Category]

    def __bool__(self) -> bool:
        return bool(self.dishes or self.categories)


def users_of(station_id: str, dishes: Iterable[Dish], categories: Iterable[Category]) -> StationUsers:
    return StationUsers([d for d in dishes if d.station_id == station_id],
                        [c for c in categories if c.station_id == station_id])


def check_retirement(station_id: str, active_ids: Sequence[str], users: StationUsers, *, has_dishes: bool,
                     move_to: str | None) -> None:
    """Refuse what would leave a dish printing at a retired station (or at none): 404 for a station that is
    not active, 400 for a bad ``move_to``, 409 STATION_IN_USE naming the dishes and categories when nothing
    is moved, 409 LAST_STATION for the store's only station."""
    if station_id not in active_ids:
        raise NotFound("no such active station", "没有这个档口（或已停用）", code="STATION_NOT_FOUND")
    if move_to is not None and (move_to == station_id or move_to not in active_ids):
        raise InvalidRequest("move_to is another active station", "请选择另一个在用的档口", code="INVALID_STATION",
                             details={"move_to": move_to})
    if len(active_ids) == 1 and has_dishes:
        raise Conflict("the store's last station: its dishes would print nowhere", "这是本店最后一个档口，"
                       "停用后菜品将无处出单；请先添加其他档口", code="LAST_STATION")
    if users and move_to is None:
        names = [d.name for d in users.dishes] + [f"{c.name}（分类）" for c in users.categories]
        shown = "、".join(names[:NAMES_SHOWN]) + ("等" if len(names) > NAMES_SHOWN else "")
        raise Conflict("dishes still print at this station: move them to another station first (move_to)",
                       f"以下菜品仍在该档口出单：{shown}。请先改到其他档口，或选择迁移到的档口", code="STATION_IN_USE",
                       details={"dishes": [{"dish_id": d.dish_id, "name": d.name} for d in users.dishes],
                                "categories": [{"category_id": c.category_id, "name": c.name}
                                               for c in users.categories]})
