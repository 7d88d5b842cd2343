"""Deliveries of a store: the active ones (``bootstrap.delivery().active``) and the staff's moves on one
(re-dispatch, tip, cancel the courier, send the store's own rider, mark own delivery done, refund and close)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, url_for

from diancan.console.blueprints.common import answer, console, fen_field, form_or_json, once, store_of
from diancan.console.security import audit, requires
from diancan.domain.errors import InvalidRequest
from diancan.domain.inputs import whole_number
from diancan.domain.staff import Action, authorize

bp = Blueprint("delivery", __name__)


def _service():
    return console().delivery()


@bp.get("/s/<store_id>/deliveries")
@requires(Action.ORDERS_VIEW)
def page(store_id: str):
    return render_template("deliveries.html", store=store_of(store_id), deliveries=_service().active(store_id))


@bp.get("/api/s/<store_id>/deliveries")
@requires(Action.ORDERS_VIEW)
def active(store_id: str):
    store_of(store_id)
    return {"deliveries": _service().active(store_id)}


def _move(store_id: str, order_id: str, name: str, call, *, once_on: dict | None = None, **detail):
    """One staff move on a delivery: the order is the store's, the call, its audit entry. A move that moves
    money (``once_on``: the fields it acts on, as sent) runs once per request key."""
    def work() -> dict:
        console().orders.get(store_id, order_id)
        result = call(f"staff:{g.staff.staff_id}")
        audit(f"delivery.{name}", store_id, order_id, **detail)
        return result or {"order_id": order_id}

    result = work() if once_on is None else once(f"delivery.{name}", store_id, order_id, once_on, work)
    return answer(result, url_for("orders.detail", store_id=store_id, order_id=order_id))


@bp.post("/s/<store_id>/orders/<order_id>/redispatch")
@requires(Action.ORDERS_REDISPATCH)
def redispatch(store_id: str, order_id: str):
    return _move(store_id, order_id, "redispatch", lambda by: _service().redispatch(order_id, by))


@bp.post("/s/<store_id>/orders/<order_id>/delivery/tip")
@requires(Action.ORDERS_REDISPATCH)
def tip(store_id: str, order_id: str):
    tip_fen = fen_field(form_or_json(), "tip")
    if not tip_fen:
        raise InvalidRequest("give tip_yuan or tip_fen", "请填写小费金额", code="INVALID_TIP")
    return _move(store_id, order_id, "tip", lambda by: _service().add_tip(order_id, tip_fen, by),
                 once_on={"tip_fen": tip_fen}, tip_fen=tip_fen)


@bp.post("/s/<store_id>/orders/<order_id>/delivery/cancel")
@requires(Action.ORDERS_REDISPATCH)
def cancel(store_id: str, order_id: str):
    data = form_or_json()
    reason_id = whole_number(data.get("reason_id") or "10000")
    if reason_id is None:
        raise InvalidRequest("reason_id is a number", "取消原因有误", code="INVALID_REASON")
    reason = str(data.get("reason") or "")[:60]
    return _move(store_id, order_id, "cancel", lambda by: _service().cancel(order_id, reason_id, reason, by),
                 reason_id=reason_id, reason=reason)


@bp.post("/s/<store_id>/orders/<order_id>/delivery/own")
@requires(Action.ORDERS_REDISPATCH)
def own_staff(store_id: str, order_id: str):
    data = form_or_json()
    name, phone = str(data.get("rider_name") or "").strip()[:20], str(data.get("rider_phone") or "").strip()
    if not name or not (len(phone) == 11 and whole_number(phone) is not None):
        raise InvalidRequest("rider_name and an 11-digit rider_phone", "请填写骑手姓名和11位手机号",
                             code="INVALID_RIDER")
    return _move(store_id, order_id, "own_staff", lambda by: _service().dispatch_own_staff(order_id, name, phone, by),
                 rider=name)


@bp.post("/s/<store_id>/orders/<order_id>/delivery/delivered")
@requires(Action.ORDERS_REDISPATCH)
def own_delivered(store_id: str, order_id: str):
    return _move(store_id, order_id, "delivered", lambda by: _service().complete_own_staff(order_id, by))


@bp.post("/s/<store_id>/orders/<order_id>/delivery/refund-close")
@requires(Action.ORDERS_REDISPATCH)
def refund_and_close(store_id: str, order_id: str):
    """Refunds the guest (food made, undeliverable): the refund right is checked as well, inside the keyed
    work so that a repeat answers the first result rather than a refusal on what is left."""
    def refund_close(by: str) -> dict:
        order = console().orders.get(store_id, order_id)
        authorize(g.staff, Action.ORDERS_REFUND, store_id, amount_fen=order.total_fen - order.refunded_fen)
        return _service().close_with_refund(order_id, by, day_limit_fen=g.staff.order_day_refund_limit())

    return _move(store_id, order_id, "refund_close", refund_close, once_on={})
