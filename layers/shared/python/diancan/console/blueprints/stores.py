"""Store profile, hours and tables (read here); stations and their printers from ``bootstrap.print_jobs().stations``
with each printer's live status (``bootstrap.printer().printer_status``); the owner's check of the store's
voucher hash chain (``diancan.services.payments.verify_chain``)."""

from __future__ import annotations

import logging

from flask import Blueprint, render_template

from diancan.adapters.printer import PrinterError
from diancan.console.blueprints.common import console, store_of
from diancan.console.security import audit, requires
from diancan.domain.errors import UpstreamUnavailable
from diancan.domain.staff import Action

bp = Blueprint("stores", __name__)
logger = logging.getLogger(__name__)
PRINTER_ZH = {"online": "在线", "offline": "离线", "no_paper": "异常（多为缺纸）", "unknown": "未知"}


def _printer_status(sns: set[str]) -> dict[str, str]:
    """sn → status in words; an unreachable printer service shows as unknown, never breaks the page."""
    printer = console().printer()
    found = {}
    for sn in sorted(sns):
        try:
            found[sn] = PRINTER_ZH[printer.printer_status(sn)]
        except (PrinterError, UpstreamUnavailable) as error:  # a refused sn, or the printer service down
            logger.info("printer status unavailable", extra={"printer_sn": sn, "error": type(error).__name__})
            found[sn] = PRINTER_ZH["unknown"]
    return found


def _devices(store_id: str) -> list[dict]:
    stations = console().print_jobs().stations(store_id)
    status = _printer_status({sn for s in stations for sn in (s.printer_sn, s.fallback_printer_sn) if sn})
    return [{**s.model_dump(mode="json"), "status": status.get(s.printer_sn),
             "fallback_status": status.get(s.fallback_printer_sn or "")} for s in stations]


@bp.get("/s/<store_id>/store")
@requires(Action.STORE_VIEW)
def page(store_id: str):
    return render_template("store.html", store=store_of(store_id), devices=_devices(store_id))


@bp.get("/api/s/<store_id>/printers")
@requires(Action.STORE_VIEW)
def printers(store_id: str):
    store_of(store_id)
    return {"devices": _devices(store_id) or []}


@bp.get("/s/<store_id>/verify-chain")
@requires(Action.CHAIN_VERIFY)
def verify(store_id: str):
    """Walk the store's voucher chain (one paged query) and name the first broken link, if any."""
    from diancan.services.payments import verify_chain

    result = verify_chain(console().payment_table(), store_of(store_id).store_id)
    audit("chain.verify", store_id, "", intact=result["intact"], vouchers=result["vouchers"])
    return render_template("verify_chain.html", store=store_of(store_id), result=result)
