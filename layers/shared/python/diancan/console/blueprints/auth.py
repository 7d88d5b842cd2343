"""Login, logout and the landing page (each role lands where it works)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for

from diancan.console import security
from diancan.console.blueprints.common import answer, console, form_or_json, visible_stores
from diancan.console.redirects import safe_next
from diancan.domain.errors import DomainError, InvalidRequest
from diancan.domain.login_throttle import LoginThrottled
from diancan.domain.staff import Action, Role

bp = Blueprint("auth", __name__)


@bp.get("/healthz")
def health():
    return {"status": "ok"}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form (or a JSON post from a script: the same fields, errors in the error format). Too many
    wrong passwords for the name or from the address: 429 with Retry-After, the same for any name."""
    token = security.login_csrf_token()
    error, status, retry_after = None, 200, None
    if request.method == "POST":
        data = request.get_json(silent=True) if request.is_json else request.form
        data = data if isinstance(data, Mapping) else {}  # a JSON array or number: no credentials
        try:
            security.check_csrf(request.cookies.get(security.LOGIN_CSRF_COOKIE, ""))
            session = console().accounts.login(str(data.get("login") or ""), str(data.get("password") or ""),
                                               client=security.client_address())
        except DomainError as refused:
            error, status = refused, refused.status
            retry_after = refused.retry_after if isinstance(refused, LoginThrottled) else None
        else:
            target = safe_next(request.args.get("next"))
            location = request.script_root + target if target else url_for("auth.home")
            if session.staff.must_change_password:  # a one-time password: the change form first, nothing else
                location = url_for("auth.password")
            response = (make_response({"staff_id": session.staff.staff_id, "next": location,
                                       **_password_step(session.staff)})
                        if security.wants_json() else redirect(location))
            response.set_cookie(security.SESSION_COOKIE, session.token, expires=session.expires_at,
                                **security.cookie_options())
            response.delete_cookie(security.LOGIN_CSRF_COOKIE, path=security.cookie_options()["path"])
            return response
    elif request.args.get("expired"):
        error = "登录已过期，请重新登录"
    if isinstance(error, DomainError) and security.wants_json():
        response = make_response(error.to_body(), status)
    else:
        message = error.message_zh if isinstance(error, DomainError) else error
        response = make_response(render_template("login.html", csrf=token, error=message), status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    response.set_cookie(security.LOGIN_CSRF_COOKIE, token, max_age=3600, **security.cookie_options())
    return response


@bp.post("/api/session")
def api_session():
    """A script's login: ``{login, password}`` → ``{token, staff_id, expires_at}``, the token to send as
    ``Authorization: Bearer``. No cookie is set, so no login CSRF token is needed; the same throttling."""
    data = request.get_json(silent=True) if request.is_json else None
    if not isinstance(data, Mapping):
        raise InvalidRequest("a JSON object {login, password}", "请以JSON提交登录名和密码", code="INVALID_LOGIN")
    session = console().accounts.login(str(data.get("login") or ""), str(data.get("password") or ""),
                                       client=security.client_address())
    return {"token": session.token, "staff_id": session.staff.staff_id, "expires_at": session.expires_at,
            **_password_step(session.staff)}


@bp.post("/api/push-ticket")
def push_ticket():
    """A live page's WebSocket ticket, asked for before each (re)connect: ``{ticket, expires_in}``, valid
    ``expires_in`` seconds, naming the signed-in staff member, their role and stores. The page opens
    ``<wsBase>?ticket=`` with it, so the session token stays in its httponly cookie (docs/push.md)."""
    tickets = console().push_tickets()
    staff = g.staff
    return {"ticket": tickets.issue(staff.staff_id, staff.role.value, staff.store_ids),
            "expires_in": tickets.ttl_seconds}


def _password_step(staff) -> dict:
    """What a login answers a script about the password: on a one-time password (the first owner's, or one a
    manager reset) ``code`` PASSWORD_CHANGE_REQUIRED and where to change it; every other call is refused
    with that code (403) until then."""
    if not staff.must_change_password:
        return {"must_change_password": False}
    return {"must_change_password": True, "code": "PASSWORD_CHANGE_REQUIRED", "change_password": url_for("auth.password")}


@bp.route("/password", methods=["GET", "POST"])
def password():
    """The signed-in person's own password. Someone on a one-time password (the first owner) is sent here
    by every page until they have chosen one."""
    error = None
    if request.method == "POST":
        data = form_or_json()
        try:
            console().accounts.change_password(g.staff.staff_id, str(data.get("old_password") or ""),
                                               str(data.get("new_password") or ""))
        except DomainError as refused:
            if security.wants_json():
                raise
            error = refused
        else:
            security.audit("staff.password_change", None, g.staff.staff_id)
            return answer({"staff_id": g.staff.staff_id, "changed": True}, url_for("auth.home"))
    return render_template("password.html", error=error, forced=g.staff.must_change_password,
                           store=None), 400 if error else 200


@bp.post("/logout")
def logout():
    console().accounts.logout(request.cookies.get(security.SESSION_COOKIE))
    response = redirect(url_for("auth.login"))
    response.delete_cookie(security.SESSION_COOKIE, path=security.cookie_options()["path"])
    return response


@bp.get("/")
def home():
    if g.staff.role is Role.OWNER:
        return redirect(url_for("chain.page"))
    stores = visible_stores()
    if not stores:
        return render_template("error.html", error=None, message="您还没有被分配门店，请联系老板"), 403
    first = stores[0].store_id
    if g.staff.can(Action.DASHBOARD_VIEW, first):
        return redirect(url_for("dashboard.page", store_id=first))
    return redirect(url_for("kitchen.page", store_id=first))
