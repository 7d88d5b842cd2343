"""Cashiers' shifts: open with a float, close with the cash counted, the handover printed at the counter and kept.

Closing reads the store's voucher chain between the shift's opening and closing positions and the cashier's
audited actions of the period, computes the handover (domain/shifts.py) and writes the closed shift on the
condition that it is still open: a double click, a retried request or two people closing at once close it
once and all get the same handover back. Printing comes after the write, so a dead printer never keeps a
shift open; its outcome is kept on the shift and the console offers "print again".
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from diancan.adapters.staff_table import AuditEntry
from diancan.domain.clock import BUSINESS_TZ_DEFAULT, iso, utcnow
from diancan.domain.errors import DomainError, InvalidRequest
from diancan.domain.exceptions import PrinterError
from diancan.domain.shifts import (
    MAX_COUNTED_FEN,
    MAX_FLOAT_FEN,
    Shift,
    ShiftNotFound,
    ShiftStatus,
    StaffMove,
    authorize_shift,
    handover,
    sees_every_shift,
    shift_id_for,
)
from diancan.domain.staff import Action, Staff
from diancan.domain.ticket_render import render_handover
from diancan.services.ports import AuditTrail, ShiftBook, VoucherChain

logger = logging.getLogger(__name__)


class CounterPrinter(Protocol):
    """``PrintingService.print_at_counter``: a sheet on the store's receipt printer."""

    def print_at_counter(self, store_id: str, render: Callable[[str, int], str], what: str) -> str: ...


def _amount(value: int, most: int, name: str) -> int:
    if not 0 <= value <= most:
        raise InvalidRequest(f"{name} must be between 0 and {most} fen", "金额超出范围", code="INVALID_AMOUNT",
                             details={"field": name})
    return value


class ShiftService:
    def __init__(self, shifts: ShiftBook, chain: VoucherChain, audit: AuditTrail,
                 printer: Callable[[], CounterPrinter], *, tz: str = BUSINESS_TZ_DEFAULT,
                 clock: Callable[[], datetime] = utcnow, token: Callable[[], str] = lambda: secrets.token_hex(3)) -> None:
        self._shifts = shifts
        self._chain = chain
        self._audit = audit
        self._printer = printer  # built on first print (the printer's credentials)
        self._tz = tz
        self._clock = clock
        self._token = token

    def open(self, actor: Staff, store_id: str, float_fen: int, cashier: Staff | None = None) -> Shift:
        """Open ``cashier``'s shift (``actor``'s own by default) with ``float_fen`` in the drawer."""
        cashier = cashier or actor
        authorize_shift(actor, store_id, cashier.staff_id)
        if not cashier.can(Action.SHIFTS_OWN, store_id):
            raise InvalidRequest("this person does not work the counter of this store", "该员工不在本店收银",
                                 code="NOT_A_CASHIER_HERE", details={"staff_id": cashier.staff_id})
        now = iso(self._clock())
        shift = Shift(store_id=store_id, shift_id=shift_id_for(now, self._token()), staff_id=cashier.staff_id,
                      staff_name=cashier.name, float_fen=_amount(float_fen, MAX_FLOAT_FEN, "float_fen"),
                      opened_at=now, opened_by=actor.staff_id, opened_seq=self._chain.chain_seq(store_id))
        self._shifts.open(shift)
        self._audit.append(AuditEntry(store_id, actor.staff_id, "shift.open", shift.shift_id, now,
                                      {"cashier": cashier.staff_id}, shift.float_fen))
        return shift

    def close(self, actor: Staff, store_id: str, shift_id: str, counted_fen: int) -> Shift:
        """Close the shift with the cash counted; once only: a closed shift is answered as it was closed."""
        shift = self.get(actor, store_id, shift_id)
        counted = _amount(counted_fen, MAX_COUNTED_FEN, "counted_fen")
        if not shift.is_open:
            return shift
        now = iso(self._clock())
        closed_seq = self._chain.chain_seq(store_id)
        vouchers = self._chain.vouchers_between(store_id, shift.opened_seq, closed_seq)
        moves = [StaffMove(action=e.action, target=e.target, at=e.at, amount_fen=e.amount_fen)
                 for e in self._audit.between(store_id, shift.opened_at, now) if e.staff_id == shift.staff_id]
        closed = shift.model_copy(update={"status": ShiftStatus.CLOSED, "closed_at": now, "closed_by": actor.staff_id,
                                          "closed_seq": closed_seq,
                                          "handover": handover(shift, vouchers, moves, counted)})
        if not self._shifts.close(closed):
            return self.get(actor, store_id, shift_id)  # closed meanwhile by another click: theirs stands
        sheet = closed.handover
        self._audit.append(AuditEntry(store_id, actor.staff_id, "shift.close", shift_id, now,
                                      {"cashier": shift.staff_id, "difference_fen": sheet.difference_fen},
                                      counted))
        return self.print(actor, store_id, closed)

    def print(self, actor: Staff, store_id: str, shift: Shift | str) -> Shift:
        """Print a closed shift's handover at the counter and keep the outcome on the shift."""
        if isinstance(shift, str):
            shift = self.get(actor, store_id, shift)
        if shift.is_open:
            raise InvalidRequest("a shift prints its handover once it is closed", "班次未交班，无法打印交班单",
                                 code="SHIFT_OPEN")
        try:
            self._printer().print_at_counter(
                store_id, lambda name, columns: render_handover(shift, name, columns, self._tz), shift.shift_id)
            done = shift.model_copy(update={"printed_at": iso(self._clock()), "print_error": ""})
        except (DomainError, PrinterError) as error:
            logger.warning("handover not printed", extra={"shift_id": shift.shift_id,
                                                          "error": getattr(error, "code", type(error).__name__)})
            done = shift.model_copy(update={"print_error": getattr(error, "code", "") or "PRINTER_ERROR"})
        self._shifts.record_print(done)
        return done

    def get(self, actor: Staff, store_id: str, shift_id: str) -> Shift:
        shift = self._shifts.get(store_id, shift_id)
        if shift is None:
            raise ShiftNotFound()
        authorize_shift(actor, store_id, shift.staff_id)
        return shift

    def current(self, actor: Staff, store_id: str) -> Shift | None:
        """The actor's own open shift in the store, if any."""
        return self._shifts.open_shift_of(store_id, actor.staff_id)

    def visible(self, actor: Staff, store_id: str, limit: int = 30) -> list[Shift]:
        """The store's recent shifts the actor may see: a manager all, a cashier their own."""
        shifts = self._shifts.recent(store_id, limit)
        if sees_every_shift(actor, store_id):
            return shifts
        return [s for s in shifts if s.staff_id == actor.staff_id]
