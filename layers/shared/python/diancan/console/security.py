"""Who is asking, and may they: the session cookie, CSRF on every unsafe request, and ``requires``
(one ``authorize`` call per view, with the store taken from the URL)."""

from __future__ import annotations

import functools
import ipaddress
import secrets
from collections.abc import Callable

from flask import Response, current_app, g, redirect, request, url_for

from diancan.domain.errors import Forbidden, Unauthorized
from diancan.domain.inputs import same_secret
from diancan.domain.staff import Action, authorize

SESSION_COOKIE = "dc_session"
LOGIN_CSRF_COOKIE = "dc_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
PUBLIC_ENDPOINTS = {"auth.login", "static", "auth.health", "auth.api_session"}
PASSWORD_ENDPOINTS = {"auth.password", "auth.logout"}  # all a person with a one-time password may open
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class CsrfRefused(Forbidden):
    code, message_zh, message_en = "CSRF_REFUSED", "页面已过期，请刷新后重试", "Stale or missing form token; reload the page"


def wants_json() -> bool:
    return "/api/" in request.path or request.headers.get("X-Requested-With") == "fetch" or request.is_json


def _sent_csrf() -> str:
    return request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")


def check_csrf(expected: str) -> None:
    if not expected or not same_secret(_sent_csrf(), expected):
        raise CsrfRefused()


def bearer_token() -> str | None:
    """A script's session token (``POST /api/session``) from ``Authorization: Bearer``, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def load_session() -> Response | None:
    """before_request: every endpoint but the login page needs a live session; unsafe ones a CSRF token.
    A session sent as a bearer token needs none: a browser never adds that header on its own, so a forged
    cross-site form cannot carry it. A person still on a one-time password reaches only the change form."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    console = current_app.extensions["diancan"]()
    bearer = bearer_token()
    try:
        session = console.accounts.resume(bearer or request.cookies.get(SESSION_COOKIE))
    except Unauthorized as refused:
        if wants_json() or request.method in UNSAFE:
            raise
        target = url_for("auth.login", next=request.full_path if request.method == "GET" else None,
                         expired=1 if refused.code == "SESSION_EXPIRED" else None)
        return redirect(target)
    g.session, g.staff = session, session.staff
    if request.method in UNSAFE and not bearer:
        check_csrf(session.csrf_token)
    if session.staff.must_change_password and request.endpoint not in PASSWORD_ENDPOINTS:
        from diancan.services.staff import PasswordChangeRequired

        if wants_json() or request.method in UNSAFE:
            raise PasswordChangeRequired()
        return redirect(url_for("auth.password"))
    return None


def login_csrf_token() -> str:
    """Double-submit token for the login form (there is no session yet to hold one)."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    g.login_csrf = token
    return token


def requires(action: Action) -> Callable:
    """Decorate a view: the staff member must hold ``action`` for the ``store_id`` in the URL (or the chain)."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(*args, **kwargs):
            authorize(g.staff, action, kwargs.get("store_id"))
            return view(*args, **kwargs)

        checked.required_action = action
        return checked

    return decorate


def client_address() -> str:
    """Who is knocking, for login throttling: the source address the function URL saw (``sourceIp``, which
    serverless-wsgi hands over as REMOTE_ADDR). A client can write any X-Forwarded-For, so it counts only
    when ``DIANCAN_CONSOLE_TRUSTED_PROXIES`` says that many proxies of ours in front append to it: then the
    entry that many from the right is the client. An IPv6 client is its /64 (one host holds a whole /64)."""
    address = request.remote_addr or ""
    hops = current_app.config.get("DIANCAN_TRUSTED_PROXIES", 0)
    if hops:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def cookie_options() -> dict:
    return {"httponly": True, "secure": True, "samesite": "Lax", "path": (request.script_root or "") + "/"}


def audit(action: str, store_id: str | None, target: str = "", *, amount_fen: int | None = None, **detail) -> None:
    from diancan.adapters.staff_table import AuditEntry
    from diancan.domain.clock import iso, utcnow

    console = current_app.extensions["diancan"]()
    console.audit.append(AuditEntry(store_id or "", g.staff.staff_id, action, target, iso(utcnow()), detail,
                                    amount_fen))


