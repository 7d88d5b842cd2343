"""Dine-in tables of a store through ``bootstrap.tables()``: open tables with their bills, service calls,
opening a table for guests without phones, counter payment of a tab, closing; the QR sheet of every table
(``bootstrap.table_codes().sheet``)."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, url_for

from diancan.console.blueprints.common import answer, console, form_or_json, once, store_of
from diancan.console.security import audit, requires
from diancan.domain.errors import InvalidRequest
from diancan.domain.staff import Action

bp = Blueprint("tables", __name__)


def _tables():
    return console().tables()


def _back(store_id: str) -> str:
    return url_for("tables.page", store_id=store_id)


def _session_of_store(store_id: str, session_id: str) -> dict:
    """The open table, if it is one of this store's (another store's table does not exist here)."""
    for table in _tables().open_tables(store_id):
        if table["session_id"] == session_id:
            return table
    raise InvalidRequest("no such open table in this store", "本店没有这张在用的桌台", code="TABLE_NOT_OPEN")


@bp.get("/s/<store_id>/tables")
@requires(Action.TABLES_VIEW)
def page(store_id: str):
    store = store_of(store_id)
    return render_template("tables.html", store=store, open_tables=_tables().open_tables(store_id),
                           calls=_tables().open_calls(store_id))


@bp.get("/api/s/<store_id>/tables")
@requires(Action.TABLES_VIEW)
def live(store_id: str):
    store_of(store_id)
    return {"open_tables": _tables().open_tables(store_id), "calls": _tables().open_calls(store_id)}


@bp.get("/s/<store_id>/tables/codes.png")
@requires(Action.TABLES_VIEW)
def code_sheet(store_id: str):
    store_of(store_id)
    sheet = console().table_codes().sheet(store_id)
    return Response(sheet, mimetype="image/png",
                    headers={"Content-Disposition": f'attachment; filename="{store_id}-table-codes.png"'})


@bp.post("/s/<store_id>/tables/open")
@requires(Action.TABLES_SERVE)
def open_table(store_id: str):
    table_no = str(form_or_json().get("table_no") or "").strip()[:8]
    if not table_no:
        raise InvalidRequest("give table_no", "请填写桌号", code="INVALID_TABLE")
    result = _tables().staff_open(store_id, table_no, g.staff.staff_id)
    audit("table.open", store_id, table_no)
    return answer(result, _back(store_id))


@bp.post("/s/<store_id>/tables/<session_id>/calls/<call_id>/answer")
@requires(Action.TABLES_SERVE)
def answer_call(store_id: str, session_id: str, call_id: str):
    _session_of_store(store_id, session_id)
    answered = _tables().answer_call(session_id, call_id, g.staff.staff_id)
    return answer({"answered": answered}, _back(store_id))


@bp.post("/s/<store_id>/tables/<session_id>/pay")
@requires(Action.COUNTER_PAY)
def pay_at_counter(store_id: str, session_id: str):
    """The tab paid at the counter (cash / card / other): a counter voucher in the chain, counted on the dashboard;
    once per request key (the service would not charge twice, but the audit and the answer must not differ)."""
    from diancan.domain.tables import CounterMethod

    method = str(form_or_json().get("method") or "cash")
    if method not in {m.value for m in CounterMethod}:
        raise InvalidRequest("method is cash, card or other", "收款方式有误", code="INVALID_METHOD")

    def work() -> dict:
        _session_of_store(store_id, session_id)
        result = _tables().pay_at_counter(session_id, CounterMethod(method), g.staff.staff_id)
        audit("table.pay", store_id, result["order_id"], amount_fen=result["bill"]["total_fen"], method=method)
        return result

    return answer(once("table.pay", store_id, session_id, {"method": method}, work), _back(store_id))


@bp.post("/s/<store_id>/tables/<session_id>/close")
@requires(Action.TABLES_SERVE)
def close(store_id: str, session_id: str):
    _session_of_store(store_id, session_id)
    result = _tables().close(session_id, g.staff.staff_id)
    audit("table.close", store_id, session_id)
    return answer({"session_id": session_id, "status": result["status"]}, _back(store_id))
