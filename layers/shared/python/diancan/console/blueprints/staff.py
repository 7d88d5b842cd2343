"""Staff accounts: the chain's list (owners) and each store's (managers: their cashiers and cooks).
Create, disable / enable and reset a password; every change is checked by ``authorize_staff_change`` and
audited. A reset password is shown once to the person who reset it, never stored or logged in clear."""

from __future__ import annotations

import re

from flask import Blueprint, g, render_template, url_for
from pydantic import ValidationError

from diancan.console.blueprints.common import answer, console, fen_field, form_or_json, store_of
from diancan.console.security import audit, requires, wants_json
from diancan.domain.errors import InvalidRequest, NotFound
from diancan.domain.staff import Action, Role, Staff, authorize_staff_change

bp = Blueprint("staff", __name__)


@bp.get("/staff")
@requires(Action.STAFF_MANAGE)
def page():
    """Every account, and the login lockouts of the last 7 days (someone guessing passwords, or a forgotten one)."""
    guard = console().guard
    return render_template("staff.html", people=console().accounts.everyone(), store=None,
                           lockouts=guard.recent_lockouts() if guard else [])


@bp.get("/s/<store_id>/staff")
@requires(Action.STAFF_STORE)
def store_page(store_id: str):
    people = [p for p in console().accounts.everyone() if store_id in p.store_ids]
    return render_template("staff.html", people=people, store=store_of(store_id))


@bp.post("/s/<store_id>/staff")
@requires(Action.STAFF_STORE)
def create(store_id: str):
    data = form_or_json()
    login = str(data.get("login") or "").strip().lower()
    password = str(data.get("password") or "")
    if len(password) < 10:
        raise InvalidRequest("a password has at least 10 characters", "密码至少10位", code="WEAK_PASSWORD")
    try:
        staff = Staff(staff_id=re.sub(r"[^a-z0-9_-]", "-", login)[:32], login=login, name=str(data.get("name") or "")[:40],
                      role=Role(str(data.get("role") or "cashier")), store_ids=(store_id,),
                      refund_limit_fen=fen_field(data, "refund_limit") or 0,
                      refund_day_limit_fen=fen_field(data, "refund_day_limit"))
    except (ValidationError, ValueError):
        raise InvalidRequest("login (a-z 0-9 . _ -), name and role", "请填写登录名（小写字母数字）、姓名和角色",
                             code="INVALID_STAFF") from None
    authorize_staff_change(g.staff, staff.role, staff.store_ids, store_id)
    console().accounts.create(staff, password)
    audit("staff.create", store_id, staff.staff_id, role=staff.role.value)
    return answer({"staff_id": staff.staff_id}, url_for("staff.store_page", store_id=store_id))


def _target(store_id: str, staff_id: str) -> Staff:
    """The account, if it works in ``store_id`` (another store's staff do not exist here)."""
    target = console().accounts.get(staff_id)
    if store_id not in target.store_ids:
        raise NotFound("no such staff member in this store", "本店没有该员工", code="STAFF_NOT_FOUND")
    authorize_staff_change(g.staff, target.role, target.store_ids, store_id)
    return target


@bp.post("/s/<store_id>/staff/<staff_id>/active")
@requires(Action.STAFF_STORE)
def set_active(store_id: str, staff_id: str):
    _target(store_id, staff_id)
    if staff_id == g.staff.staff_id:
        raise InvalidRequest("you cannot disable yourself", "不能停用自己的账号", code="SELF_DISABLE")
    active = str(form_or_json().get("active", "")).lower() in ("1", "true", "on", "yes")
    console().accounts.set_active(staff_id, active)
    audit("staff.enable" if active else "staff.disable", store_id, staff_id)
    return answer({"staff_id": staff_id, "active": active}, url_for("staff.store_page", store_id=store_id))


@bp.post("/s/<store_id>/staff/<staff_id>/password")
@requires(Action.STAFF_STORE)
def reset_password(store_id: str, staff_id: str):
    target = _target(store_id, staff_id)
    password = console().accounts.reset_password(staff_id)
    audit("staff.password_reset", store_id, staff_id)
    if wants_json():
        return {"staff_id": staff_id, "password": password}
    return render_template("staff_password.html", store=store_of(store_id), target=target, password=password)
