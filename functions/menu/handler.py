"""menu: stores nearest first, a store's whole menu in one query ("guess you like" when a guest token comes
along), one dish with its newest reviews."""

import math

from diancan import bootstrap
from diancan.domain.errors import InvalidRequest, Unauthorized
from diancan.guest import current_guest
from diancan.http import make_resolver
from diancan.observability import tools
from diancan.services import menu

logger, metrics, tracer = tools("menu")
app = make_resolver()


def _coordinate(name: str) -> float | None:
    raw = app.current_event.get_query_string_value(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw) if raw.isascii() else math.nan  # float() also reads '١٢' and 'inf'
    except ValueError:
        value = math.nan
    if not -180 <= value <= 180:  # NaN and infinities compare False
        raise InvalidRequest(f"{name} must be a number", "位置参数有误", code="INVALID_LOCATION")
    return value


@app.get("/stores", summary="Stores of the chain, nearest first when lat/lng are given", tags=["menu"])
def get_stores() -> dict:
    return menu.list_stores(bootstrap.repository(), _coordinate("lat"), _coordinate("lng"))


def _signed_in_guest() -> str | None:
    """The menu is public: no token or a stale one only means no personal recommendations."""
    if not app.current_event.get_header_value("authorization"):
        return None
    try:
        return current_guest(app)
    except Unauthorized:
        return None


ENGLISH = ("Categories, dishes, option groups and options carry `name_en` (dishes also `description_en`): the "
           "English the store entered, empty when it has none (show `name` then). Search `q` matches both.")


@app.get("/stores/<store_id>/menu", summary="A store's whole menu (filter by category, search, sort)", tags=["menu"],
         description=ENGLISH)
def get_menu(store_id: str) -> dict:
    query = app.current_event.get_query_string_value
    openid = _signed_in_guest()
    return menu.store_menu(bootstrap.repository(), store_id, category=query("category"), q=query("q"),
                           sort=query("sort") or "default", openid=openid,
                           activity=bootstrap.activity_table() if openid else None)


@app.get("/stores/<store_id>/dishes/<dish_id>", summary="One dish with its detail", tags=["menu"], description=ENGLISH)
def get_dish(store_id: str, dish_id: str) -> dict:
    return menu.dish_detail(bootstrap.repository(), store_id, dish_id, bootstrap.review_table(),
                            bootstrap.review_picture_files())


@app.get("/stores/<store_id>/campaigns")
def get_campaigns(store_id: str) -> dict:
    from diancan.services.campaigns import campaigns

    return campaigns(store_id, bootstrap.repository(), bootstrap.marketing_table())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
