"""Helpers every area's views share: the console, the stores in scope, the day asked for, answers."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date

from flask import current_app, g, redirect, request

from diancan.console.security import wants_json
from diancan.console.wiring import ConsoleServices
from diancan.domain.errors import InvalidRequest, NotFound
from diancan.domain.inputs import whole_number
from diancan.domain.menu import Store
from diancan.domain.request_keys import require_key
from diancan.domain.staff import stores_in_scope


def console() -> ConsoleServices:
    return current_app.extensions["diancan"]()


def visible_stores() -> list[Store]:
    """The stores the signed-in person may see (one GSI1 query per request)."""
    if "stores" not in g:
        stores = {s.store_id: s for s in console().repository.list_stores()}
        g.stores = [stores[i] for i in stores_in_scope(g.staff, list(stores))]
    return g.stores


def store_of(store_id: str) -> Store:
    for store in visible_stores():
        if store.store_id == store_id:
            return store
    raise NotFound("no such store", "门店不存在", code="STORE_NOT_FOUND")


def day_asked() -> date:
    raw = request.args.get("day", "")
    if not raw:
        return console().stats.today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest("day is yyyy-mm-dd", "日期格式有误", code="INVALID_DAY") from None


def answer(result: dict, back: str):
    """JSON for scripts, a redirect back to the page for plain form posts."""
    return result if wants_json() else redirect(back)


def form_or_json() -> dict:
    """The form's fields, or a JSON body's; JSON that is not an object (a number, a list) is 400."""
    if not request.is_json:
        return request.form.to_dict()
    data = request.get_json(silent=True)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidRequest("a JSON object", "请求内容应为JSON对象", code="INVALID_REQUEST")
    return dict(data)


def fen_field(data: dict, name: str) -> int | None:
    """``<name>_fen`` (whole fen) or ``<name>_yuan`` as a person types it ("38", "38.5"); None when absent."""
    raw_fen = str(data.get(f"{name}_fen") or "").strip()
    if raw_fen:
        fen = whole_number(raw_fen)
        if fen is None:
            raise InvalidRequest(f"{name}_fen is whole fen", "金额格式有误", code="INVALID_AMOUNT")
        return fen
    raw = str(data.get(f"{name}_yuan") or "").strip()
    if not raw:
        return None
    whole, _, cents = raw.partition(".")
    yuan, fen = whole_number(whole), whole_number(cents.ljust(2, "0"))
    if yuan is None or fen is None or len(cents) > 2 or cents.strip() != cents:
        raise InvalidRequest("amount as yuan with at most 2 decimals", "金额格式有误", code="INVALID_AMOUNT")
    return yuan * 100 + fen


REQUEST_KEY_FIELD = "request_key"


def new_request_key() -> str:
    """A page form's request key, minted when the form renders: one per intent (a reload is a new intent)."""
    return secrets.token_urlsafe(18)


def request_key() -> str:
    """The request's key: the form's hidden ``request_key`` field, or an ``Idempotency-Key`` header for scripts;
    none is 400 IDEMPOTENCY_KEY_REQUIRED."""
    data = form_or_json()
    return require_key(str(data.get(REQUEST_KEY_FIELD) or request.headers.get("Idempotency-Key") or ""))


def once(action: str, store_id: str, target: str, payload: dict, work: Callable[[], dict]) -> dict:
    """A money-moving staff action: ``work`` (its reads, checks, service call and audit entry) runs once per
    request key (the form's hidden ``request_key`` field, or an ``Idempotency-Key`` header for scripts).
    A repeat (double click, browser retry) answers the first result; no key is 400 IDEMPOTENCY_KEY_REQUIRED
    before anything is read; the key again with other ``payload`` fields (as sent) is 409."""
    key = request_key()
    run = console().staff_once()
    return run({"key": key, "staff": g.staff.staff_id, "action": action, "store_id": store_id, "target": target,
                "payload": payload}, work, request.environ.get("serverless.context"))  # set by serverless-wsgi
