"""Orders nobody accepts, on fakes: a store that accepts by hand gets the sweeper's two tasks when the order's
OrderPaid reaches printing; the alarm goes out once and only while the order waits; the automatic refund is the
ordinary full refund (reason not_accepted), never of an order accepted meanwhile."""

from __future__ import annotations

import pytest

from diancan.domain.menu import Store
from diancan.domain.order_status import OrderAction, OrderStatus
from diancan.domain.printing import PrintSetup
from diancan.domain.tickets import Station
from diancan.services.printing import PrintingService
from tests.services.scene import Scene, order, paid_event

pytestmark = pytest.mark.service

HOT = Station(station_id="hot", name="热菜", printer_sn="SN-HOT")


class Alerts:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict]] = []

    def publish(self, kind: str, subject: str, detail: dict) -> None:
        self.sent.append((kind, subject, detail))


@pytest.fixture
def scene():
    return Scene()


@pytest.fixture
def alerts():
    return Alerts()


@pytest.fixture
def payments(scene, alerts):
    return scene.payments(alerts=alerts)


def setup(scene, **settings) -> PrintingService:
    scene.jobs.given_setup(PrintSetup(Store(store_id="sh-jingan", name="静安店", settings=settings), [HOT], {}))
    return PrintingService(scene.orders, scene.jobs, scene.printer, clock=scene.clock, due_work=scene.ledger)


def waiting(scene, order_id="261124123000A1B2C3D4"):
    return scene.orders.given_order(order(order_id, status=OrderStatus.PAID, pickup_no=9, paid_at="2026-11-24T04:30:00Z",
                                          paid_fen=3800, transaction_id="4200000001"))


def test_a_store_that_accepts_by_hand_gets_the_alarm_and_the_timeout_due_at_its_minutes(scene):
    printing = setup(scene, print_when="accept", unaccepted={"alarm_after_min": 3, "cancel_after_min": 8})
    o = waiting(scene)
    assert printing.on_event(paid_event(o)) == []  # nothing prints before it is accepted
    assert scene.world.sweeps == [("2026-11-24T04:33", "accept_alarm", o.order_id, None),
                                  ("2026-11-24T04:38", "accept_timeout", o.order_id, None)]


def test_a_pre_order_paid_ahead_is_watched_from_its_release_and_its_wait_counted_from_there(scene, payments,
                                                                                           alerts):
    from diancan.domain.events import OrderPaid, OrderReleased

    printing = setup(scene, print_when="accept", unaccepted={"alarm_after_min": 3, "cancel_after_min": 8})
    o = scene.orders.given_order(order(status=OrderStatus.PAID, pickup_no=9, paid_at="2026-11-23T09:00:00Z",
                                       release_at="2026-11-24T04:30:00Z", pickup_at="2026-11-24T04:50:00Z",
                                       paid_fen=3800, transaction_id="4200000001"))
    ahead = OrderPaid(order_id=o.order_id, store_id=o.store_id, at="2026-11-23T09:00:00Z", mode=o.mode,
                      total_fen=o.total_fen, transaction_id="4200000001", pickup_no=9, release_at=o.release_at)
    assert printing.on_event(ahead) == [] and scene.world.sweeps == []  # paid yesterday: nobody can accept it yet
    released = OrderReleased(order_id=o.order_id, store_id=o.store_id, at="2026-11-24T04:30:00Z", mode=o.mode,
                             total_fen=o.total_fen, pickup_no=9, pickup_at=o.pickup_at)
    assert printing.on_event(released) == []
    assert scene.world.sweeps == [("2026-11-24T04:33", "accept_alarm", o.order_id, None),
                                  ("2026-11-24T04:38", "accept_timeout", o.order_id, None)]
    scene.now = scene.now.replace(minute=33)
    assert payments.alarm_unaccepted(o.order_id) == "alarmed"
    assert alerts.sent[0][2]["waited_min"] == 3  # since its release, not since yesterday's payment


def test_a_store_that_prints_on_payment_is_not_watched(scene):
    printing = setup(scene, print_when="payment")
    printing.on_event(paid_event(waiting(scene)))
    assert [task for _, task, _, _ in scene.world.sweeps if task.startswith("accept_")] == []


def test_the_alarm_goes_out_once_and_not_for_an_accepted_order(scene, payments, alerts):
    o = waiting(scene)
    assert payments.alarm_unaccepted(o.order_id) == "alarmed"
    assert payments.alarm_unaccepted(o.order_id) == "replay"
    [(kind, _, detail)] = alerts.sent
    assert (kind, detail["order_id"], detail["pickup_no"]) == ("order_unaccepted", o.order_id, 9)
    other = waiting(scene, "261124123000A1B2C3D5")
    scene.orders.transition(other.order_id, other.mode, OrderAction.START, at="2026-11-24T04:31:00Z", by="staff:1")
    assert payments.alarm_unaccepted(other.order_id) == "accepted" and len(alerts.sent) == 1


def test_the_timeout_refunds_the_whole_order_through_the_ordinary_refund(scene, payments):
    o = waiting(scene)
    assert payments.refund_unaccepted(o.order_id) == "auto_refunded"
    [refund] = scene.ledger.refunds(o.order_id)
    assert (refund.amount_fen, refund.reason, refund.requested_by) == (3800, "not_accepted", "system:accept_timeout")
    assert scene.status(o.order_id) == "REFUNDING"  # REFUNDED when WeChat Pay confirms
    assert payments.refund_unaccepted(o.order_id) == "accepted"  # a second run refunds nothing more
    assert len(scene.ledger.refunds(o.order_id)) == 1


def test_the_timeout_leaves_an_order_accepted_meanwhile_alone(scene, payments):
    o = waiting(scene)
    scene.orders.transition(o.order_id, o.mode, OrderAction.START, at="2026-11-24T04:40:00Z", by="staff:1")
    assert payments.refund_unaccepted(o.order_id) == "accepted"
    assert scene.ledger.refunds(o.order_id) == [] and scene.status(o.order_id) == "PREPARING"
