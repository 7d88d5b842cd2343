"""Key building for the one table: the only place that knows PK/SK layouts (docs/table.md).

Store partition rule: everything the menu read needs sorts between ``#PROFILE`` and ``DISH#~`` so that
one range query returns the profile, categories, combos and dishes; other store items (tables,
stations, ingredients, counters) use prefixes that sort after ``DISH#``.
"""

from __future__ import annotations

PROFILE = "#PROFILE"
MENU_FIRST, MENU_LAST = PROFILE, "DISH#\uffff"
ORDER = "ORDER"
STORES = "STORES"


def store(store_id: str) -> str:
    return f"STORE#{store_id}"


def category(sort: int, category_id: str) -> str:
    return f"CATEGORY#{sort:04d}#{category_id}"


def dish(dish_id: str) -> str:
    return f"DISH#{dish_id}"


def table(table_no: str) -> str:
    return f"TABLE#{table_no}"


def store_listing(city: str, store_id: str) -> str:
    return f"{city}#{store_id}"


def order(order_id: str) -> str:
    return f"ORDER#{order_id}"


def user(openid: str) -> str:
    return f"USER#{openid}"


def order_key(idempotency_key: str) -> str:
    return f"ORDERKEY#{idempotency_key}"


def store_day(store_id: str, day: str) -> str:
    return f"STORE#{store_id}#{day}"


def timed(at_iso: str, ident: str) -> str:
    return f"{at_iso}#{ident}"
