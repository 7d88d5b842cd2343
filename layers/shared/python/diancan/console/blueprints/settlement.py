"""Daily settlement (日结) of a store: the day's money by method and channel, its reconciliation and differences
(each with its order), and the "close the day" action that seals it (``bootstrap.settlement_desk()``;
services/settlement.py). Managers and owners only: the figures are the store's takings."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, g, render_template, url_for

from diancan.console.blueprints.common import answer, console, store_of
from diancan.console.security import audit, requires
from diancan.domain.errors import InvalidRequest
from diancan.domain.staff import Action

bp = Blueprint("settlement", __name__)


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest("day is yyyy-mm-dd", "日期格式有误", code="INVALID_DAY") from None


@bp.get("/s/<store_id>/settlement")
@requires(Action.REPORTS_VIEW)
def days(store_id: str):
    store = store_of(store_id)
    recent = console().settlement_desk().recent(store.store_id)
    return render_template("settlement.html", store=store, recent=recent, doc=None, day=None)


@bp.get("/s/<store_id>/settlement/<day>")
@requires(Action.REPORTS_VIEW)
def day_page(store_id: str, day: str):
    store, asked = store_of(store_id), _day(day)
    doc = console().settlement_desk().view(store.store_id, asked)
    return render_template("settlement.html", store=store, recent=None, doc=doc, day=asked.isoformat())


@bp.post("/s/<store_id>/settlement/<day>/close")
@requires(Action.DAY_CLOSE)
def close(store_id: str, day: str):
    """Seal the day: its chain checkpoint set once and anchored outside the table; a second close is 409."""
    store, asked = store_of(store_id), _day(day)
    closed = console().settlement_desk().close(store.store_id, asked, f"staff:{g.staff.staff_id}")
    audit("day.close", store.store_id, asked.isoformat(), seq=closed["seal"]["seq"], net_fen=closed["net_fen"],
          status=closed["status"])
    return answer({"day": asked.isoformat(), "status": closed["status"], "seal": closed["seal"]},
                  url_for("settlement.day_page", store_id=store.store_id, day=asked.isoformat()))
