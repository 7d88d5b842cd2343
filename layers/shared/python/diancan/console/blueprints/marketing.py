"""Marketing (owners): the chain's coupon templates (``bootstrap.marketing_table()``: list_templates,
put_template), issuing a template to a segment — guests whose latest order was in the last N days, read from
GSI2 ``LASTORDER#<day>`` (``bootstrap.activity_table().last_ordered_on``) and given one coupon each through
``bootstrap.coupons().issue`` — and each store's offers: full-reduction tiers and the points rates
(``store.settings["offers"]``, ``StoreOffers``), written back with ``Repository.put_store`` keeping the rest."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, render_template, url_for
from pydantic import ValidationError

from diancan.console.blueprints.common import answer, console, fen_field, form_or_json, store_of
from diancan.console.security import audit, requires
from diancan.domain.coupons import CouponTemplate
from diancan.domain.errors import Conflict, InvalidRequest, NotFound
from diancan.domain.inputs import whole_number
from diancan.domain.membership import StoreOffers
from diancan.domain.promotions import CouponRule, FullReduction, PointsPolicy
from diancan.domain.staff import Action

bp = Blueprint("marketing", __name__)
MAX_SEGMENT_DAYS = 90
MAX_SEGMENT_GUESTS = 500  # one request's worth; a larger campaign belongs in a job
TIER = re.compile(r"^\s*(\d+(?:\.\d{1,2})?)\s*[-/减]\s*(\d+(?:\.\d{1,2})?)\s*$", re.ASCII)


def _whole(data: dict, name: str, default: int) -> int:
    value = whole_number(data.get(name) if data.get(name) is not None else default)
    if value is None:
        raise InvalidRequest(f"{name} is a whole number", "请填写整数", code="INVALID_NUMBER", details={"field": name})
    return value


@bp.get("/marketing")
@requires(Action.MARKETING_MANAGE)
def page():
    templates = sorted(console().marketing_table().list_templates(), key=lambda t: t.template_id)
    return render_template("marketing.html", store=None, templates=templates, max_days=MAX_SEGMENT_DAYS)


def template_from(data: dict) -> CouponTemplate:
    """A new template from the form (yuan amounts) or JSON (``*_fen`` amounts work too)."""
    kind = str(data.get("kind") or "fixed")
    try:
        rule = CouponRule(name=str(data.get("name") or "").strip(), kind=kind,
                          amount_fen=fen_field(data, "amount") or 0,
                          percent_off=_whole(data, "percent_off", 0) if kind == "percent" else 0,
                          cap_fen=fen_field(data, "cap"), threshold_fen=fen_field(data, "threshold") or 0)
        return CouponTemplate(template_id=str(data.get("template_id") or "").strip(),
                              store_id=str(data.get("store_id") or "").strip() or None, rule=rule,
                              stock=_whole(data, "stock", 0), per_guest_limit=_whole(data, "per_guest_limit", 1),
                              valid_days=_whole(data, "valid_days", 7),
                              claimable=str(data.get("claimable", "")).lower() in ("1", "true", "on", "yes"))
    except ValidationError as error:
        raise InvalidRequest("coupon template fields", "优惠券信息有误：" + "；".join(e["msg"] for e in error.errors()),
                             code="INVALID_COUPON_TEMPLATE") from None


@bp.post("/marketing/templates")
@requires(Action.MARKETING_MANAGE)
def create_template():
    template = template_from(form_or_json())
    marketing = console().marketing_table()
    try:
        marketing.get_template(template.template_id)
    except NotFound:
        marketing.put_template(template)
    else:
        raise Conflict("a template with that id exists", "该优惠券编号已存在", code="COUPON_TEMPLATE_EXISTS")
    audit("marketing.template", None, template.template_id, stock=template.stock, store=template.store_id,
          rule=template.rule.model_dump(mode="json", include={"name", "kind", "amount_fen", "percent_off", "threshold_fen"}))
    return answer({"template_id": template.template_id}, url_for("marketing.page"))


def recent_guests(days: int) -> list[str]:
    """Guests whose latest order was today or in the ``days - 1`` days before (one GSI2 query per day)."""
    activity, today = console().activity_table(), console().stats.today()
    found: list[str] = []
    for back in range(days):
        found += activity.last_ordered_on((today - timedelta(days=back)).isoformat())
        if len(found) > MAX_SEGMENT_GUESTS:
            raise InvalidRequest("segment too large for one request", f"人数超过{MAX_SEGMENT_GUESTS}，请缩短天数",
                                 code="SEGMENT_TOO_LARGE")
    return found


@bp.post("/marketing/issue")
@requires(Action.MARKETING_MANAGE)
def issue():
    data = form_or_json()
    days, campaign = _whole(data, "days", 0), str(data.get("campaign") or "").strip()
    if not 1 <= days <= MAX_SEGMENT_DAYS or not re.fullmatch(r"[A-Za-z0-9_-]{1,30}", campaign):
        raise InvalidRequest("days 1-90 and a campaign name (a-z 0-9 _ -)", "请填写天数（1–90）和活动编号",
                             code="INVALID_SEGMENT")
    template = console().marketing_table().get_template(str(data.get("template_id") or ""))
    coupons = console().coupons()
    guests = recent_guests(days)
    issued = sum(coupons.issue(openid, template, campaign) is not None for openid in guests)
    audit("marketing.issue", None, template.template_id, campaign=campaign, days=days, guests=len(guests),
          issued=issued)
    return answer({"template_id": template.template_id, "guests": len(guests), "issued": issued},
                  url_for("marketing.page"))


def _store_profile(store_id: str):
    store_of(store_id)
    return console().repository.load_for_order(store_id, [], None)[0]


@bp.get("/s/<store_id>/offers")
@requires(Action.MARKETING_MANAGE)
def offers_page(store_id: str):
    offers = StoreOffers.of(_store_profile(store_id).settings)
    return render_template("offers.html", store=store_of(store_id), offers=offers)


def offers_from(data: dict, current: StoreOffers) -> StoreOffers:
    """Tiers as ``100-10, 200-25`` (yuan: threshold-off) and the points rates; banners are kept."""
    tiers = []
    for part in re.split(r"[,，\n]", str(data.get("tiers") or "")):
        if part.strip():
            found = TIER.match(part)
            if not found:
                raise InvalidRequest("tiers as threshold-off in yuan", "满减格式：满多少-减多少，如 100-10",
                                     code="INVALID_TIERS", details={"tier": part[:30]})
            tiers.append({"threshold_fen": fen_field({"a_yuan": found[1]}, "a"), "off_fen": fen_field({"a_yuan": found[2]}, "a")})
    points_on = str(data.get("points_enabled", "on")).lower() in ("1", "true", "on", "yes")
    try:
        return StoreOffers.model_validate({
            **current.model_dump(),
            "full_reductions": [FullReduction(offer_id="fr-console", tiers=tiers)] if tiers else [],
            "points": PointsPolicy(points_per_fen=_whole(data, "points_per_fen", 1),
                                   max_share_percent=_whole(data, "max_share_percent", 50)) if points_on else None,
            "earn_points_per_yuan": _whole(data, "earn_points_per_yuan", current.earn_points_per_yuan)})
    except ValidationError as error:
        raise InvalidRequest("offer fields", "优惠设置有误", code="INVALID_OFFERS",
                             details={"errors": [e["msg"] for e in error.errors()]}) from None


@bp.post("/s/<store_id>/offers")
@requires(Action.MARKETING_MANAGE)
def save_offers(store_id: str):
    store = _store_profile(store_id)
    offers = offers_from(form_or_json(), StoreOffers.of(store.settings))
    console().repository.put_store(store.model_copy(update={
        "settings": {**store.settings, "offers": offers.model_dump(mode="json")}}))
    audit("marketing.offers", store_id, "offers", tiers=[t.label for f in offers.full_reductions for t in f.tiers],
          earn_points_per_yuan=offers.earn_points_per_yuan)
    return answer({"store_id": store_id, "offers": offers.model_dump(mode="json")},
                  url_for("marketing.offers_page", store_id=store_id))
