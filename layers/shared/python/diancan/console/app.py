"""``create_app(services)``: the console's Flask app, its blueprints, error pages and base-path handling.

The app may be served at ``/`` (its own function URL) or under a prefix (``/admin`` behind the local
gateway, which strips it; ``<base path>/admin`` behind the HTTP API front, whose route passes it through):
``BasePath`` sets SCRIPT_NAME so every generated URL carries the prefix, and strips it from the path when a
proxy passes it through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import unquote

from flask import Flask, g, render_template, request, url_for
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from diancan.console import security
from diancan.console.config import ConsoleSettings, console_settings
from diancan.console.wiring import ConsoleServices
from diancan.domain.clock import local, parse_iso
from diancan.domain.errors import DomainError
from diancan.domain.inputs import strict_json
from diancan.domain.money import yuan
from diancan.domain.staff import Action
from diancan.front_door import as_function_url_event, route_prefix

logger = logging.getLogger(__name__)


class BasePath:
    """WSGI middleware: serve the app under ``prefix`` whether or not the proxy stripped it."""

    def __init__(self, app: Callable, prefix: str) -> None:
        self.app, self.prefix = app, prefix

    def __call__(self, environ: dict, start_response: Callable):
        event = environ.get("serverless.event")
        if isinstance(event, dict) and route_prefix(event):  # HTTP API: the path under the route, unquoted
            environ["PATH_INFO"] = unquote(as_function_url_event(event)["rawPath"])
        if self.prefix:
            path = environ.get("PATH_INFO", "")
            if path == self.prefix or path.startswith(self.prefix + "/"):
                environ["PATH_INFO"] = path[len(self.prefix):] or "/"
        # Always ours: serverless-wsgi would make it "/$default" on an execute-api host (its v1 stage habit)
        environ["SCRIPT_NAME"] = self.prefix
        return self.app(environ, start_response)


STATUS_ZH = {"PENDING_PAYMENT": "待支付", "SCHEDULED": "已预约", "PAID": "待接单", "PREPARING": "制作中", "READY": "待取餐",
             "DELIVERING": "配送中", "COMPLETED": "已完成", "CANCELLED": "已取消", "REFUNDING": "退款中",
             "REFUNDED": "已退款"}
MODE_ZH = {"dine_in": "堂食", "takeout": "自取", "delivery": "外卖"}
CHANNEL_ZH = {"miniprogram": "小程序", "table": "扫码桌台", "counter": "收银台"}
ROLE_ZH = {"owner": "老板", "manager": "店长", "cashier": "收银", "kitchen": "后厨"}


def create_app(services: ConsoleServices | Callable[[], ConsoleServices],
               settings: ConsoleSettings | None = None) -> Flask:
    """The console over ``services``: the object itself, or a zero-argument builder called once, on the first
    request (the admin function's cold start then reads no secret before it is asked something)."""
    settings = settings or console_settings()
    app = Flask(__name__)
    app.json = StrictJSONProvider(app)
    app.config.update(MAX_CONTENT_LENGTH=256 * 1024, DIANCAN_POLL_SECONDS=settings.poll_seconds,
                      DIANCAN_PUSH_URL=settings.push_url,
                      DIANCAN_TRUSTED_PROXIES=settings.trusted_proxies)
    app.extensions["diancan"] = ((lambda: services) if isinstance(services, ConsoleServices)
                                 else lru_cache(maxsize=1)(services))
    app.wsgi_app = BasePath(app.wsgi_app, settings.base_path)

    from diancan.console.blueprints import BLUEPRINTS
    from diancan.console.blueprints.common import new_request_key

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.before_request(security.load_session)
    app.after_request(_headers)
    app.register_error_handler(DomainError, _refused)
    app.register_error_handler(HTTPException, _http_refused)
    app.jinja_env.filters.update(yuan=yuan, status_zh=lambda s: STATUS_ZH.get(s, s), mode_zh=lambda m: MODE_ZH.get(m, m),
                                 channel_zh=lambda c: CHANNEL_ZH.get(c, c),
                                 role_zh=lambda r: ROLE_ZH.get(r, r), hm=_hm, day_hm=_day_hm)
    app.jinja_env.globals.update(Action=Action, can=_can, store_ids=_store_ids, switch_url=_switch_url, STATUS_ZH=STATUS_ZH, MODE_ZH=MODE_ZH, CHANNEL_ZH=CHANNEL_ZH,
                                 new_request_key=new_request_key)
    return app


def _hm(instant: str | None) -> str:
    """An ISO instant as local HH:MM (business time zone)."""
    return local(parse_iso(instant)).strftime("%H:%M") if instant else ""


def _day_hm(instant: str | None) -> str:
    """An ISO instant as local MM-DD HH:MM (business time zone)."""
    return local(parse_iso(instant)).strftime("%m-%d %H:%M") if instant else ""


def _can(action: Action, store_id: str | None = None) -> bool:
    staff = g.get("staff")
    return bool(staff) and staff.can(action, store_id)


def _switch_url(store_id: str) -> str:
    """The same page for another store (a page about one order falls back to that store's order list)."""
    endpoint = request.endpoint if set(request.view_args or {}) == {"store_id"} else "orders.page"
    return url_for(endpoint, store_id=store_id)


def _store_ids() -> list[str]:
    from diancan.console.blueprints.common import visible_stores

    return [s.store_id for s in visible_stores()]


def _headers(response):
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data: https:; style-src 'self'; "
                                "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


class StrictJSONProvider(DefaultJSONProvider):
    """Request bodies are read as the guest functions read them (``strict_json``): JSON nested too deep
    (RecursionError), with integers too long for ``int()``, NaN or unpaired surrogates is a 400
    MALFORMED_JSON, not a crash nor, with ``get_json(silent=True)``, a body silently taken as empty."""

    def loads(self, s, **kwargs):
        return strict_json(s)


_HTTP_ZH = {400: "请求有误", 404: "页面不存在", 405: "不支持该请求方式", 413: "请求内容过大"}


def _http_refused(error: HTTPException):
    """Flask's own refusals (no such route, wrong method, body over MAX_CONTENT_LENGTH, unreadable form) in
    the one error format when a script asked for JSON; the default page otherwise."""
    if not security.wants_json() or not error.code or error.code < 400:
        return error
    code = "BODY_TOO_LARGE" if error.code == 413 else (error.name or "Bad Request").upper().replace(" ", "_")
    return {"code": code, "message": _HTTP_ZH.get(error.code, "请求有误"), "message_en": error.name}, error.code


def _refused(error: DomainError):
    (logger.warning if error.status >= 500 else logger.info)(
        "console request refused", extra={"code": error.code, "status": error.status, "path": request.path})
    if security.wants_json():
        return error.to_body(), error.status
    return render_template("error.html", error=error), error.status
