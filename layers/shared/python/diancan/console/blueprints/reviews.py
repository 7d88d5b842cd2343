"""A store's reviews of a month (``bootstrap.review_table().of_month``: Query GSI2 ``REVIEWS#<sid>#<yyyy-mm>``,
newest first here) and the store's replies (``bootstrap.reviews().reply_to_review``), each audited. Managers
for their stores, owners for all (``Action.REVIEWS_REPLY``)."""

from __future__ import annotations

import re

from flask import Blueprint, g, render_template, request, url_for

from diancan.console.blueprints.common import answer, console, form_or_json, store_of
from diancan.console.security import audit, requires, wants_json
from diancan.domain.errors import InvalidRequest
from diancan.domain.staff import Action

bp = Blueprint("reviews", __name__)
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def _month() -> str:
    month = request.args.get("month") or console().stats.today().isoformat()[:7]
    if not MONTH.fullmatch(month):
        raise InvalidRequest("month is yyyy-mm", "月份格式有误", code="INVALID_MONTH")
    return month


@bp.get("/s/<store_id>/reviews")
@requires(Action.REVIEWS_REPLY)
def page(store_id: str):
    store, month = store_of(store_id), _month()
    found = console().review_table().of_month(store.store_id, month)
    reviews = [{**r.view(), "dish_id": r.dish_id} for r in reversed(found)]
    if wants_json():
        return {"store_id": store_id, "month": month, "reviews": reviews}
    names = {d.dish_id: d.name for d in console().repository.load_menu(store.store_id).dishes}
    return render_template("reviews.html", store=store, month=month, reviews=reviews, names=names)


@bp.post("/s/<store_id>/reviews/reply")
@requires(Action.REVIEWS_REPLY)
def reply(store_id: str):
    data = form_or_json()
    dish_id, review_key = str(data.get("dish_id") or ""), str(data.get("review_key") or "")
    if not dish_id or not review_key:
        raise InvalidRequest("dish_id and review_key are needed", "请选择要回复的评价", code="INVALID_REPLY")
    result = console().reviews().reply_to_review(store_of(store_id).store_id, dish_id, review_key,
                                                                  str(data.get("text") or ""), g.staff)
    audit("reviews.reply", store_id, f"{dish_id}/{review_key}", chars=len(result["reply"]))
    return answer(result, url_for("reviews.page", store_id=store_id, month=str(data.get("month") or "") or None))
