"""Orders of a store: search a day, read one with its history, and act on it.

accept / ready / complete go through StoreOrders (conditional transitions); refund and reprint call the
payments and printing services (``bootstrap.payments().refund``, ``bootstrap.printing().reprint``) and
"ready" calls the number through ``bootstrap.kitchen().call_number`` (each a ``ConsoleServices`` builder).
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for

from diancan.console.blueprints.common import (
    answer,
    console,
    day_asked,
    fen_field,
    form_or_json,
    once,
    store_of,
)
from diancan.console.security import audit, requires
from diancan.domain.errors import InvalidRequest
from diancan.domain.inputs import whole_number
from diancan.domain.staff import Action, authorize
from diancan.services.store_orders import MOVES, OrderFilter

bp = Blueprint("orders", __name__)
_FILTERS = ("number", "pickup_no", "phone_tail", "table_no", "status", "mode", "channel")


def _search(store_id: str) -> tuple[list[dict], OrderFilter, str]:
    day = day_asked().isoformat()
    wanted = OrderFilter(**{name: request.args.get(name, "").strip()[:32] for name in _FILTERS})
    return console().orders.search(store_id, day, wanted), wanted, day


@bp.get("/s/<store_id>/orders")
@requires(Action.ORDERS_VIEW)
def page(store_id: str):
    orders, wanted, day = _search(store_id)
    return render_template("orders.html", store=store_of(store_id), orders=orders, wanted=wanted, day=day)


@bp.get("/api/s/<store_id>/orders")
@requires(Action.ORDERS_VIEW)
def search(store_id: str):
    store_of(store_id)
    orders, _, day = _search(store_id)
    return {"day": day, "orders": orders}


@bp.get("/s/<store_id>/orders/<order_id>")
@requires(Action.ORDERS_VIEW)
def detail(store_id: str, order_id: str):
    order = console().orders.detail(store_id, order_id)
    tickets = [job.model_dump(mode="json") for job in console().print_jobs().of_order(order_id)]
    refunds = [vars(r) for r in console().payment_table().refunds(order_id)]
    tracking = console().delivery().tracking(order_id) if order["mode"] == "delivery" else None
    issue = console().stock_table().issue_of(order_id)
    return render_template("order_detail.html", store=store_of(store_id), order=order, tickets=tickets,
                           refunds=refunds, tracking=tracking, reject_reasons=REJECT_REASONS, issue=issue)


_MOVE_RIGHTS = {"accept": Action.ORDERS_ACCEPT, "ready": Action.ORDERS_READY, "complete": Action.ORDERS_COMPLETE}


@bp.post("/s/<store_id>/orders/<order_id>/<move>")
def move(store_id: str, order_id: str, move: str):
    if move not in MOVES:
        raise InvalidRequest("unknown order action", "未知操作", code="UNKNOWN_ACTION")
    authorize(g.staff, _MOVE_RIGHTS[move], store_id)
    result = console().orders.move(g.staff, store_id, order_id, move, kitchen=console().kitchen())
    return answer(result, url_for("orders.detail", store_id=store_id, order_id=order_id))


REJECT_REASONS = ("菜品售罄", "门店繁忙", "超出配送范围", "即将打烊", "其他")


def _chosen_lines() -> list[int]:
    raw = request.form.getlist("line") if not request.is_json else (request.get_json(silent=True) or {}).get("lines", [])
    lines = [whole_number(i) for i in raw] if isinstance(raw, list) else [None]
    if None in lines:
        raise InvalidRequest("lines are line numbers", "退款菜品有误", code="INVALID_LINES")
    return sorted(set(lines))


def _refund_amount(order, data: dict) -> tuple[int, list[int] | None]:
    """The amount and the lines refunded: ``amount_*`` as typed; else the chosen ``lines`` (their line totals,
    less the order's discount share); else what is left to refund. The chosen lines go with the refund either
    way (the kitchen's cancel ticket lists them); none chosen: an amount only (None)."""
    left = order.total_fen - order.refunded_fen
    lines = _chosen_lines()
    if lines and lines[-1] >= len(order.lines):
        raise InvalidRequest("no such line", "退款菜品有误", code="INVALID_LINES")
    amount = fen_field(data, "amount")
    if amount is not None:
        return amount, lines or None
    if not lines:
        return left, None
    chosen = sum(order.lines[i].line_total_fen for i in lines)
    share = chosen * order.total_fen // max(1, sum(line.line_total_fen for line in order.lines))
    return min(left, share if order.discount_fen else chosen), lines


@bp.post("/s/<store_id>/orders/<order_id>/refund")
def refund(store_id: str, order_id: str):
    """Full, partial, by-line or reject refund through payments (``reason``; a reject names one of REJECT_REASONS),
    once per request key: the amount is worked out inside, so a repeat after the first refund answers it."""
    authorize(g.staff, Action.ORDERS_REFUND, store_id, amount_fen=0)  # role and store before any read
    data = form_or_json()
    sent = {name: data.get(name) for name in ("amount_fen", "amount_yuan", "reason", "reject")}
    sent["lines"] = request.form.getlist("line") if not request.is_json else data.get("lines")

    def work() -> dict:
        order = console().orders.get(store_id, order_id)
        amount, lines = _refund_amount(order, data)
        reason = str(data.get("reason", ""))[:80]
        if data.get("reject") and reason not in REJECT_REASONS:
            raise InvalidRequest("a reject names its reason", "请选择拒单原因", code="REJECT_REASON")
        authorize(g.staff, Action.ORDERS_REFUND, store_id, amount_fen=amount)
        payments = console().payments()
        refund = payments.refund(order_id, amount, reason=reason or "staff", by=f"staff:{g.staff.staff_id}",
                                 day_limit_fen=g.staff.order_day_refund_limit(), line_indexes=lines)
        audit("order.reject" if data.get("reject") else "order.refund", store_id, order_id, amount_fen=amount,
              reason=reason)
        return {"order_id": order_id, "refund": dict(vars(refund))}  # payments.Refund is a dataclass

    result = once("order.refund", store_id, order_id, sent, work)
    return answer(result, url_for("orders.detail", store_id=store_id, order_id=order_id))


@bp.post("/s/<store_id>/orders/<order_id>/stock-decision")
def stock_decision(store_id: str, order_id: str):
    """The store's answer to a stock shortfall on a paid order: ``substituted`` (made with a substitute) or
    ``refund_requested`` (the whole order refunded). Moves money, so once per request key; the refund is
    the full order, so a cashier needs a refund limit covering it."""
    from diancan.domain.stock import IssueStatus

    authorize(g.staff, Action.ORDERS_REFUND, store_id, amount_fen=0)  # role and store before any read
    data = form_or_json()
    decision = str(data.get("decision") or "")
    if decision not in (IssueStatus.SUBSTITUTED.value, IssueStatus.REFUND_REQUESTED.value):
        raise InvalidRequest("decision is substituted or refund_requested", "请选择换料或整单退款",
                             code="INVALID_DECISION")
    note = str(data.get("note") or "")[:80]

    def work() -> dict:
        order = console().orders.get(store_id, order_id)
        if decision == IssueStatus.REFUND_REQUESTED.value:
            authorize(g.staff, Action.ORDERS_REFUND, store_id, amount_fen=order.total_fen)
        stock = console().stock_decisions()(g.staff.staff_id)
        issue = stock.decide(order_id, IssueStatus(decision), by=g.staff.staff_id, note=note)
        audit("order.stock_decision", store_id, order_id, decision=decision,
              amount_fen=order.total_fen if decision == IssueStatus.REFUND_REQUESTED.value else None)
        return {"order_id": order_id, "decision": issue.status.value}

    result = once("order.stock_decision", store_id, order_id, {"decision": decision, "note": note}, work)
    return answer(result, url_for("orders.detail", store_id=store_id, order_id=order_id))


@bp.post("/s/<store_id>/orders/<order_id>/reprint")
@requires(Action.ORDERS_REPRINT)
def reprint(store_id: str, order_id: str):
    """Reprint one ticket (``ticket_id``), or every ticket of the order when none is named."""
    console().orders.get(store_id, order_id)
    printing = console().printing()
    wanted = str(form_or_json().get("ticket_id") or "")
    tickets = [wanted] if wanted else [job.ticket.ticket_id for job in console().print_jobs().of_order(order_id)]
    if not tickets:
        raise InvalidRequest("this order has no tickets yet", "该订单还没有小票", code="NO_TICKETS")
    jobs = [printing.reprint(order_id, ticket_id, f"staff:{g.staff.staff_id}") for ticket_id in tickets]
    audit("order.reprint", store_id, order_id, tickets=",".join(tickets))
    return answer({"order_id": order_id, "reprinted": [j.ticket.ticket_id for j in jobs]},
                  url_for("orders.detail", store_id=store_id, order_id=order_id))
