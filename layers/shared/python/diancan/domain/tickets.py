"""Kitchen tickets and the customer receipt for one paid order (or one add-on round).

Each kitchen station has its own cloud printer and must see only its own dishes, each dish and option
set once with the quantities summed; the receipt station prints the guest's bill. Pure: the Feieyun
layout lives in ``diancan.domain.ticket_render``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from diancan.domain.money import Fen

Mode = Literal["dine_in", "takeout", "delivery"]
TicketKind = Literal["kitchen", "receipt", "cancel"]  # cancel: 退单, what a station must stop making
REPRINT_LABEL = "重打"


class TicketLine(BaseModel):
    """One order line as priced at checkout; ``options`` are the chosen option names."""

    model_config = {"frozen": True}

    dish_id: str
    name: str
    qty: int = Field(ge=1)
    options: list[str] = Field(default_factory=list)
    unit_price_fen: Fen = Field(ge=0)
    line_total_fen: Fen = Field(ge=0)
    station_id: str | None = None


class TicketOrder(BaseModel):
    """The order snapshot the tickets print. For an add-on round, ``lines`` holds that round's lines only."""

    model_config = {"frozen": True}

    order_id: str
    store_name: str
    mode: Mode
    table_no: str | None = None
    pickup_no: int | None = None
    remark: str = ""
    paid_at: AwareDatetime
    pickup_at: AwareDatetime | None = Field(None, description="a pre-order's pickup (delivery) time, printed large")
    lines: list[TicketLine] = Field(default_factory=list, description="at least one, but for an amount-only stop")
    discounts: list[tuple[str, Fen]] = Field(default_factory=list, description="(label, amount in fen > 0)")
    packing_fee_fen: Fen = Field(0, ge=0)
    delivery_fee_fen: Fen = Field(0, ge=0)
    total_fen: Fen = Field(ge=0)
    is_addon_round: bool = False
    round_no: int | None = Field(None, ge=1)
    order_url: str = ""
    channel: str = Field("miniprogram", description="where the order was taken: miniprogram, table or counter")
    refund_fen: Fen | None = Field(None, ge=0, description="a cancel ticket of a partial refund that named no lines")

    @model_validator(mode="after")
    def _addon_has_a_round(self) -> TicketOrder:
        if self.is_addon_round and self.round_no is None:
            raise ValueError("an add-on round needs round_no")
        if not self.lines and self.refund_fen is None:
            raise ValueError("a ticket needs lines")
        return self

    @property
    def due_at(self) -> datetime:
        """When the kitchen must have it: a pre-order's pickup time, else its payment time (the screen's order)."""
        return self.pickup_at or self.paid_at

    @property
    def subtotal_fen(self) -> Fen:
        return sum(line.line_total_fen for line in self.lines)


class Station(BaseModel):
    """A kitchen station (hot wok, cold dishes, bar, front desk) and the printer it owns."""

    model_config = {"frozen": True}

    station_id: str
    name: str
    printer_sn: str
    fallback_printer_sn: str | None = None
    paper_columns: Literal[32, 48] = 32
    receipt: bool = False


class Ticket(BaseModel):
    """One print: a kitchen ticket for a station, or the receipt. ``order.lines`` are this ticket's lines."""

    model_config = {"frozen": True}

    ticket_id: str
    kind: TicketKind
    station: Station
    order: TicketOrder
    copy_label: str | None = None

    def reprint(self, label: str = REPRINT_LABEL) -> Ticket:
        """The same ticket (same ``ticket_id``) marked so the kitchen knows it is not a new order."""
        return self.model_copy(update={"copy_label": label})


def ticket_id(order: TicketOrder, station: Station, kind: TicketKind) -> str:
    """Stable across retries and replays: order, station, round and kind, nothing time-dependent."""
    return f"{order.order_id}:{station.station_id}:r{order.round_no or 1}:{kind}"


def line_key(line: TicketLine) -> tuple:
    """Lines that are the same dish with the same options (in any order) are one line to the kitchen."""
    return line.dish_id, tuple(sorted(line.options))


def subtract_lines(lines: Iterable[TicketLine], taken: Iterable[TicketLine]) -> list[TicketLine]:
    """``lines`` combined, less the quantities of ``taken`` (same dish and options); lines left at 0 go."""
    gone: dict[tuple, int] = {}
    for line in taken:
        gone[line_key(line)] = gone.get(line_key(line), 0) + line.qty
    left = []
    for line in combine_lines(lines):
        qty = line.qty - gone.get(line_key(line), 0)
        if qty > 0:
            left.append(line if qty == line.qty else line.model_copy(
                update={"qty": qty, "line_total_fen": line.unit_price_fen * qty}))
    return left


def combine_lines(lines: Iterable[TicketLine], *, same_price: bool = False) -> list[TicketLine]:
    """Merge lines of the same dish with the same option set (in any order), keeping first-seen order.

    ``same_price`` also requires the same unit price, so a receipt never hides a price difference.
    """
    merged: dict[tuple, TicketLine] = {}
    for line in lines:
        key = (*line_key(line), line.unit_price_fen if same_price else None)
        seen = merged.get(key)
        merged[key] = line if seen is None else seen.model_copy(update={
            "qty": seen.qty + line.qty, "line_total_fen": seen.line_total_fen + line.line_total_fen})
    return list(merged.values())


def build_tickets(order: TicketOrder, stations: Sequence[Station], *, default_station_id: str | None = None,
                  receipt_printer: Station | None = None) -> list[Ticket]:
    """Kitchen tickets in station order (only stations with lines), then the receipt.

    Lines with no station, or a station that no longer exists, go to the default station (the one named,
    else the first), so no dish is ever left unprinted. The receipt goes to ``receipt_printer`` if given,
    else the first station flagged ``receipt``, else the default station.
    """
    by_id = {station.station_id: station for station in stations}
    if not stations or len(by_id) != len(stations):
        raise ValueError("stations must be non-empty with distinct station_id values")
    if default_station_id is not None and default_station_id not in by_id:
        raise ValueError(f"unknown default station {default_station_id!r}")
    default = by_id[default_station_id] if default_station_id else stations[0]

    lines_by_station: dict[str, list[TicketLine]] = {}
    for line in order.lines:
        station = by_id.get(line.station_id or "", default)
        lines_by_station.setdefault(station.station_id, []).append(line)

    tickets = [_ticket(order, station, "kitchen", combine_lines(lines_by_station[station.station_id]))
               for station in stations if station.station_id in lines_by_station]
    receipt_station = receipt_printer or next((s for s in stations if s.receipt), default)
    tickets.append(_ticket(order, receipt_station, "receipt", combine_lines(order.lines, same_price=True)))
    return tickets


def _ticket(order: TicketOrder, station: Station, kind: TicketKind, lines: list[TicketLine]) -> Ticket:
    return Ticket(ticket_id=ticket_id(order, station, kind), kind=kind, station=station,
                  order=order.model_copy(update={"lines": lines}))
