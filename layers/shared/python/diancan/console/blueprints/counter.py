"""The counter (POS) of a store through ``bootstrap.counter()``: a touch-friendly page to take a walk-in guest's
order (categories and dishes as big buttons, options, quantities, remark, takeout or an open table) and take the
money (cash with change, card, a payment code as ``other`` with its transaction id, or the table's bill). The
page calls the same JSON routes a POS terminal would (documented in docs/openapi/admin.json); the sale runs once
per request key, so a double click pays once."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from diancan.console.blueprints.common import (
    REQUEST_KEY_FIELD,
    console,
    form_or_json,
    new_request_key,
    once,
    request_key,
    store_of,
)
from diancan.console.blueprints.setup import route, validated
from diancan.console.security import audit, requires
from diancan.domain.counter import CounterCart, CounterSale
from diancan.domain.staff import Action

bp = Blueprint("counter", __name__)


def _counter():
    return console().counter()


@bp.get("/s/<store_id>/counter")
@requires(Action.COUNTER_PAY)
def page(store_id: str):
    store = store_of(store_id)
    return render_template("counter.html", store=store, menu=_counter().menu(store_id),
                           open_tables=console().tables().open_tables(store_id), request_key=new_request_key())


@route("GET", "/api/s/<store_id>/counter/menu", Action.COUNTER_PAY,
       "The counter's menu: categories, dishes on the shelf, their options (as the mini-program shows them)",
       blueprint=bp)
def menu(store_id: str):
    store_of(store_id)
    return _counter().menu(store_id)


@route("POST", "/api/s/<store_id>/counter/quote", Action.COUNTER_PAY,
       "Price a counter cart as the mini-program would (the store's offers; nothing written)", CounterCart,
       blueprint=bp)
def quote(store_id: str):
    store_of(store_id)
    return _counter().quote(store_id, _body(CounterCart))


@route("POST", "/api/s/<store_id>/counter/orders", Action.COUNTER_PAY,
       "Take a counter order and its payment: cash (tendered_fen; the change is answered), card, other (a "
       "payment code's transaction_id), or table (joins an open table's bill). Needs a request key "
       "(`request_key` or `Idempotency-Key`): the same key answers the first result, paid once", CounterSale,
       blueprint=bp)
def sell(store_id: str):
    store_of(store_id)
    sale = _body(CounterSale)

    def work() -> dict:
        result = _counter().sell(store_id, sale, g.staff.staff_id, request_key())
        order = result.get("order")
        if order:
            audit("counter.sale", store_id, order["order_id"], amount_fen=order["total_fen"],
                  method=sale.payment.value)
        else:
            audit("counter.table_round", store_id, sale.session_id or "", round_no=result["round"]["round_no"])
        return result

    return once("counter.sale", store_id, "counter", sale.model_dump(mode="json"), work)



def _body(model):
    """The JSON body as ``model``, strictly (400 INVALID_COUNTER_ORDER names the fields), the request key aside."""
    data = form_or_json()
    data.pop(REQUEST_KEY_FIELD, None)
    return validated(model, data, "INVALID_COUNTER_ORDER")
