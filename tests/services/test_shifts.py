"""Shift handover on fakes: a cashier's counter takings from the voucher chain, refunds and voids from their
audited actions, the cash difference (a shortage shows as negative), one close however often it is pressed,
and who may open and close whose shift."""

from __future__ import annotations

from datetime import timedelta

import pytest

from diancan.adapters.staff_table import AuditEntry
from diancan.domain.clock import iso
from diancan.domain.errors import Forbidden
from diancan.domain.menu import Store
from diancan.domain.printing import PrintSetup
from diancan.domain.shifts import ShiftAlreadyOpen, ShiftStatus
from diancan.domain.staff import Role, Staff
from diancan.domain.tickets import Station
from diancan.services.printing import PrintingService
from diancan.services.shifts import ShiftService
from tests.services.fakes import FakeAuditTrail, FakeShiftBook, FakeVoucherChain
from tests.services.scene import TZ, Scene, order

pytestmark = pytest.mark.service

STORE = "sh-jingan"
FRONT = Station(station_id="front", name="前台", printer_sn="SN-FRONT", receipt=True)
HOT = Station(station_id="hot", name="热菜", printer_sn="SN-HOT")
CASHIER = Staff(staff_id="cashier-a", login="cashier-a", name="小王", role=Role.CASHIER, store_ids=(STORE,))
OTHER_CASHIER = Staff(staff_id="cashier-b", login="cashier-b", name="小李", role=Role.CASHIER, store_ids=(STORE,))
MANAGER = Staff(staff_id="manager", login="manager", name="店长", role=Role.MANAGER, store_ids=(STORE,))


@pytest.fixture
def scene():
    scene = Scene()
    scene.jobs.given_setup(PrintSetup(Store(store_id=STORE, name="静安店"), [HOT, FRONT], {}))
    return scene


@pytest.fixture
def shifts(scene):
    printing = PrintingService(scene.orders, scene.jobs, scene.printer, clock=scene.clock)
    return ShiftService(FakeShiftBook(scene.world), FakeVoucherChain(scene.world), FakeAuditTrail(scene.world),
                        lambda: printing, tz=TZ, clock=scene.clock)


def paid_at_counter(scene, order_id: str, method: str, amount_fen: int, by: str) -> None:
    scene.orders.given_order(order(order_id, total_fen=amount_fen, items_fen=amount_fen))
    scene.ledger.mark_paid_at_counter(order_id=order_id, store_id=STORE, day="2026-11-24", amount_fen=amount_fen,
                                      method=method, at=iso(scene.now), by=by)


def later(scene, minutes: int = 1) -> None:
    scene.now += timedelta(minutes=minutes)


def test_a_handover_with_a_cash_shortage_shows_it_and_prints_it_at_the_counter(scene, shifts):
    shift = shifts.open(CASHIER, STORE, 50000)
    later(scene)
    paid_at_counter(scene, "O-CASH-1", "cash", 3800, CASHIER.staff_id)
    paid_at_counter(scene, "O-CASH-2", "cash", 6200, CASHIER.staff_id)
    paid_at_counter(scene, "O-CARD-1", "card", 9900, CASHIER.staff_id)
    paid_at_counter(scene, "O-OTHER-CASHIER", "cash", 100000, OTHER_CASHIER.staff_id)  # not this drawer
    scene.world.audit += [
        AuditEntry(STORE, CASHIER.staff_id, "order.refund", "O-WX-9", iso(scene.now), {}, 1500),
        AuditEntry(STORE, CASHIER.staff_id, "order.reject", "O-WX-10", iso(scene.now), {}, 2000),
        AuditEntry(STORE, OTHER_CASHIER.staff_id, "order.refund", "O-WX-11", iso(scene.now), {}, 700),
    ]
    later(scene, 60)

    closed = shifts.close(CASHIER, STORE, shift.shift_id, 50000 + 3800 + 6200 - 1000)  # ten yuan missing

    sheet = closed.handover
    assert closed.status is ShiftStatus.CLOSED
    assert sheet.takings_fen == {"card": 9900, "cash": 10000}
    assert sheet.takings_total_fen == 19900
    assert sheet.expected_cash_fen == 60000
    assert sheet.difference_fen == -1000
    assert [r.order_id for r in sheet.refunds] == ["O-WX-9", "O-WX-10"] and sheet.refunds_fen == 3500
    assert [v.order_id for v in sheet.voids] == ["O-WX-10"]
    assert sheet.orders == ["O-CASH-1", "O-CASH-2", "O-CARD-1", "O-WX-9", "O-WX-10"]
    [(printer_sn, content, _)] = scene.printer.printed
    assert printer_sn == "SN-FRONT" and "交班单" in content and "短款" in content and "-10.00" in content
    assert closed.printed_at and scene.world.shifts[(STORE, shift.shift_id)].printed_at


def test_closing_twice_closes_once_and_answers_the_first_handover(scene, shifts):
    shift = shifts.open(CASHIER, STORE, 10000)
    later(scene)
    first = shifts.close(CASHIER, STORE, shift.shift_id, 10000)
    later(scene)
    second = shifts.close(CASHIER, STORE, shift.shift_id, 5)

    assert second == first and second.handover.counted_cash_fen == 10000
    assert len(scene.printer.printed) == 1
    assert [e.action for e in scene.world.audit].count("shift.close") == 1


def test_one_open_shift_per_cashier_and_a_new_one_after_the_handover(scene, shifts):
    shift = shifts.open(CASHIER, STORE, 0)
    with pytest.raises(ShiftAlreadyOpen):
        shifts.open(CASHIER, STORE, 0)
    shifts.close(CASHIER, STORE, shift.shift_id, 0)
    later(scene)
    assert shifts.open(CASHIER, STORE, 0).shift_id != shift.shift_id


def test_a_cashier_closes_only_their_own_shift_a_manager_any(scene, shifts):
    mine = shifts.open(CASHIER, STORE, 0)
    theirs = shifts.open(MANAGER, STORE, 2000, OTHER_CASHIER)
    assert theirs.staff_id == OTHER_CASHIER.staff_id and theirs.opened_by == MANAGER.staff_id

    with pytest.raises(Forbidden):
        shifts.close(CASHIER, STORE, theirs.shift_id, 2000)
    with pytest.raises(Forbidden):
        shifts.open(CASHIER, STORE, 0, OTHER_CASHIER)
    assert shifts.close(MANAGER, STORE, theirs.shift_id, 2000).closed_by == MANAGER.staff_id
    assert [s.shift_id for s in shifts.visible(CASHIER, STORE)] == [mine.shift_id]
    assert len(shifts.visible(MANAGER, STORE)) == 2


def test_a_dead_printer_does_not_keep_the_shift_open_and_it_prints_again_later(scene, shifts):
    shift = shifts.open(CASHIER, STORE, 0)
    scene.printer.offline.add("SN-FRONT")
    closed = shifts.close(CASHIER, STORE, shift.shift_id, 0)
    assert closed.status is ShiftStatus.CLOSED and closed.printed_at is None and closed.print_error

    scene.printer.offline.clear()
    printed = shifts.print(CASHIER, STORE, shift.shift_id)
    assert printed.printed_at and not printed.print_error
    assert scene.world.shifts[(STORE, shift.shift_id)].printed_at == printed.printed_at


def test_only_the_vouchers_of_the_shift_count(scene, shifts):
    paid_at_counter(scene, "O-BEFORE", "cash", 5000, CASHIER.staff_id)
    shift = shifts.open(CASHIER, STORE, 0)
    paid_at_counter(scene, "O-DURING", "cash", 700, CASHIER.staff_id)
    closed = shifts.close(CASHIER, STORE, shift.shift_id, 700)
    paid_at_counter(scene, "O-AFTER", "cash", 900, CASHIER.staff_id)

    assert closed.handover.orders == ["O-DURING"] and closed.handover.difference_fen == 0
    assert shifts.close(CASHIER, STORE, shift.shift_id, 700).handover.orders == ["O-DURING"]


