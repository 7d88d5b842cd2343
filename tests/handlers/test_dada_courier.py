"""DadaCourier against the Dada simulator over loopback HTTP, callbacks included."""

from __future__ import annotations

import json
import queue
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
import requests
from flask import Flask, request

from diancan.adapters.courier import (
    CallbackRejected,
    CourierError,
    CourierOrder,
    CourierUnavailable,
    DadaCourier,
    dada_callback_signature,
)
from diancan.domain.delivery import CourierStatus, DeliveryHistory, GeoPoint
from local.serve import serving
from local.simulators.dada import DadaSimulator, along, create_app, route

pytestmark = pytest.mark.handlers

APP_KEY, APP_SECRET, SOURCE_ID, SHOP_NO = "test-app", "test-secret", "73753", "11047059"
THE_BUND = GeoPoint(31.2400, 121.4900)


class CallbackInbox:
    """A stand-in for courier_callback: keeps each raw body and query string Dada posts, one mailbox per
    test so that late callbacks of an earlier test never reach the next one."""

    def __init__(self) -> None:
        self.mailboxes: dict[str, queue.Queue[tuple[str, dict[str, str]]]] = defaultdict(queue.Queue)
        self.app = Flask(__name__)
        self.app.add_url_rule("/courier/dada/<mailbox>", "dada", self._receive, methods=["POST"])

    def _receive(self, mailbox: str) -> tuple[str, int]:
        self.mailboxes[mailbox].put((request.get_data(as_text=True), request.args.to_dict()))
        return "ok", 200


@dataclass
class Mailbox:
    url: str
    received: queue.Queue[tuple[str, dict[str, str]]]

    def take(self) -> tuple[str, dict[str, str]]:
        return self.received.get(timeout=5)


@pytest.fixture(scope="module")
def sim() -> DadaSimulator:
    return DadaSimulator(app_key=APP_KEY, app_secret=APP_SECRET, source_id=SOURCE_ID, step_seconds=None)


@pytest.fixture(scope="module")
def dada_url(sim: DadaSimulator) -> Iterator[str]:
    with serving(create_app(sim)) as server:
        yield server.base_url


@pytest.fixture(scope="module")
def callback_server() -> Iterator[tuple[CallbackInbox, str]]:
    box = CallbackInbox()
    with serving(box.app) as server:
        yield box, server.base_url


@pytest.fixture
def inbox(callback_server: tuple[CallbackInbox, str]) -> Mailbox:
    box, base_url = callback_server
    name = uuid.uuid4().hex
    return Mailbox(url=f"{base_url}/courier/dada/{name}", received=box.mailboxes[name])


@pytest.fixture(autouse=True)
def fresh_simulator(sim: DadaSimulator) -> None:
    sim.reset()
    sim.step_seconds, sim.ride_seconds = None, None


@pytest.fixture
def make_courier(dada_url: str) -> Callable[..., DadaCourier]:
    def make(**overrides: object) -> DadaCourier:
        settings = {"app_key": APP_KEY, "app_secret": APP_SECRET, "source_id": SOURCE_ID, "shop_no": SHOP_NO,
                    "api_base": dada_url, "timeout": 2.0, **overrides}
        return DadaCourier(**settings)
    return make


@pytest.fixture
def courier(make_courier: Callable[..., DadaCourier]) -> DadaCourier:
    return make_courier(callback_secret="callback-token-secret")


@pytest.fixture
def make_order(courier: DadaCourier, inbox: Mailbox) -> Callable[..., CourierOrder]:
    def make(origin_id: str = "D20261124001", **overrides: object) -> CourierOrder:
        order = CourierOrder(origin_id=origin_id, city_code="021", cargo_fen=12345, receiver_name="王女士",
                             receiver_address="上海市黄浦区中山东一路 1 号", receiver_phone="13812345678",
                             receiver_point=THE_BUND, callback_url=courier.callback_url(inbox.url, origin_id),
                             pickup_mark="A012")
        return replace(order, **overrides)
    return make


def qa(dada_url: str, action: str, origin_id: str) -> None:
    """Drive the sandbox like Dada's QA routes, with a properly signed envelope."""
    signer = DadaCourier(APP_KEY, APP_SECRET, SOURCE_ID, SHOP_NO, dada_url)
    answer = requests.post(f"{dada_url}/api/order/{action}", json=signer._envelope({"order_id": origin_id}),
                           timeout=5).json()
    assert answer["status"] == "success", answer


def test_a_signed_envelope_is_accepted_and_a_wrong_secret_is_refused(make_courier, make_order, sim) -> None:
    assert make_courier().quote(make_order()).fee_fen > 0
    with pytest.raises(CourierError) as refused:
        make_courier(app_secret="not-the-secret").add_order(make_order())
    assert "签名" in refused.value.msg
    assert sim.orders == {}


def test_a_quote_can_be_placed_and_then_waits_for_a_rider(courier, make_order, sim) -> None:
    quote = courier.quote(make_order())
    booking = courier.place(quote)
    assert (booking.fee_fen, booking.distance_m) == (quote.fee_fen, quote.distance_m) == (500, quote.distance_m)
    assert 2000 < quote.distance_m < 3000 and quote.platform_order_no
    assert courier.status("D20261124001").update.status is CourierStatus.WAITING_RIDER


def test_a_quote_cannot_be_placed_twice(courier, make_order) -> None:
    quote = courier.quote(make_order())
    courier.place(quote)
    with pytest.raises(CourierError):
        courier.place(quote)


def test_cargo_price_and_tips_reach_dada_as_exact_yuan(courier, make_order, sim) -> None:
    courier.add_order(make_order(cargo_fen=1, tip_fen=10))
    body = sim.orders["D20261124001"].body
    assert (body["cargo_price"], body["tips"]) == (Decimal("0.01"), Decimal("0.1"))
    courier.add_order(make_order("D20261124002", cargo_fen=1999999))
    assert sim.orders["D20261124002"].body["cargo_price"] == Decimal("19999.99")


def test_dada_refuses_a_second_add_order_for_the_same_origin_id(courier, make_order, sim) -> None:
    courier.add_order(make_order())
    with pytest.raises(Exception, match="订单已存在"):
        sim.add_order(dict(sim.orders["D20261124001"].body))


def test_a_retried_add_order_for_a_live_delivery_counts_as_booked(courier, make_order, sim) -> None:
    first = courier.add_order(make_order())
    again = courier.add_order(make_order())
    assert again.fee_fen == first.fee_fen and list(sim.orders) == ["D20261124001"]


def test_add_order_after_a_cancel_is_refused_and_re_add_publishes_again(courier, make_order, sim) -> None:
    courier.add_order(make_order())
    courier.cancel("D20261124001", 36)
    with pytest.raises(CourierError):
        courier.add_order(make_order())
    courier.re_add(make_order())
    assert courier.status("D20261124001").update.status is CourierStatus.WAITING_RIDER


def test_a_timed_out_add_order_whose_request_landed_is_booked_by_the_retry(make_courier, make_order, sim) -> None:
    sim.add_faults({"slow_calls": 1, "slow_seconds": 1.0})  # the simulator books, then answers after 1 s
    with pytest.raises(CourierUnavailable):
        make_courier(timeout=0.2).add_order(make_order())
    landed(sim, "D20261124001")  # the retry comes after the first request landed, however busy the machine
    assert make_courier().add_order(make_order()).fee_fen == 500
    assert list(sim.orders) == ["D20261124001"]


def landed(sim: DadaSimulator, origin_id: str) -> None:
    """Wait until the simulator has booked the order (its request thread may not have run yet)."""
    deadline = time.monotonic() + 10
    while origin_id not in sim.orders:
        assert time.monotonic() < deadline, f"the addOrder request for {origin_id} never reached the simulator"
        time.sleep(0.01)


def test_server_errors_and_refused_connections_are_unavailable_not_refusals(make_courier, make_order, sim) -> None:
    sim.add_faults({"fail_calls": 1})
    with pytest.raises(CourierUnavailable):
        make_courier().quote(make_order())
    with pytest.raises(CourierUnavailable):
        make_courier(api_base="http://127.0.0.1:9").quote(make_order())


def test_status_shows_the_rider_and_position_once_accepted(courier, make_order, dada_url) -> None:
    courier.add_order(make_order())
    qa(dada_url, "accept", "D20261124001")
    qa(dada_url, "fetch", "D20261124001")
    tracking = courier.status("D20261124001")
    assert tracking.update.status is CourierStatus.PICKED_UP
    assert tracking.update.rider and tracking.update.rider.name and len(tracking.update.rider.phone) == 11
    assert tracking.rider_point is not None and (tracking.fee_fen, tracking.distance_m) == (500, tracking.distance_m)


def test_a_delivering_rider_rides_a_street_path_from_the_shop_told_by_the_status_query_only(
        courier, make_order, dada_url, sim, inbox, monkeypatch) -> None:
    courier.add_order(make_order())
    qa(dada_url, "accept", "D20261124001")
    qa(dada_url, "fetch", "D20261124001")
    sim.ride_seconds = 100.0
    order = sim.orders["D20261124001"]
    path = route(order.shop_point, order.receiver_point)
    now = time.time()
    monkeypatch.setattr(sim, "clock", lambda: now)  # the simulator's clock stands still: how long the status
    seen = []  # query takes (a busy machine) must not move the rider
    for share in (0.1, 0.5, 0.9):  # as if the ride began 10, 50 and 90 seconds ago
        order.timeline[-1] = (3, now - 100.0 * share)
        point = courier.status("D20261124001").rider_point
        assert point is not None and point == pytest.approx(along(path, share), abs=2e-6)
        seen.append(point)
    shop = GeoPoint(*order.shop_point)
    assert seen[0].lng == pytest.approx(shop.lng) and seen[2].lng == pytest.approx(THE_BUND.lng)  # streets, not a beeline
    assert [round(abs(p.lat - shop.lat) + abs(p.lng - shop.lng), 6) for p in seen] == sorted(
        round(abs(p.lat - shop.lat) + abs(p.lng - shop.lng), 6) for p in seen)
    callbacks = [json.loads(inbox.take()[0]) for _ in range(3)]  # waiting, accepted, delivering
    assert [c["order_status"] for c in callbacks][-1] == 3
    assert not any(key in c for c in callbacks for key in ("lat", "lng", "transporterLat", "transporterLng"))


def test_the_route_is_walked_by_length_from_start_to_end() -> None:
    path = route((31.0, 121.0), (31.2, 121.1))
    assert path == [(31.0, 121.0), (31.1, 121.0), (31.1, 121.1), (31.2, 121.1)]
    assert along(path, 0) == (31.0, 121.0) and along(path, 1) == (31.2, 121.1)
    assert along(path, 0.5) == pytest.approx((31.1, 121.05))  # legs of 0.1, 0.1, 0.1: the middle of the second


def test_cancelling_after_a_rider_accepted_costs_the_penalty(courier, make_order, dada_url) -> None:
    courier.add_order(make_order())
    qa(dada_url, "accept", "D20261124001")
    assert courier.cancel("D20261124001", 10000, "顾客改为到店自取") == 200
    assert courier.status("D20261124001").update.status is CourierStatus.CANCELLED


def test_cancelling_a_delivered_order_is_refused_and_other_needs_a_reason(courier, make_order, dada_url) -> None:
    courier.add_order(make_order())
    for action in ("accept", "fetch", "finish"):
        qa(dada_url, action, "D20261124001")
    with pytest.raises(CourierError):
        courier.cancel("D20261124001", 4)
    with pytest.raises(ValueError):
        courier.cancel("D20261124001", 10000)


def test_a_tip_must_grow_and_shows_in_the_status(courier, make_order) -> None:
    courier.add_order(make_order())
    courier.add_tip("D20261124001", 150, "021")
    with pytest.raises(CourierError):
        courier.add_tip("D20261124001", 100, "021")
    with pytest.raises(ValueError):
        courier.add_tip("D20261124001", 155, "021")
    assert courier.status("D20261124001").tip_fen == 150


def collect_until_done(courier: DadaCourier, box: Mailbox) -> DeliveryHistory:
    history = DeliveryHistory(origin_id="D20261124001")
    while history.status is not CourierStatus.DELIVERED:
        body, query = box.take()
        history = history.apply(courier.verify_callback(body, query)).history
    return history


def test_timed_riders_post_signed_callbacks_that_verify_into_a_delivered_history(courier, make_order, sim,
                                                                                  inbox) -> None:
    sim.step_seconds = 0.02
    courier.add_order(make_order())
    history = collect_until_done(courier, inbox)
    assert [e.platform_status for e in history.events] == [1, 2, 100, 3, 4]
    assert history.rider and history.platform_order_no == sim.orders["D20261124001"].client_id


def test_duplicated_and_reordered_callbacks_still_give_one_monotonic_history(courier, make_order, sim,
                                                                            inbox) -> None:
    sim.add_faults({"duplicate_callbacks": 2, "reorder_callbacks": True})
    sim.step_seconds = 0.02
    courier.add_order(make_order())
    history = collect_until_done(courier, inbox)
    ranks = [e.status.rank for e in history.events]
    assert ranks == sorted(set(ranks)) and history.status is CourierStatus.DELIVERED


@pytest.mark.parametrize(("fault", "ending"), [
    ("cancel", CourierStatus.CANCELLED), ("expire", CourierStatus.EXPIRED), ("fail", CourierStatus.RETURNED),
])
def test_injected_faults_end_the_delivery_through_signed_callbacks(courier, make_order, dada_url, inbox,
                                                                  fault: str, ending: CourierStatus) -> None:
    requests.post(f"{dada_url}/_control/faults", json={fault: "D20261124001"}, timeout=5)
    requests.post(f"{dada_url}/_control/speed", json={"step_seconds": 0.02}, timeout=5)
    courier.add_order(make_order())
    history = DeliveryHistory(origin_id="D20261124001")
    while history.status is not ending:
        history = history.apply(courier.verify_callback(*inbox.take())).history
    assert history.events[0].status is CourierStatus.WAITING_RIDER
    assert (CourierStatus.FAILED_RETURNING in [e.status for e in history.events]) == (fault == "fail")


def signed_callback(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {"client_id": "100000000000001", "order_id": "D20261124001", "order_status": 3,
                               "cancel_reason": "", "cancel_from": 0, "update_time": 1795500000,
                               "dm_id": 1001, "dm_name": "张师傅", "dm_mobile": "13912345678"}
    body["signature"] = dada_callback_signature(str(body["client_id"]), "D20261124001", "1795500000")
    return {**body, **overrides}


def test_a_hand_signed_callback_verifies_with_its_rider(make_courier) -> None:
    update = make_courier().verify_callback(json.dumps(signed_callback()))
    assert update.status is CourierStatus.PICKED_UP and update.rider and update.rider.name == "张师傅"
    assert int(update.at.timestamp()) == 1795500000


@pytest.mark.parametrize("forgery", [
    {"order_id": "D20261124999"}, {"signature": "0" * 32}, {"signature": None}, {"update_time": 1795500001},
    {"order_status": 6},
])
def test_a_forged_or_incomplete_callback_is_rejected(make_courier, forgery: dict[str, object]) -> None:
    with pytest.raises(CallbackRejected):
        make_courier().verify_callback(signed_callback(**forgery))


def test_a_callback_without_the_orders_url_token_is_rejected(courier) -> None:
    with pytest.raises(CallbackRejected):
        courier.verify_callback(signed_callback(), {"token": "guessed"})
    token = courier.callback_url("https://x.example/cb", "D20261124001").split("token=")[1]
    assert courier.verify_callback(signed_callback(), {"token": token}).origin_id == "D20261124001"


def test_an_order_creation_failure_callback_in_milliseconds_reads_as_seconds(make_courier) -> None:
    body = signed_callback(order_status=1000, update_time=1795500000123,
                           signature=dada_callback_signature("100000000000001", "D20261124001", "1795500000123"))
    update = make_courier().verify_callback(body)
    assert update.status is CourierStatus.CREATE_FAILED and int(update.at.timestamp()) == 1795500000


def test_the_riders_page_shows_masked_phones(courier, make_order, dada_url, sim) -> None:
    courier.add_order(make_order())
    qa(dada_url, "accept", "D20261124001")
    page = requests.get(f"{dada_url}/riders", timeout=5).text
    phone = sim.orders["D20261124001"].rider["mobile"]
    assert "D20261124001" in page and phone not in page and f"{phone[:3]}****{phone[-4:]}" in page


def test_control_routes_report_state_and_reset(courier, make_order, dada_url) -> None:
    courier.add_order(make_order())
    state = requests.get(f"{dada_url}/_control/state", timeout=5).json()
    assert state["orders"]["D20261124001"]["timeline"] == [1]
    requests.post(f"{dada_url}/_control/reset", timeout=5)
    assert requests.get(f"{dada_url}/_control/state", timeout=5).json()["orders"] == {}
