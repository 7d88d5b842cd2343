"""FeieyunPrinter against the Feieyun simulator over loopback HTTP: signing, clock window, print life, faults."""

from __future__ import annotations

import re
import socket
import time
from datetime import UTC, datetime

import pytest
import requests

from diancan.adapters.printer import FeieyunPrinter, PrinterError, PrinterUnavailable
from diancan.domain.ticket_render import render_feieyun
from diancan.domain.tickets import Station, TicketLine, TicketOrder, build_tickets
from local.serve import serving
from local.simulators.feieyun import FeieyunSimulator, SimPrinter, create_app
from tests.handlers.conftest import ManualClock

pytestmark = pytest.mark.handlers

USER, UKEY = "owner@diancan.test", "UKEY-TEST-0001"
KITCHEN_SN, DESK_SN, STRANGER_SN = "910000001", "910000009", "920000001"
PRINT_DELAY = 2.0


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def sim(clock) -> FeieyunSimulator:
    return FeieyunSimulator(
        {USER: UKEY, "someone-else": "OTHER-UKEY"},
        [SimPrinter(KITCHEN_SN, USER, "热菜", 32), SimPrinter(DESK_SN, USER, "前台", 48),
         SimPrinter(STRANGER_SN, "someone-else", "别家", 32)],
        print_delay_seconds=PRINT_DELAY, slow_seconds=1.0, clock=clock)


@pytest.fixture(scope="module")
def server(sim):
    with serving(create_app(sim)) as running:
        yield running


@pytest.fixture
def base_url(server, sim, clock) -> str:
    sim.reset()
    clock.now = time.time()
    return server.base_url


@pytest.fixture
def printer(base_url) -> FeieyunPrinter:
    return FeieyunPrinter(USER, UKEY, base_url, timeout=2.0)


def set_printer(base_url: str, sn: str, **body) -> dict:
    answer = requests.post(f"{base_url}/_control/printers/{sn}", json=body, timeout=2)
    answer.raise_for_status()
    return answer.json()


def jobs_of(base_url: str, sn: str) -> list[dict]:
    printers = requests.get(f"{base_url}/_control/state", timeout=2).json()["printers"]
    return next(p for p in printers if p["sn"] == sn)["jobs"]


def test_a_signed_print_is_queued_under_a_feieyun_style_print_id(printer, base_url):
    print_id = printer.print_ticket(KITCHEN_SN, "<CB>热菜</CB><BR>宫保鸡丁 x2<BR><CUT>", copies=2)
    assert re.fullmatch(rf"{KITCHEN_SN}_\d{{14}}_\d{{10}}", print_id)
    assert [(job["order_id"], job["copies"]) for job in jobs_of(base_url, KITCHEN_SN)] == [(print_id, 2)]


def test_a_wrong_ukey_is_refused_and_nothing_is_queued(base_url):
    with pytest.raises(PrinterError) as refused:
        FeieyunPrinter(USER, "WRONG-UKEY", base_url, timeout=2.0).print_ticket(KITCHEN_SN, "x<BR>")
    assert refused.value.ret != 0 and "验证失败" in refused.value.msg
    assert jobs_of(base_url, KITCHEN_SN) == []


def test_an_unregistered_user_is_refused(base_url):
    with pytest.raises(PrinterError, match="未注册"):
        FeieyunPrinter("nobody", UKEY, base_url, timeout=2.0).printer_status(KITCHEN_SN)


def test_a_stime_older_than_five_minutes_is_refused_even_with_a_valid_sig(base_url):
    stale = FeieyunPrinter(USER, UKEY, base_url, timeout=2.0, clock=lambda: time.time() - 400)
    with pytest.raises(PrinterError, match="stime"):
        stale.printer_status(KITCHEN_SN)


def test_a_stime_a_little_off_is_accepted(base_url):
    assert FeieyunPrinter(USER, UKEY, base_url, timeout=2.0, clock=lambda: time.time() + 120).printer_status(
        KITCHEN_SN) == "online"


def test_a_printer_of_another_account_is_refused(printer):
    with pytest.raises(PrinterError) as refused:
        printer.print_ticket(STRANGER_SN, "x<BR>")
    assert refused.value.ret == 1002


def test_a_print_reads_as_printed_only_after_the_print_delay(printer, clock):
    print_id = printer.print_ticket(KITCHEN_SN, "x<BR>")
    assert printer.query_print(print_id) is False
    clock.advance(PRINT_DELAY)
    assert printer.query_print(print_id) is True


def test_an_offline_printer_is_reported_and_its_tickets_wait_until_it_is_back(printer, base_url, clock):
    set_printer(base_url, KITCHEN_SN, state="offline")
    assert printer.printer_status(KITCHEN_SN) == "offline"
    print_id = printer.print_ticket(KITCHEN_SN, "x<BR>")
    clock.advance(10 * PRINT_DELAY)
    assert printer.query_print(print_id) is False
    set_printer(base_url, KITCHEN_SN, state="online")
    clock.advance(PRINT_DELAY)
    assert printer.query_print(print_id) is True


def test_a_printer_out_of_paper_is_reported_as_no_paper(printer, base_url):
    set_printer(base_url, DESK_SN, state="no_paper")
    assert printer.printer_status(DESK_SN) == "no_paper"
    assert printer.printer_status(KITCHEN_SN) == "online"


def test_a_failing_printer_is_refused_with_a_printer_error(printer, base_url):
    set_printer(base_url, KITCHEN_SN, state="failing")
    with pytest.raises(PrinterError):
        printer.print_ticket(KITCHEN_SN, "x<BR>")


def test_injected_http_failures_raise_printer_unavailable_then_recover(printer, base_url):
    set_printer(base_url, KITCHEN_SN, fail_next=2)
    for _ in range(2):
        with pytest.raises(PrinterUnavailable):
            printer.print_ticket(KITCHEN_SN, "x<BR>")
    assert printer.print_ticket(KITCHEN_SN, "x<BR>")
    assert len(jobs_of(base_url, KITCHEN_SN)) == 1


def test_a_slow_answer_beyond_the_timeout_raises_printer_unavailable(base_url):
    set_printer(base_url, KITCHEN_SN, state="slow")
    with pytest.raises(PrinterUnavailable):
        FeieyunPrinter(USER, UKEY, base_url, timeout=0.2).printer_status(KITCHEN_SN)


def test_a_refused_connection_raises_printer_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(PrinterUnavailable):
        FeieyunPrinter(USER, UKEY, f"http://127.0.0.1:{closed_port}", timeout=1.0).printer_status(KITCHEN_SN)


def test_content_over_the_limit_is_refused_before_sending(printer, base_url):
    with pytest.raises(ValueError, match="split_for_limit"):
        printer.print_ticket(KITCHEN_SN, "宫" * 1700)
    assert jobs_of(base_url, KITCHEN_SN) == []


def test_an_unknown_control_state_is_a_bad_request(base_url):
    answer = requests.post(f"{base_url}/_control/printers/{KITCHEN_SN}", json={"state": "melting"}, timeout=2)
    assert answer.status_code == 400


def test_reset_empties_the_queues_and_brings_printers_back_online(printer, base_url):
    printer.print_ticket(KITCHEN_SN, "x<BR>")
    set_printer(base_url, KITCHEN_SN, state="offline")
    requests.post(f"{base_url}/_control/reset", timeout=2).raise_for_status()
    assert jobs_of(base_url, KITCHEN_SN) == [] and printer.printer_status(KITCHEN_SN) == "online"


def test_a_rendered_ticket_printed_through_the_adapter_shows_on_the_paper_roll(printer, base_url, clock):
    order = TicketOrder(order_id="O1", store_name="点餐小馆", mode="takeout", pickup_no=7,
                        paid_at=datetime(2026, 11, 24, 4, 30, tzinfo=UTC), total_fen=2800,
                        lines=[TicketLine(dish_id="d1", name="宫保鸡丁", qty=1, unit_price_fen=2800,
                                          line_total_fen=2800, station_id="hot")])
    station = Station(station_id="hot", name="热菜", printer_sn=KITCHEN_SN)
    ticket = build_tickets(order, [station])[0]
    printer.print_ticket(station.printer_sn, render_feieyun(ticket, station.paper_columns))
    clock.advance(PRINT_DELAY)
    page = requests.get(f"{base_url}/rolls", timeout=2).text
    assert "1 printed" in page and '<span class="w">宫</span>' in page and 'class="cut"' in page
