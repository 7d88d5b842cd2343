"""Guests' invoice requests (发票) of a store: the pending list, and marking one issued with the number the tax
platform gave (issuing itself happens on the tax platform), and recording the red invoice (冲红) that reverses one."""

from __future__ import annotations

from flask import Blueprint, g, render_template, url_for

from diancan.console.blueprints.common import answer, console, form_or_json, store_of
from diancan.console.security import audit, requires
from diancan.domain.staff import Action

bp = Blueprint("invoices", __name__)


@bp.get("/s/<store_id>/invoices")
@requires(Action.INVOICES_ISSUE)
def page(store_id: str):
    store = store_of(store_id)
    return render_template("invoices.html", store=store, pending=console().invoices().pending(store_id))


@bp.get("/api/s/<store_id>/invoices")
@requires(Action.INVOICES_ISSUE)
def pending(store_id: str):
    store_of(store_id)
    return {"pending": console().invoices().pending(store_id)}


@bp.post("/s/<store_id>/invoices/<order_id>/issue")
@requires(Action.INVOICES_ISSUE)
def issue(store_id: str, order_id: str):
    store_of(store_id)
    invoice_no = str(form_or_json().get("invoice_no") or "").strip()
    issued = console().invoices().issue(store_id, order_id, invoice_no, g.staff.staff_id)
    audit("invoice.issue", store_id, order_id, amount_fen=issued["amount_fen"], invoice_no=invoice_no)
    return answer(issued, url_for("invoices.page", store_id=store_id))


@bp.post("/s/<store_id>/invoices/<order_id>/reverse")
@requires(Action.INVOICES_ISSUE)
def reverse(store_id: str, order_id: str):
    """冲红: the red invoice that cancels an issued one; counted on the day it is recorded."""
    store_of(store_id)
    red_invoice_no = str(form_or_json().get("red_invoice_no") or "").strip()
    reversed_ = console().invoices().reverse(store_id, order_id, red_invoice_no, g.staff.staff_id)
    audit("invoice.reverse", store_id, order_id, amount_fen=reversed_["amount_fen"], red_invoice_no=red_invoice_no)
    return answer(reversed_, url_for("invoices.page", store_id=store_id))
