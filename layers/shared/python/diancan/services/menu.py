"""What guests browse: stores nearest first, a store's menu (one query, which also carries the store's service
state: busy, delivery paused; plus one BatchGetItem of "guess you like" for a signed-in guest), a dish (one GetItem and one query of its newest reviews)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from diancan.domain.clock import utcnow
from diancan.domain.errors import InvalidRequest, NotFound
from diancan.domain.geo import haversine_m
from diancan.domain.menu import Dish, Store
from diancan.domain.recommend import recommend
from diancan.domain.service_state import KitchenSettings
from diancan.services.ports import Activity, OrderRepository, PictureStorage, ReviewRepository

if TYPE_CHECKING:  # adapters arrive built (bootstrap); importing them here would load botocore at cold start
    from diancan.adapters.repository import Menu

SORTS = ("default", "popularity", "rating", "price", "price_desc")


def store_view(store: Store, now, distance_m: int | None = None) -> dict:
    view = store.model_dump(mode="json", exclude={"settings"})
    view["open_now"] = store.is_open_at(now)
    if distance_m is not None:
        view["distance_m"] = distance_m
    return view


def dish_view(dish: Dish) -> dict:
    view = dish.model_dump(mode="json", exclude={"recipe", "rating_sum", "store_id"})
    for group in view["option_groups"]:
        for option in group["options"]:
            option.pop("recipe", None)
    view["sold_out"] = not dish.available
    view["rating"] = dish.rating
    return view


def list_stores(repository: OrderRepository, lat: float | None, lng: float | None) -> dict:
    now = utcnow()
    stores = [s for s in repository.list_stores() if not s.retired]
    if lat is None or lng is None:
        return {"stores": [store_view(s, now) for s in stores]}
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidRequest("lat/lng out of range", "位置参数有误", code="INVALID_LOCATION")
    ranked = sorted(
        ((round(haversine_m((lat, lng), (s.lat, s.lng))) if s.lat is not None else None, s) for s in stores),
        key=lambda pair: (pair[0] is None, pair[0] or 0),
    )
    return {"stores": [store_view(s, now, d) for d, s in ranked]}


def _sort_key(sort: str):
    return {
        "popularity": lambda d: -d.sold_count,
        "rating": lambda d: -(d.rating or 0),
        "price": lambda d: d.price_fen,
        "price_desc": lambda d: -d.price_fen,
    }.get(sort)


def recommendations(menu: Menu, openid: str, activity: Activity) -> list[dict]:
    """"Guess you like" from the guest's history and the store's lists, filtered against the menu just read
    (so never a sold-out or off-shelf dish)."""
    counts, reco = activity.reco_inputs(menu.store.store_id, openid)
    dishes = {d.dish_id: d for d in menu.dishes if d.on_shelf and d.available}
    return [dish_view(dishes[d]) for d in recommend(counts, reco, set(dishes))]


def store_menu(repository: OrderRepository, store_id: str, *, category: str | None, q: str | None, sort: str,
               openid: str | None = None, activity: Activity | None = None) -> dict:
    if sort not in SORTS:
        raise InvalidRequest(f"sort must be one of {', '.join(SORTS)}", "排序参数有误", code="INVALID_SORT")
    menu = repository.load_menu(store_id)
    needle = (q or "").strip().lower()
    key = _sort_key(sort)
    categories = []
    for cat in menu.categories:
        if category and cat.category_id != category:
            continue
        dishes = [d for d in menu.dishes if d.category_id == cat.category_id and d.on_shelf]
        if needle:
            dishes = [d for d in dishes if needle in d.name.lower() or needle in d.name_en.lower()
                      or any(needle in t.lower() for t in d.tags)]
        if key:
            dishes.sort(key=key)
        if dishes or not (needle or category):
            categories.append({"category_id": cat.category_id, "name": cat.name, "name_en": cat.name_en,
                               "dishes": [dish_view(d) for d in dishes]})
    if category and not categories and all(c.category_id != category for c in menu.categories):
        raise NotFound("no such category", "分类不存在", code="CATEGORY_NOT_FOUND")
    now = utcnow()
    answer = {"store_id": store_id, "store": store_view(menu.store, now), "categories": categories,
              "service": menu.service.view(KitchenSettings.of(menu.store), now)}
    if openid and activity is not None:
        answer["recommendations"] = recommendations(menu, openid, activity)
    return answer


def dish_detail(repository: OrderRepository, store_id: str, dish_id: str,
                reviews: ReviewRepository | None = None, pictures: PictureStorage | None = None) -> dict:
    """The dish, and its newest reviews with their pictures as presigned URLs (signed here, no AWS call)."""
    dish = repository.get_dish(store_id, dish_id)
    if not dish.on_shelf:
        raise NotFound("no such dish", "菜品不存在或已下架", code="DISH_NOT_FOUND")
    view = dish_view(dish)
    if reviews is not None:
        # imported with the reviews: the menu's cold start loads none of the reviews' models
        from diancan.domain.reviews import NEWEST_SHOWN

        view["reviews"] = [r.view() for r in reviews.newest(store_id, dish_id, NEWEST_SHOWN)]
        if pictures is not None:
            from diancan.services.review_pictures import picture_urls

            for review in view["reviews"]:
                review["pictures"] = picture_urls(pictures, review["pictures"])
    return view
