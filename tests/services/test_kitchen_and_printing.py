"""The kitchen on fakes: tickets print (on the fallback printer when the primary is down), the order moves
PAID → PREPARING → READY → COMPLETED once each, and every event goes out once however often a step repeats."""

from __future__ import annotations

import pytest

from diancan.domain.events import ORDER_READY
from diancan.domain.exceptions import PrinterUnavailable
from diancan.domain.menu import Store
from diancan.domain.order_status import OrderAction, OrderStatus, TransitionRefused
from diancan.domain.printing import PrintSetup, PrintStatus
from diancan.domain.tickets import Station
from diancan.services.completion import ORDER_COMPLETED, complete_order
from diancan.services.kitchen import KitchenBoard
from diancan.services.printing import PrintingService
from tests.services.scene import Scene, line, order, paid_event

pytestmark = pytest.mark.service

AT = "2026-11-24T04:31:00Z"
HOT = Station(station_id="hot", name="热菜", printer_sn="SN-HOT", fallback_printer_sn="SN-FRONT")
FRONT = Station(station_id="front", name="前台", printer_sn="SN-FRONT", receipt=True)


@pytest.fixture
def scene():
    scene = Scene()
    scene.jobs.given_setup(PrintSetup(Store(store_id="sh-jingan", name="静安店"), [HOT, FRONT], {"c-hot": "hot"}))
    return scene


@pytest.fixture
def printing(scene):
    return PrintingService(scene.orders, scene.jobs, scene.printer, clock=scene.clock, max_receives=3)


@pytest.fixture
def kitchen(scene):
    return KitchenBoard(scene.orders, scene.jobs, scene.bus, clock=scene.clock)


def paid(scene, order_id="261124123000A1B2C3D4", **fields):
    return scene.orders.given_order(order(order_id, status=OrderStatus.PAID, pickup_no=7, paid_at=AT,
                                          lines=[line(), line("拍黄瓜", price_fen=1200)], **fields))


def test_a_paid_order_prints_on_its_station_and_the_kitchen_starts(scene, printing):
    o = paid(scene)
    jobs = printing.on_event(paid_event(o))
    assert [(job.ticket.kind, job.status, job.printer_sn) for job in jobs] == [
        ("kitchen", PrintStatus.SENT, "SN-HOT"), ("receipt", PrintStatus.SENT, "SN-FRONT")]
    assert [sn for sn, _, _ in scene.printer.printed] == ["SN-HOT", "SN-FRONT"]
    assert scene.status(o.order_id) == "PREPARING"


class FailingOnce:
    """A bus whose first publish fails (the function dies between the move and its announcement)."""

    def __init__(self, bus) -> None:
        self.bus, self.failed = bus, False

    def publish(self, events) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("EventBridge down")
        self.bus.publish(events)


def preparing_events(scene) -> list[tuple[str, str]]:
    return [(e.order_id, e.by) for e in scene.world.events if e.name == "OrderPreparing"]


def test_tickets_out_announce_preparing_once_however_often_the_event_comes(scene):
    printing = PrintingService(scene.orders, scene.jobs, scene.printer, clock=scene.clock, bus=scene.bus)
    o = paid(scene)
    printing.on_event(paid_event(o))
    printing.on_event(paid_event(o))
    assert preparing_events(scene) == [(o.order_id, "system:print")]


def test_a_replay_announces_preparing_when_the_first_attempt_died_before_publishing(scene):
    bus = FailingOnce(scene.bus)
    printing = PrintingService(scene.orders, scene.jobs, scene.printer, clock=scene.clock, bus=bus)
    o = paid(scene)
    with pytest.raises(RuntimeError):
        printing.on_event(paid_event(o))
    assert scene.status(o.order_id) == "PREPARING" and preparing_events(scene) == []
    printing.on_event(paid_event(o))
    printing.on_event(paid_event(o))
    assert preparing_events(scene) == [(o.order_id, "system:print")]


def test_an_order_staff_accepted_meanwhile_is_not_announced_again_by_the_printer(scene):
    printing = PrintingService(scene.orders, scene.jobs, scene.printer, clock=scene.clock, bus=scene.bus)
    o = paid(scene)  # the printer read it PAID; staff accept it before the printer's move
    scene.orders.transition(o.order_id, o.mode, OrderAction.START, at=AT, by="staff:mgr")
    printing._start(o)
    assert scene.status(o.order_id) == "PREPARING" and preparing_events(scene) == []


def test_the_same_event_again_prints_nothing_twice(scene, printing):
    o = paid(scene)
    printing.on_event(paid_event(o))
    printed = list(scene.printer.printed)
    again = printing.on_event(paid_event(o))
    assert scene.printer.printed == printed
    assert [job.status for job in again] == [PrintStatus.SENT] * len(again)


def test_a_primary_printer_that_reports_offline_is_skipped_for_the_fallback(scene, printing):
    o = paid(scene)
    scene.printer.offline.add("SN-HOT")
    jobs = printing.on_event(paid_event(o))
    assert [(job.ticket.kind, job.printer_sn) for job in jobs] == [("kitchen", "SN-FRONT"), ("receipt", "SN-FRONT")]
    assert [sn for sn, _, _ in scene.printer.printed] == ["SN-FRONT", "SN-FRONT"]
    assert scene.status(o.order_id) == "PREPARING"


def test_no_printer_reachable_retries_then_fails_the_ticket_and_flags_the_order(scene, printing):
    o = paid(scene)
    scene.printer.offline.update({"SN-HOT", "SN-FRONT"})
    with pytest.raises(PrinterUnavailable):
        printing.on_event(paid_event(o), receive_count=1)
    assert scene.status(o.order_id) == "PAID" and "NOT_PRINTED" not in scene.world.order(o.order_id).flags
    with pytest.raises(PrinterUnavailable):
        printing.on_event(paid_event(o), receive_count=3)  # the last delivery of the event
    assert {job.status for job in scene.jobs.of_order(o.order_id)} == {PrintStatus.FAILED}
    assert "NOT_PRINTED" in scene.world.order(o.order_id).flags


def test_an_unpaid_order_does_not_print(scene, printing):
    o = scene.orders.given_order(order())
    assert printing.on_event(paid_event(o)) == []
    assert scene.printer.printed == []


def test_bumping_every_kitchen_ticket_makes_the_order_ready_and_tells_the_guest_once(scene, printing, kitchen):
    o = paid(scene)
    kitchen_jobs = [j for j in printing.on_event(paid_event(o)) if j.ticket.kind == "kitchen"]
    assert kitchen_jobs
    answers = [kitchen.bump(o.order_id, job.ticket_id, "staff:cook") for job in kitchen_jobs]
    assert answers[-1]["order_ready"] and answers[-1]["order_status"] == "READY"
    assert scene.world.event_names() == [ORDER_READY]
    kitchen.bump(o.order_id, kitchen_jobs[0].ticket_id, "staff:cook")
    assert kitchen.call_number(o.order_id, "staff:front")["status"] == "READY"
    assert scene.world.event_names() == [ORDER_READY]


def test_calling_a_number_the_printer_was_slower_than_the_cook_starts_then_readies(scene, kitchen):
    o = paid(scene)
    answer = kitchen.call_number(o.order_id, "staff:front")
    assert (answer["status"], answer["speech"]) == ("READY", "请7号顾客取餐")
    assert [h.status for h in scene.world.order(o.order_id).history] == ["PREPARING", "READY"]


def test_completing_publishes_order_completed_once_and_a_replay_nothing(scene, kitchen):
    o = paid(scene)
    kitchen.call_number(o.order_id, "staff:front")
    first = complete_order(scene.orders, scene.bus, o, at=AT, by="staff:front")
    again = complete_order(scene.orders, scene.bus, o, at=AT, by="staff:front")
    assert (first.applied, again.applied) == (True, False)
    assert scene.status(o.order_id) == "COMPLETED"
    assert scene.world.event_names() == [ORDER_READY, ORDER_COMPLETED]


def test_a_replayed_completion_publishes_what_the_first_attempt_did_not(scene, kitchen):
    o = paid(scene)
    kitchen.call_number(o.order_id, "staff:front")
    scene.orders.transition(o.order_id, o.mode, OrderAction.COMPLETE, at=AT)  # completed, then the process died
    complete_order(scene.orders, scene.bus, o, at=AT, by="staff:front")
    assert scene.world.event_names() == [ORDER_READY, ORDER_COMPLETED]


def test_an_order_not_ready_cannot_be_completed_and_stays_as_it_was(scene):
    o = paid(scene)
    with pytest.raises(TransitionRefused):
        complete_order(scene.orders, scene.bus, o, at=AT, by="staff:front")
    assert scene.status(o.order_id) == "PAID" and scene.world.events == []


def test_a_released_pre_order_joins_the_open_tickets_from_its_release_not_from_its_payment(scene):
    from diancan.domain.events import OrderReleased
    from tests.services.fakes import FakeServiceStates

    states = FakeServiceStates(scene.world)
    printing = PrintingService(scene.orders, scene.jobs, scene.printer, clock=scene.clock, max_receives=3,
                               service_states=states)
    o = scene.orders.given_order(order("261123170000A1B2C3D4", status=OrderStatus.PAID, pickup_no=7, lines=[line()],
                                       paid_at="2026-11-23T09:00:00Z", release_at=AT,
                                       pickup_at="2026-11-24T04:51:00Z"))
    printing.on_event(OrderReleased(order_id=o.order_id, store_id=o.store_id, at=AT, mode=o.mode,
                                    total_fen=o.total_fen, pickup_no=7, pickup_at=o.pickup_at))
    [entered] = states.read(o.store_id).tickets  # paid yesterday: counted from then it would be dropped as stale
    assert (entered.order_id, entered.at) == (o.order_id, AT)
