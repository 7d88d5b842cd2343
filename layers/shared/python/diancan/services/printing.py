"""Getting every ticket on paper once: the dispatch policy of print_dispatch and print_check.

- Each ticket is a print job claimed with a conditional put before anything is sent, so a replayed event
  finds the job and sends nothing.
- The primary printer's status is asked first; offline or out of paper goes to the station's fallback.
- ``PrinterUnavailable`` (timeout, HTTP error) fails the SQS record: SQS retries with backoff; from the
  ``fallback_after``-th attempt on, the fallback printer is used; on the last receive the job is marked
  FAILED (order flagged NOT_PRINTED, metric PrintFailed) and the message goes on to the DLQ. A re-send
  after an unknown outcome is marked "补打", since the first send may have printed after all.
- ``PrinterError`` (the vendor refused) goes to the fallback at once, else FAILED + flag + metric, and the
  record is acknowledged (a retry cannot help; staff reprint from the console).
- print_check asks the vendor about sent jobs; one not printed within ``confirm_within`` is re-sent to the
  fallback ("补打"), else FAILED + flag.
- The order moves PAID → PREPARING once all its kitchen tickets are out (sent or printed).
- A refund or cancel of an order whose kitchen tickets are out prints a cancel ticket (退单) on each of those
  stations with what to stop, once per refund (or once for the whole order), with the same guarantees; its
  kitchen tickets leave the kitchen screen (whole order) or show the stopped lines struck through, first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from diancan.domain import lifecycle
from diancan.domain.acceptance import AcceptTimeouts, accepts_manually, watch_tasks
from diancan.domain.clock import BUSINESS_TZ_DEFAULT, iso, parse_iso, utcnow
from diancan.domain.errors import Unprocessable
from diancan.domain.events import ORDER_PREPARING, OrderEvent, OrderPaid, OrderReleased
from diancan.domain.exceptions import PrinterError, PrinterUnavailable
from diancan.domain.menu import Store
from diancan.domain.order import Order
from diancan.domain.order_status import OrderStatus, TransitionRefused
from diancan.domain.preorders import waits_for_release
from diancan.domain.printing import (
    STOP_EVENTS,
    UNCERTAIN_LABEL,
    NoStations,
    PrintJob,
    PrintRequest,
    PrintStatus,
    Stop,
    cancel_tickets,
    mark_stopped,
    prints_on,
    ticket_order,
    tickets_for,
)
from diancan.domain.service_state import KitchenSettings, OpenTicket
from diancan.domain.tables import TAB_FLAG
from diancan.domain.ticket_render import render_feieyun, split_for_limit
from diancan.domain.tickets import Station, Ticket
from diancan.services.ports import (
    EventPublisher,
    OrderRepository,
    PaymentLedger,
    Printer,
    PrintJobQueue,
    ServiceStateLedger,
)

logger = logging.getLogger(__name__)


PRINTABLE = {OrderStatus.PAID, OrderStatus.PREPARING, OrderStatus.READY, OrderStatus.DELIVERING}
FALLBACK_COLUMNS = 32  # a fallback's paper width is unknown: 58 mm layout fits either paper
PRINT_FAILED_METRIC = "PrintFailed"
START_BY = "system:print"  # who moves an order PAID → PREPARING when its tickets are out


class PrinterRefused(Unprocessable):
    code, message_zh, message_en = "PRINTER_REFUSED", "打印机拒绝打印，请检查打印机", "The printer refused the ticket"


class PrintingService:
    def __init__(self, repository: OrderRepository, jobs: PrintJobQueue, printer: Printer, *, public_base_url: str = "",
                 tz: str = BUSINESS_TZ_DEFAULT, count: Callable[[str], None] = lambda name: None,
                 clock: Callable[[], datetime] = utcnow, max_receives: int = 5, fallback_after: int = 3,
                 confirm_within: timedelta = timedelta(minutes=2), due_work: PaymentLedger | None = None,
                 service_states: ServiceStateLedger | None = None, bus: EventPublisher | None = None) -> None:
        self._repository = repository
        self._bus = bus  # OrderPreparing when the tickets start the kitchen (None: tools that only print)
        self._due_work = due_work  # the sweeper's due work: the watch on orders a store accepts by hand
        self._service_states = service_states  # the store's open kitchen tickets (busy mode, waiting times)
        self._jobs = jobs
        self._printer = printer
        self._public_base_url = public_base_url.rstrip("/")
        self._tz = tz
        self._count = count
        self._clock = clock
        self._max_receives = max_receives
        self._fallback_after = fallback_after
        self._confirm_within = confirm_within

    # ---- print_dispatch ---------------------------------------------------------------------------------

    def on_event(self, event: OrderEvent | None, *, receive_count: int = 1) -> list[PrintJob]:
        """Print what the event asks for, if the store prints on it. Raises PrinterUnavailable to be retried."""
        if event is None:  # not one of ours
            return []
        if event.name in STOP_EVENTS:
            return self.stop(Stop.of(event), receive_count=receive_count)
        if waits_for_release(event):  # a pre-order paid ahead prints (and waits to be accepted) from its release
            return []
        request = PrintRequest.model_validate(event.detail)
        setup = self._jobs.print_setup(request.store_id)
        watched = isinstance(event, OrderPaid | OrderReleased)
        if watched and self._due_work is not None and accepts_manually(setup.store):
            self._watch_acceptance(event, AcceptTimeouts.of(setup.store))
        if not prints_on(setup.store, event.name):
            return []
        order = self._repository.get_order(request.order_id, consistent=True)
        open_tab = TAB_FLAG in order.flags and order.status == OrderStatus.PENDING_PAYMENT and request.is_round
        if order.status not in PRINTABLE and not open_tab:
            logger.info("order not printable", extra={"order_id": order.order_id, "status": order.status.value})
            return []
        snapshot = ticket_order(order, setup.store, setup.category_stations, request,
                                order_url=f"{self._public_base_url}/orders/{order.order_id}")
        try:
            tickets = tickets_for(snapshot, setup.stations, with_receipt=not request.is_round)
            if TAB_FLAG in order.flags and not request.is_round:
                tickets = [t for t in tickets if t.kind == "receipt"]  # the rounds went to the kitchen already
        except NoStations:
            self._alert(order.order_id, "", "the store has no kitchen stations")
            self._jobs.flag_not_printed(order.order_id, True)
            return []
        claimed: list[PrintJob] = []
        try:
            jobs = self._dispatch_all(order.order_id, order.store_id, tickets, receive_count, claimed=claimed)
        finally:
            self._enter_kitchen(order, setup.store, claimed)
        started = order.status in (OrderStatus.PAID, OrderStatus.PREPARING)  # PREPARING: announced yet?
        if started and all(job.is_out for job in jobs if job.ticket.kind == "kitchen"):
            self._start(order)
        return jobs

    def _watch_acceptance(self, paid: OrderPaid | OrderReleased, timeouts: AcceptTimeouts) -> None:
        """A store that accepts by hand: the sweeper alarms, then refunds, if nobody accepts the order in time
        (counted from its payment, or a pre-order paid ahead from its release). The tasks' keys are the order's,
        so a replayed event files the same two again."""
        assert self._due_work is not None
        now = self._clock()
        for minute, task in watch_tasks(parse_iso(paid.at), timeouts, now):
            self._due_work.add_sweep(minute, task, paid.order_id, None, int(now.timestamp()) + 30 * 24 * 3600)

    def stop(self, stop: Stop, *, receive_count: int = 1) -> list[PrintJob]:
        """A refund or cancel reached the kitchen: its tickets come off the screen (or show the stopped lines
        struck through), then the cancel tickets print on the stations that had the order. Nothing when no
        kitchen ticket of the order was out. Raises PrinterUnavailable to be retried."""
        jobs = self._jobs.of_order(stop.order_id)
        kitchen = [job for job in jobs if job.ticket.kind == "kitchen"]
        if not kitchen:
            return []
        order = setup = None
        if stop.line_indexes:  # named lines are routed to their stations as the kitchen tickets were
            order = self._repository.get_order(stop.order_id, consistent=True)
            setup = self._jobs.print_setup(stop.store_id)
        tickets = cancel_tickets(stop, jobs, order, setup)
        at = iso(self._clock())
        to_place = {ticket.station.station_id: list(ticket.order.lines) for ticket in tickets}
        for job in kitchen:
            station_id = job.ticket.station.station_id
            changed, to_place[station_id] = mark_stopped(job, stop, to_place.get(station_id, []), at)
            if changed is not None:
                self._jobs.save(changed)  # JobChanged (a bump meanwhile) fails the record: the replay redoes it
        if tickets:
            logger.info("cancel tickets", extra={"order_id": stop.order_id, "stop": stop.key,
                                                 "stations": [t.station.station_id for t in tickets]})
        return self._dispatch_all(stop.order_id, stop.store_id, tickets, receive_count)

    def _dispatch_all(self, order_id: str, store_id: str, tickets: Sequence[Ticket], receive_count: int, *,
                      claimed: list[PrintJob] | None = None) -> list[PrintJob]:
        """Claim and send each ticket; ``claimed`` collects every job claimed (sent now or by a replay)."""
        final = receive_count >= self._max_receives
        jobs, unavailable = [], None
        for ticket in tickets:  # one dead printer must not hold back the other stations
            try:
                jobs.append(self._dispatch(order_id, store_id, ticket, final=final, claimed=claimed))
            except PrinterUnavailable as error:
                unavailable = error
        if unavailable is not None:
            raise unavailable
        return jobs

    def _dispatch(self, order_id: str, store_id: str, ticket: Ticket, *, final: bool,
                  claimed: list[PrintJob] | None = None) -> PrintJob:
        job, _ = self._jobs.claim(PrintJob(order_id=order_id, store_id=store_id, ticket=ticket,
                                           created_at=iso(self._clock())))
        if claimed is not None:
            claimed.append(job)
        if job.status != PrintStatus.PENDING:
            return job  # a replay: sent, printed or already failed (staff reprint)
        return self._send(job, final=final)

    def _send(self, job: PrintJob, *, final: bool) -> PrintJob:
        station = job.ticket.station
        ticket = job.ticket.reprint(UNCERTAIN_LABEL) if job.uncertain else job.ticket
        targets = self._targets(station, fallback_only=job.attempts >= self._fallback_after)
        attempt = {"attempts": job.attempts + 1}
        try:
            printer_sn, print_ids = self._deliver(station, ticket, targets)
        except PrinterUnavailable as error:
            job = self._jobs.save(job.model_copy(update={**attempt, "uncertain": True, "error": str(error)}))
            if final:
                self._fail(job)
            raise
        except PrinterError as error:
            return self._fail(job.model_copy(update={**attempt, "error": str(error)}))
        return self._jobs.save(job.model_copy(update={**attempt, **self._sent(printer_sn, print_ids)}))

    def _targets(self, station: Station, *, fallback_only: bool = False) -> list[str]:
        """Printers to try in order: the primary unless it reports offline / no paper, then the fallback."""
        fallback = station.fallback_printer_sn
        if fallback is None:
            return [station.printer_sn]
        if fallback_only:
            return [fallback]
        try:
            status = self._printer.printer_status(station.printer_sn)
        except (PrinterUnavailable, PrinterError):
            status = "unknown"
        return [fallback] if status in ("offline", "no_paper") else [station.printer_sn, fallback]

    def _deliver(self, station: Station, ticket: Ticket, targets: Sequence[str]) -> tuple[str, list[str]]:
        return self._deliver_content(station, targets, lambda columns: render_feieyun(ticket, columns, self._tz),
                                     ticket.ticket_id)

    def _deliver_content(self, station: Station, targets: Sequence[str], render: Callable[[int], str],
                         what: str) -> tuple[str, list[str]]:
        """Print on the first target that does not refuse; PrinterUnavailable propagates at once."""
        refused: PrinterError | None = None
        for printer_sn in targets:
            columns = station.paper_columns if printer_sn == station.printer_sn else FALLBACK_COLUMNS
            pieces = split_for_limit(render(columns))
            try:
                return printer_sn, [self._printer.print_ticket(printer_sn, piece) for piece in pieces]
            except PrinterError as error:
                logger.warning("printer refused ticket", extra={"ticket_id": what,
                                                                "printer_sn": printer_sn, "feieyun_ret": error.ret})
                refused = error
        assert refused is not None
        raise refused

    def print_at_counter(self, store_id: str, render: Callable[[str, int], str], what: str) -> str:
        """Print a sheet of no order (a shift's handover) on the counter's printer: the station that prints the
        receipts (else the first station), its fallback when the primary is offline or refuses. ``render`` gets
        the store's name and the paper's columns. Returns the printer's sn; raises PrinterUnavailable,
        PrinterRefused or NoStations. Not queued: the caller keeps the outcome and offers "print again"."""
        setup = self._jobs.print_setup(store_id)
        station = next((s for s in setup.stations if s.receipt), setup.stations[0] if setup.stations else None)
        if station is None:
            raise NoStations()
        try:
            printer_sn, _ = self._deliver_content(station, self._targets(station),
                                                  lambda columns: render(setup.store.name, columns), what)
        except PrinterError as error:
            raise PrinterRefused(details={"msg": error.msg}) from None
        return printer_sn

    def _sent(self, printer_sn: str, print_ids: list[str]) -> dict:
        return {"status": PrintStatus.SENT, "printer_sn": printer_sn, "print_ids": print_ids,
                "sent_at": iso(self._clock()), "error": "", "failed_at": None}

    def _fail(self, job: PrintJob) -> PrintJob:
        job = self._jobs.save(job.model_copy(update={"status": PrintStatus.FAILED, "failed_at": iso(self._clock())}))
        self._jobs.flag_not_printed(job.order_id, True)
        self._alert(job.order_id, job.ticket_id, job.error)
        return job

    def _enter_kitchen(self, order: Order, store: Store, claimed: list[PrintJob]) -> None:
        """The claimed kitchen tickets not yet bumped join the store's open ones (a replay sets the same
        entries; a bumped one stays out); tickets left open past STALE_AFTER are dropped on the way."""
        if self._service_states is None:
            return
        settings = KitchenSettings.of(store)
        prep = order.prep_minutes or settings.default_prep_minutes
        entering = [OpenTicket(ticket_id=job.ticket_id, order_id=order.order_id, at=order.kitchen_at or job.created_at,
                               prep_minutes=prep)
                    for job in claimed if job.ticket.kind == "kitchen" and job.bumped_at is None]
        if entering:
            state = self._service_states.enter(order.store_id, entering, lanes=settings.lanes)
            self._service_states.leave(order.store_id, state.stale(self._clock()))

    def _alert(self, order_id: str, ticket_id: str, error: str) -> None:
        self._count(PRINT_FAILED_METRIC)
        logger.error("ticket not printed", extra={"order_id": order_id, "ticket_id": ticket_id, "error": error})

    def _start(self, order: Order) -> None:
        """PAID → PREPARING once the kitchen tickets are out, announced by ``OrderPreparing`` once: a replay
        publishes only if the move was the printer's and the first attempt died before publishing (an order
        staff accepted meanwhile was announced by its ``OrderAccepted``)."""
        if order.status == OrderStatus.PAID:
            decision = lifecycle.start(order, at=iso(self._clock()), by=START_BY, note="tickets out")
            try:
                result = self._repository.apply(order.order_id, decision.move)
            except TransitionRefused:
                logger.info("order moved on before its tickets were out", extra={"order_id": order.order_id})
                return
            if result.applied:
                self._announce_start(order.order_id, decision)
                return
            order = self._repository.get_order(order.order_id, consistent=True)
        start = next((h for h in order.history if h.status == OrderStatus.PREPARING and h.by == START_BY), None)
        if order.status == OrderStatus.PREPARING and start is not None and ORDER_PREPARING not in order.published:
            self._announce_start(order.order_id, lifecycle.start(order, at=start.at, by=START_BY))

    def _announce_start(self, order_id: str, decision: lifecycle.Decision) -> None:
        if self._bus is not None:
            self._bus.publish(list(decision.events))
            self._repository.mark_published(order_id, ORDER_PREPARING)

    # ---- console ------------------------------------------------------------------------------------------

    def reprint(self, order_id: str, ticket_id: str, by: str) -> PrintJob:
        """Print a ticket again, marked "重打"; clears the order's NOT_PRINTED flag when nothing else failed."""
        job = self._jobs.get(order_id, ticket_id)
        station = job.ticket.station
        try:
            printer_sn, print_ids = self._deliver(station, job.ticket.reprint(), self._targets(station))
        except PrinterError as error:
            raise PrinterRefused(details={"ticket_id": ticket_id, "msg": error.msg}) from None
        job = self._jobs.save(job.model_copy(update={**self._sent(printer_sn, print_ids),
                                                     "reprints": job.reprints + 1}))
        logger.info("ticket reprinted", extra={"order_id": order_id, "ticket_id": ticket_id, "by": by})
        if not any(other.status == PrintStatus.FAILED for other in self._jobs.of_order(order_id)):
            self._jobs.flag_not_printed(order_id, False)
        return job

    # ---- print_check --------------------------------------------------------------------------------------

    def check_sent(self) -> dict[str, int]:
        """Confirm sent jobs with the vendor; re-send late ones to the fallback, else mark them failed."""
        tally = {"printed": 0, "resent": 0, "failed": 0, "waiting": 0}
        now = self._clock()
        for store in self._repository.list_stores():
            for job in self._jobs.sent(store.store_id):
                tally[self._confirm(job, now)] += 1
        return tally

    def _confirm(self, job: PrintJob, now: datetime) -> str:
        try:
            states = [self._printer.query_print(print_id) for print_id in job.print_ids]
        except (PrinterUnavailable, PrinterError):
            return "waiting"
        if states and all(state is True for state in states):
            self._jobs.save(job.model_copy(update={"status": PrintStatus.PRINTED, "printed_at": iso(now)}))
            return "printed"
        if False not in states or parse_iso(job.sent_at or iso(now)) + self._confirm_within > now:
            return "waiting"
        station = job.ticket.station
        fallback = station.fallback_printer_sn
        if fallback and job.printer_sn != fallback:
            try:
                printer_sn, print_ids = self._deliver(station, job.ticket.reprint(UNCERTAIN_LABEL), [fallback])
                self._jobs.save(job.model_copy(update=self._sent(printer_sn, print_ids)))
                return "resent"
            except (PrinterUnavailable, PrinterError) as error:
                job = job.model_copy(update={"error": str(error)})
        self._fail(job.model_copy(update={"error": job.error or "not printed in time"}))
        return "failed"
