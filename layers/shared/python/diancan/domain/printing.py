"""Print jobs and the rules around them: when a store prints, which station a line goes to, and the
order snapshot its tickets print. Pure; the dispatch policy that talks to printers is in
``diancan.services.printing``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from diancan.domain.clock import parse_iso
from diancan.domain.errors import InvalidRequest, Unprocessable
from diancan.domain.events import (
    OrderAccepted,
    OrderCancelled,
    OrderEvent,
    OrderPaid,
    OrderRefunded,
    OrderReleased,
    PrintRequested,
)
from diancan.domain.menu import Store
from diancan.domain.order import Order
from diancan.domain.tickets import (
    Station,
    Ticket,
    TicketLine,
    TicketOrder,
    build_tickets,
    combine_lines,
    line_key,
    subtract_lines,
)

UNCERTAIN_LABEL = "补打"  # a re-send after a send whose outcome was unknown: the kitchen may hold a twin


class PrintWhen(StrEnum):
    """``Store.settings["print_when"]``: the event that prints an order's tickets."""

    PAYMENT = "payment"  # OrderPaid (default); a pre-order paid ahead: its OrderReleased
    ACCEPT = "accept"  # OrderAccepted: staff accept the order in the console
    DEMAND = "demand"  # only PrintRequested (console "print", add-on rounds)


_TRIGGER = {OrderPaid.name: PrintWhen.PAYMENT, OrderReleased.name: PrintWhen.PAYMENT,
            OrderAccepted.name: PrintWhen.ACCEPT}


@dataclass(frozen=True)
class PrintSetup:
    """What printing an order needs of its store: the profile (when it prints), stations, category → station."""

    store: Store
    stations: list[Station]
    category_stations: dict[str, str | None]


def prints_on(store: Store, detail_type: str) -> bool:
    """Whether this event prints for this store. PrintRequested always does."""
    if detail_type == PrintRequested.name:
        return True
    try:
        when = PrintWhen(store.settings.get("print_when", PrintWhen.PAYMENT))
    except ValueError:
        when = PrintWhen.PAYMENT  # a bad setting must not stop the kitchen
    return _TRIGGER.get(detail_type) == when


class PrintStatus(StrEnum):
    PENDING = "pending"  # claimed, not (known to be) accepted by the vendor
    SENT = "sent"  # the vendor accepted it; print_check confirms
    PRINTED = "printed"
    FAILED = "failed"  # staff must act (reprint); the order carries the NOT_PRINTED flag


class PrintJob(BaseModel):
    """One ticket's journey to paper. ``version`` is the optimistic-concurrency token of its record."""

    order_id: str
    store_id: str
    ticket: Ticket
    status: PrintStatus = PrintStatus.PENDING
    attempts: int = 0
    printer_sn: str | None = None
    print_ids: list[str] = Field(default_factory=list)
    uncertain: bool = Field(False, description="a print call's outcome was unknown (timeout): a re-send may twin")
    reprints: int = 0
    error: str = ""
    created_at: str
    sent_at: str | None = None
    printed_at: str | None = None
    failed_at: str | None = None
    bumped_at: str | None = None
    bumped_by: str | None = None
    voided_at: str | None = Field(None, description="the whole order was refunded or cancelled: off the kitchen screen")
    cancelled: list[TicketLine] = Field(default_factory=list, description="lines a partial refund stopped")
    stops: list[str] = Field(default_factory=list, description="the stops applied (refund numbers, 'all'): once each")
    version: int = 0

    @property
    def ticket_id(self) -> str:
        return self.ticket.ticket_id

    @property
    def is_out(self) -> bool:
        """The kitchen has it (or will, from the vendor's queue)."""
        return self.status in (PrintStatus.SENT, PrintStatus.PRINTED)


class PrintRequest(BaseModel):
    """The detail of a print event (OrderPaid, OrderAccepted, PrintRequested). PrintRequested
    (events/bus/PrintRequested.json) carries ``order_id``, ``store_id``, ``at``, ``by``, ``reason``
    ("on_demand" | "addon_round") and, for a dine-in table round, ``round_no`` (1, 2, ...) and
    ``line_indexes``: the indexes in ``Order.lines`` of that round's new lines, which alone are printed
    (kitchen tickets only, no receipt; rounds from the second on are marked as an add-on to the table).
    A round of a pay-after table prints while its tab is still unpaid. Without ``line_indexes`` the whole
    order prints as on payment; a repeated event prints nothing new (use the console reprint)."""

    model_config = {"extra": "ignore"}

    order_id: str
    store_id: str
    round_no: int | None = Field(None, ge=1)
    line_indexes: list[int] | None = Field(None, min_length=1)

    @property
    def is_round(self) -> bool:
        """A table round: only its lines print, kitchen tickets only (the receipt comes with the bill)."""
        return self.line_indexes is not None

    @property
    def is_addon_round(self) -> bool:
        """A later round of a table (2, 3, ...), marked 加菜 on the tickets."""
        return self.round_no is not None and self.round_no >= 2


def route(station_id: str | None, category_id: str, category_stations: Mapping[str, str | None]) -> str | None:
    """A line's station: the dish's own, else its category's, else None (the store's default station)."""
    return station_id or category_stations.get(category_id)


def ticket_order(order: Order, store: Store, category_stations: Mapping[str, str | None], request: PrintRequest,
                 *, order_url: str = "") -> TicketOrder:
    """The snapshot the tickets print: the whole order, or just an add-on round's lines."""
    lines = list(enumerate(order.lines))
    if request.is_round or request.is_addon_round:
        if not request.line_indexes or any(i < 0 or i >= len(order.lines) for i in request.line_indexes):
            raise InvalidRequest("an add-on round needs line_indexes of the order", "加菜轮次的菜品有误",
                                 code="INVALID_ADDON_LINES", details={"line_indexes": request.line_indexes})
        lines = [(i, order.lines[i]) for i in sorted(set(request.line_indexes))]
    return TicketOrder(
        order_id=order.order_id, store_name=store.name, mode=order.mode, table_no=order.table_no,
        pickup_no=order.pickup_no, remark=order.remark, paid_at=parse_iso(order.paid_at or order.created_at),
        pickup_at=parse_iso(order.pickup_at) if order.pickup_at else None,
        lines=[_ticket_line(line, route(line.station_id, line.category_id, category_stations)) for _, line in lines],
        discounts=[(d.label, d.amount_fen) for d in order.discounts if d.amount_fen > 0],
        packing_fee_fen=order.packing_fee_fen, delivery_fee_fen=order.delivery_fee_fen, total_fen=order.total_fen,
        is_addon_round=request.is_addon_round, round_no=request.round_no if request.is_addon_round else None,
        order_url=order_url, channel=order.channel or "miniprogram",
    )


class NoStations(Unprocessable):
    code, message_zh, message_en = "NO_STATIONS", "门店未配置出单档口", "The store has no kitchen stations"


def tickets_for(ticket_order_: TicketOrder, stations: Sequence[Station], *, with_receipt: bool) -> list[Ticket]:
    """Kitchen tickets per station (first non-receipt station is the default) and, if asked, the receipt."""
    kitchens = [station for station in stations if not station.receipt]
    if not kitchens:
        raise NoStations(details={"store": ticket_order_.store_name})
    tickets = build_tickets(ticket_order_, stations, default_station_id=kitchens[0].station_id)
    return tickets if with_receipt else [t for t in tickets if t.kind == "kitchen"]


# ---- orders that change after the kitchen has them: cancel tickets (退单) --------------------------------

STOP_EVENTS = frozenset({OrderRefunded.name, OrderCancelled.name})
WHOLE_ORDER = "all"  # the stop key of a cancel or full refund: the whole order stops once, whichever came first


class Stop(BaseModel):
    """What an OrderRefunded or OrderCancelled asks of the kitchen: stop the whole order (a cancel, a full
    refund), the lines a partial refund named, or nothing in particular (a partial refund of an amount only)."""

    order_id: str
    store_id: str
    key: str = Field(description="once per key: the refund number, or WHOLE_ORDER")
    whole: bool
    line_indexes: list[int] | None = None
    amount_fen: int | None = None

    @classmethod
    def of(cls, event: OrderEvent) -> Stop:
        if isinstance(event, OrderRefunded) and not event.full:
            return cls(order_id=event.order_id, store_id=event.store_id, key=event.refund_no, whole=False,
                       line_indexes=event.line_indexes, amount_fen=event.amount_fen)
        return cls(order_id=event.order_id, store_id=event.store_id, key=WHOLE_ORDER, whole=True)


def printed_stations(jobs: Sequence[PrintJob]) -> dict[str, list[PrintJob]]:
    """The order's kitchen tickets that reached the kitchen (sent or printed), by station."""
    stations: dict[str, list[PrintJob]] = {}
    for job in jobs:
        if job.ticket.kind == "kitchen" and job.is_out:
            stations.setdefault(job.ticket.station.station_id, []).append(job)
    return stations


def cancel_tickets(stop: Stop, jobs: Sequence[PrintJob], order: Order | None = None,
                   setup: PrintSetup | None = None) -> list[Ticket]:
    """The 退单 tickets of a stop, one per station whose kitchen ticket printed, listing what it must stop:
    everything it was sent and not yet stopped (whole order), the named lines routed as its tickets were
    (``order`` and ``setup`` needed), or no line and the amount (a partial refund of an amount only)."""
    printed = printed_stations(jobs)
    wanted: dict[str, list[TicketLine]] = {}
    if stop.whole:
        for station_id, sent in printed.items():
            wanted[station_id] = subtract_lines([line for job in sent for line in job.ticket.order.lines],
                                                [line for job in sent for line in job.cancelled])
    elif stop.line_indexes:
        if order is None or setup is None:
            raise ValueError("a stop of named lines needs the order and its print setup")
        kitchens = [station for station in setup.stations if not station.receipt]
        known = {station.station_id for station in kitchens}
        default = kitchens[0].station_id if kitchens else None
        for i in stop.line_indexes:
            if not 0 <= i < len(order.lines):
                continue
            line = order.lines[i]
            station_id = route(line.station_id, line.category_id, setup.category_stations)
            station_id = station_id if station_id in known else default
            if station_id in printed:
                wanted.setdefault(station_id, []).append(_ticket_line(line, station_id))
    else:
        wanted = {station_id: [] for station_id in printed}
    tickets = []
    for station_id, lines in wanted.items():
        if stop.line_indexes is not None or stop.whole:
            lines = combine_lines(lines)
            if not lines:
                continue
        model = printed[station_id][-1].ticket
        snapshot = model.order.model_copy(update={
            "lines": lines, "refund_fen": None if lines else stop.amount_fen, "remark": "", "discounts": [],
            "is_addon_round": False, "round_no": None, "order_url": ""})
        tickets.append(Ticket(ticket_id=f"{stop.order_id}:{station_id}:cancel:{stop.key}", kind="cancel",
                              station=model.station, order=snapshot))
    return tickets


def mark_stopped(job: PrintJob, stop: Stop, to_place: list[TicketLine], at: str
                 ) -> tuple[PrintJob | None, list[TicketLine]]:
    """The kitchen ticket as the screen must show it after the stop: off the screen (whole order), or the
    stopped lines it still shows struck through, taking from ``to_place`` what it holds (a station may hold
    several rounds). Returns the changed job (None: this stop was applied already, or changes nothing on it)
    and what is left to place on the station's other tickets."""
    if stop.key in job.stops:
        return None, to_place
    if stop.whole:
        return job.model_copy(update={"voided_at": at, "stops": [*job.stops, stop.key]}), to_place
    showing = {line_key(line): line.qty for line in subtract_lines(job.ticket.order.lines, job.cancelled)}
    taken, left = [], []
    for line in to_place:
        qty = min(line.qty, showing.get(line_key(line), 0))
        if qty:
            showing[line_key(line)] -= qty
            taken.append(line.model_copy(update={"qty": qty, "line_total_fen": line.unit_price_fen * qty}))
        if line.qty > qty:
            left.append(line.model_copy(update={"qty": line.qty - qty,
                                                "line_total_fen": line.unit_price_fen * (line.qty - qty)}))
    if not taken:
        return None, left
    cancelled = [*job.cancelled, *taken]
    still = subtract_lines(job.ticket.order.lines, cancelled)
    return job.model_copy(update={"cancelled": cancelled, "stops": [*job.stops, stop.key],
                                  "voided_at": None if still else at}), left


def _ticket_line(line, station_id: str | None) -> TicketLine:
    return TicketLine(dish_id=line.dish_id, name=line.name, qty=line.qty, options=[o.name for o in line.options],
                      unit_price_fen=line.unit_price_fen, line_total_fen=line.line_total_fen, station_id=station_id)
