"""Cancel tickets (退单) on fakes: a refund or cancel after the kitchen tickets went out prints on the stations
that had the order, listing what to stop (a partial refund: its lines only, or its amount), once, with the
kitchen tickets' retry and fallback; the kitchen screen's tickets are voided or show the stopped lines."""

from __future__ import annotations

import pytest

from diancan.domain.events import OrderCancelled, OrderRefunded
from diancan.domain.exceptions import PrinterUnavailable
from diancan.domain.menu import Store
from diancan.domain.order_status import OrderStatus
from diancan.domain.printing import PrintSetup, PrintStatus
from diancan.domain.tickets import Station
from diancan.services.kitchen import ticket_view
from diancan.services.printing import PrintingService
from tests.services.scene import Scene, line, order, paid_event

pytestmark = pytest.mark.service

AT = "2026-11-24T04:31:00Z"
OID = "261124123000A1B2C3D4"
HOT = Station(station_id="hot", name="热菜", printer_sn="SN-HOT", fallback_printer_sn="SN-FRONT")
COLD = Station(station_id="cold", name="凉菜", printer_sn="SN-COLD")
BAR = Station(station_id="bar", name="水吧", printer_sn="SN-BAR")
FRONT = Station(station_id="front", name="前台", printer_sn="SN-FRONT", receipt=True)


@pytest.fixture
def scene():
    scene = Scene()
    scene.jobs.given_setup(PrintSetup(Store(store_id="sh-jingan", name="静安店"), [HOT, COLD, BAR, FRONT], {}))
    return scene


@pytest.fixture
def printing(scene):
    return PrintingService(scene.orders, scene.jobs, scene.printer, clock=scene.clock, max_receives=3)


def printed(scene, order_id=OID):
    """A paid order of a hot dish (x2) and a cold one, its tickets printed (the bar has nothing of it)."""
    o = scene.orders.given_order(order(order_id, status=OrderStatus.PAID, pickup_no=7, paid_at=AT, lines=[
        line(qty=2), line("拍黄瓜", price_fen=1200).model_copy(update={"station_id": "cold"})]))
    return o


def refunded(o, *, full=False, refund_no=None, amount_fen=1200, line_indexes=None) -> OrderRefunded:
    return OrderRefunded(order_id=o.order_id, store_id=o.store_id, at=AT, refund_no=refund_no or f"{o.order_id}R1",
                         amount_fen=amount_fen, full=full, food_made=False, reason="staff", line_indexes=line_indexes)


def cancel_prints(scene) -> dict[str, str]:
    return {sn: content for sn, content, _ in scene.printer.printed if "退单 CANCEL" in content}


def test_a_full_refund_after_printing_prints_a_cancel_ticket_on_each_station_that_had_the_order(scene, printing):
    o = printed(scene)
    printing.on_event(paid_event(o))
    jobs = printing.on_event(refunded(o, full=True, amount_fen=o.total_fen))
    assert [(job.ticket.kind, job.ticket.station.station_id, job.status) for job in jobs] == [
        ("cancel", "cold", PrintStatus.SENT), ("cancel", "hot", PrintStatus.SENT)]
    stops = cancel_prints(scene)
    assert set(stops) == {"SN-HOT", "SN-COLD"}  # not the bar (nothing of it there), not the receipt printer
    assert "宫保鸡丁" in stops["SN-HOT"] and "x2" in stops["SN-HOT"] and "拍黄瓜" not in stops["SN-HOT"]
    assert "拍黄瓜" in stops["SN-COLD"] and "取餐号 7" in stops["SN-COLD"]
    kitchen = [job for job in scene.jobs.of_order(o.order_id) if job.ticket.kind == "kitchen"]
    assert kitchen and all(job.voided_at is not None for job in kitchen)  # off the kitchen screen


def test_the_same_refund_again_or_a_cancel_after_it_prints_nothing_more(scene, printing):
    o = printed(scene)
    printing.on_event(paid_event(o))
    printing.on_event(refunded(o, full=True, amount_fen=o.total_fen))
    count = len(scene.printer.printed)
    assert len(cancel_prints(scene)) == 2
    printing.on_event(refunded(o, full=True, amount_fen=o.total_fen))
    printing.on_event(OrderCancelled(order_id=o.order_id, store_id=o.store_id, at=AT, reason="staff", paid=True))
    assert len(scene.printer.printed) == count


def test_a_partial_refund_of_named_lines_prints_those_lines_only_on_their_station(scene, printing):
    o = printed(scene)
    printing.on_event(paid_event(o))
    printing.on_event(refunded(o, line_indexes=[1]))
    assert list(cancel_prints(scene)) == ["SN-COLD"] and "拍黄瓜" in cancel_prints(scene)["SN-COLD"]
    cold = next(job for job in scene.jobs.of_order(o.order_id) if job.ticket_id.endswith("cold:r1:kitchen"))
    view = ticket_view(cold)
    assert cold.voided_at is not None and view["lines"][0]["cancelled_qty"] == 1  # its only line stopped
    hot = next(job for job in scene.jobs.of_order(o.order_id) if job.ticket_id.endswith("hot:r1:kitchen"))
    assert hot.voided_at is None and hot.cancelled == []


def test_a_later_full_refund_lists_only_what_the_partial_one_left(scene, printing):
    o = printed(scene)
    printing.on_event(paid_event(o))
    printing.on_event(refunded(o, line_indexes=[1]))
    printing.on_event(refunded(o, full=True, refund_no=f"{o.order_id}R2", amount_fen=o.total_fen - 1200))
    stops = [(sn, content) for sn, content, _ in scene.printer.printed if "退单 CANCEL" in content]
    assert [sn for sn, _ in stops] == ["SN-COLD", "SN-HOT"]  # the cold dish was stopped already


def test_a_partial_refund_of_an_amount_only_says_so_on_every_station_that_had_the_order(scene, printing):
    o = printed(scene)
    printing.on_event(paid_event(o))
    printing.on_event(refunded(o, amount_fen=500))
    stops = cancel_prints(scene)
    assert set(stops) == {"SN-HOT", "SN-COLD"}
    assert all("部分退款 5.00元" in content and "宫保鸡丁" not in content for content in stops.values())
    assert all(job.cancelled == [] and job.voided_at is None for job in scene.jobs.of_order(o.order_id))


def test_a_refund_before_any_kitchen_ticket_printed_prints_nothing(scene, printing):
    o = printed(scene)
    assert printing.on_event(refunded(o, full=True, amount_fen=o.total_fen)) == []
    assert scene.printer.printed == []


def test_a_cancel_ticket_has_the_kitchen_tickets_fallback_and_retry(scene, printing):
    o = printed(scene)
    printing.on_event(paid_event(o))
    scene.printer.offline.add("SN-HOT")
    printing.on_event(refunded(o, full=True, amount_fen=o.total_fen))
    assert "SN-FRONT" in cancel_prints(scene)  # the hot station's fallback
    scene.printer.offline.add("SN-COLD")  # no fallback: retried by SQS, then failed and flagged
    o2 = printed(scene, "261124123000A1B2C3D5")
    scene.printer.offline.discard("SN-COLD")
    printing.on_event(paid_event(o2))
    scene.printer.offline.add("SN-COLD")
    with pytest.raises(PrinterUnavailable):
        printing.on_event(refunded(o2, full=True, amount_fen=o2.total_fen), receive_count=1)
    scene.printer.offline.discard("SN-COLD")
    printing.on_event(refunded(o2, full=True, amount_fen=o2.total_fen), receive_count=2)
    again = [c for sn, c, _ in scene.printer.printed if sn == "SN-COLD" and "退单 CANCEL" in c and o2.order_id in c]
    assert len(again) == 1 and "补打" in again[0]  # the first send's outcome was unknown
